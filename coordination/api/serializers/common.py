"""Shapes shared by several objects: a person's name, an organisation, a link, and the problem document."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from coordination.models import Organisation

MAX_ID = 999_999_999_999_999_999  # 18 digits: within every database's integer, so never an overflow


def id_field(**kwargs) -> serializers.IntegerField:
    """An object's id in a request body."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def person(user) -> str | None:
    """A person as the pages show them: their name, or their username. Never their e-mail or id."""
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


class PersonField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return person(value)


extend_schema_field({"type": "string", "nullable": True, "description": "The person's name."})(PersonField)


def link(serializer, name: str, *args) -> str:
    return reverse(name, args=args, request=serializer.context.get("request"))


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name"]


class OrganisationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = ["id", "url", "name", "short_name", "kind", "kind_label"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, organisation) -> str:
        return link(self, "api-organisation-detail", organisation.pk)


class ProblemSerializer(serializers.Serializer):
    """An error (RFC 9457)."""

    type = serializers.CharField(help_text="What kind of problem, e.g. urn:parallel:problem:validation.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For a refused input: the messages for each field (`non_field_errors` for the whole).",
    )
