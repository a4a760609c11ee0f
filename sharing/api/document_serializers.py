"""Documents with their classification and handling marking, and the versions the caller may download."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coordination.models import Case
from integrations.api.serializers.common import (
    InputSerializer,
    OrganisationRefSerializer,
    PersonField,
    id_field,
    link,
    text_field,
)

from ..documents import LABEL_BY_CONTENT_TYPE
from ..models import Classification, Document, DocumentVersion, SharingRequest


class VersionSerializer(serializers.ModelSerializer):
    uploaded_by = PersonField()
    type_label = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DocumentVersion
        fields = ["id", "number", "original_name", "content_type", "type_label", "size", "sha256", "uploaded_at",
                  "uploaded_by", "download_url"]  # fmt: skip
        read_only_fields = fields

    def get_type_label(self, version) -> str:
        return LABEL_BY_CONTENT_TYPE.get(version.content_type, version.content_type)

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, version) -> str:
        return link(self, "api-document-download", version.document_id, version.number)


class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    request = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    marking = serializers.CharField(read_only=True, help_text="Classification, descriptor and handling, as shown.")
    owner = OrganisationRefSerializer(read_only=True, help_text="The organisation that holds it.")
    created_by = PersonField()
    versions = VersionSerializer(source="visible_versions", many=True, read_only=True,
                                 help_text="The versions you may download, newest first.")  # fmt: skip

    class Meta:
        model = Document
        fields = ["id", "url", "case", "process", "request", "title", "classification", "descriptor",
                  "handling_instructions", "marking", "owner", "created_by", "created_at", "versions"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, document) -> str:
        return link(self, "api-document-detail", document.pk)


# Not read from settings: the committed schema must not depend on where it was generated.
FILE_HELP = (
    "Judged by its content, not its name: PDF, DOCX, XLSX, CSV (UTF-8), PNG, JPEG, GIF or WebP, up to "
    "DOCUMENT_MAX_BYTES (20 MiB unless configured otherwise)."
)


class DocumentUploadSerializer(InputSerializer):
    """A new document, on a case, one of its processes or one of its requests: give exactly one of `case`,
    `process` and `request`."""

    exactly_one_of = ("case", "process", "request")

    file = serializers.FileField(help_text=FILE_HELP)
    title = text_field(Document, "title")
    classification = serializers.ChoiceField(choices=Classification.choices, default=Classification.OFFICIAL_SENSITIVE)
    descriptor = text_field(Document, "descriptor", required=False, allow_blank=True, default="")
    handling_instructions = text_field(Document, "handling_instructions", required=False, allow_blank=True, default="")
    case = text_field(Case, "reference", required=False, help_text="A case's reference, for a document on the case.")
    process = id_field(required=False, help_text="A process's id, for a document on that process.")
    request = text_field(
        SharingRequest, "reference", required=False, help_text="A request's reference, for a document on it."
    )

    def validate(self, data):
        places = [name for name in ("case", "process", "request") if data.get(name) not in (None, "")]
        if len(places) != 1:
            raise serializers.ValidationError("Name one place for the document: a case, a process or a request.")
        return data


class VersionUploadSerializer(InputSerializer):
    file = serializers.FileField(help_text=FILE_HELP)
