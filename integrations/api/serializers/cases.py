"""Cases, with every process on them in summary (kind, stage, key dates): what anyone who sees the case sees."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coordination.models import Case, Partnership, Process

from .common import InputSerializer, OrganisationRefSerializer, link, text_field


class PartnershipRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partnership
        fields = ["code", "name"]


class ProcessSummarySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(read_only=True)
    stage_label = serializers.CharField(read_only=True)
    owner = OrganisationRefSerializer(read_only=True)
    detail_visible = serializers.SerializerMethodField(help_text="Whether you may read its working detail.")
    url = serializers.SerializerMethodField(help_text="Its working detail, when you may read it.")

    class Meta:
        model = Process
        fields = ["id", "url", "kind", "kind_label", "stage", "stage_label", "stage_since", "status", "owner",
                  "opened_on", "closed_on", "detail_visible"]  # fmt: skip

    def get_detail_visible(self, process) -> bool:
        return bool(getattr(process, "in_full", False))

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_url(self, process):
        return link(self, "api-process-detail", process.pk) if self.get_detail_visible(process) else None


class CaseSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    partnership = PartnershipRefSerializer(read_only=True)
    processes = ProcessSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = ["reference", "url", "partnership", "pseudonym", "incident_type", "incident_date", "la_aware_date",
                  "status", "summary", "opened_at", "closed_at", "closing_note", "updated_at", "processes"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, case) -> str:
        return link(self, "api-case-detail", case.reference)


class CaseOpenSerializer(InputSerializer):
    """Open a case (partnership managers only)."""

    partnership = serializers.SlugRelatedField(
        slug_field="code", queryset=Partnership.objects.all(), help_text="The lead partnership's code, e.g. NSCP."
    )
    pseudonym = text_field(Case, "pseudonym", help_text="How the child is referred to, e.g. “Child Q”.")
    incident_type = serializers.ChoiceField(choices=Case.IncidentType.choices)
    incident_date = serializers.DateField(help_text="Not in the future.")
    la_aware_date = serializers.DateField(
        help_text="The date the local authority became aware: not before `incident_date`, not in the future."
    )
    summary = text_field(Case, "summary", required=False, allow_blank=True, default="")
