"""Shapes shared by several objects: a person's name, an organisation, a link, and the problem document; and
what every input shares: unknown fields refused, and text no longer than its model allows."""

from collections.abc import Mapping

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from coordination import subjects
from coordination.models import Organisation
from coordination.models.limits import length_of

MAX_ID = 999_999_999_999_999_999  # 18 digits: within every database's integer, so never an overflow
UNKNOWN = "Not a field this operation takes: check its spelling against the schema."
READ_ONLY = "Read-only: Parallel sets it. Leave it out of what you send."


def id_field(**kwargs) -> serializers.IntegerField:
    """An object's id in a request body."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def text_field(model, name: str, **kwargs) -> serializers.CharField:
    """Text for a model's field, as long as the model allows (coordination/models/limits.py): the form and the API
    share one limit, published in the schema as maxLength."""
    return serializers.CharField(max_length=length_of(model, name), **kwargs)


# Base of everything the API accepts (comments, not a docstring: drf-spectacular would publish a docstring as the
# description of every input without one of its own). A field it does not take is refused, naming it, rather than
# dropped: a misspelt field would otherwise be lost without a word. A field the API shows but sets itself (the view
# passes those names as `shown_fields`, e.g. `status` sent back in a PATCH) is refused as read-only.
class InputSerializer(serializers.Serializer):
    exactly_one_of: tuple[str, ...] = ()  # fields of which one, and only one, must be given (the schema: oneOf)

    def to_internal_value(self, data):
        extra = {}
        if isinstance(data, Mapping):
            accepted = {name for name, field in self.fields.items() if not field.read_only}
            shown = self.context.get("shown_fields", ())
            extra = {name: [READ_ONLY if name in shown else UNKNOWN] for name in data if name not in accepted}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if extra and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **extra}) from None
            raise
        if extra:
            raise serializers.ValidationError(extra)
        return value


# The same, for an input shaped by a model (its text fields take the model's max_length by themselves).
class InputModelSerializer(InputSerializer, serializers.ModelSerializer):
    pass


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


SUBJECT_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": "What it belongs to: a process, or a record of another kind (e.g. a sharing request).",
    "properties": {
        "type": {"type": "string", "description": "process, or the kind of record, e.g. sharing_request."},
        "id": {"oneOf": [{"type": "integer"}, {"type": "string"}], "description": "Its id or reference."},
        "url": {"type": "string", "format": "uri"},
    },
    "required": ["type", "id", "url"],
}


@extend_schema_field(SUBJECT_SCHEMA)
class SubjectField(serializers.Field):
    """What a deadline or a notification is about, as {"type", "id", "url"} (coordination/subjects.py): a process,
    or a registered record. Lists load the records with subjects.attach (AttachingListSerializer)."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, obj):
        request = self.context.get("request")
        if obj.subject_type == subjects.PROCESS:
            return {"type": subjects.PROCESS, "id": obj.process_id,
                    "url": reverse("api-process-detail", args=[obj.process_id], request=request)}  # fmt: skip
        if not obj.subject_type or obj.subject is None:
            return None
        kind = subjects.get(obj.subject_type)
        url = kind.api_url(obj.subject)
        return {"type": kind.key, "id": kind.api_id(obj.subject),
                "url": request.build_absolute_uri(url) if request else url}  # fmt: skip


class AttachingListSerializer(serializers.ListSerializer):
    """A list whose rows' registered records are loaded in one query per kind, before they are shown."""

    def to_representation(self, data):
        return super().to_representation(subjects.attach(data.all() if hasattr(data, "all") else data))
