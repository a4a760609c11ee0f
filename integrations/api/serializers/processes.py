"""A process's working detail (history, pauses, deadlines, its kind's own details), for those who may read it,
and what the stage moves, pauses and resumes accept."""

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coordination.models import Pause, Process, StageChange

from .common import InputSerializer, OrganisationRefSerializer, PersonField, id_field, link, text_field


class StageChangeSerializer(serializers.ModelSerializer):
    changed_by = PersonField()

    class Meta:
        model = StageChange
        fields = ["from_stage", "to_stage", "effective_on", "changed_at", "changed_by", "note"]


class PauseSerializer(serializers.ModelSerializer):
    started_by = PersonField()
    ended_by = PersonField()

    class Meta:
        model = Pause
        fields = ["reason", "explanation", "caused_by", "paused_on", "started_at", "started_by", "expected_resume_on",
                  "resumed_on", "ended_at", "ended_by", "resume_note"]  # fmt: skip
        read_only_fields = fields


class StageSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class ProcessSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    kind_label = serializers.CharField(read_only=True)
    stage_label = serializers.CharField(read_only=True)
    owner = OrganisationRefSerializer(read_only=True)
    lead = PersonField()

    class Meta:
        model = Process
        fields = ["id", "url", "case", "kind", "kind_label", "stage", "stage_label", "stage_since", "status", "owner",
                  "lead", "opened_on", "closed_on", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, process) -> str:
        return link(self, "api-process-detail", process.pk)


class MilestoneRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    milestone = serializers.CharField(source="rule.milestone")
    due_date = serializers.DateField()
    completed_on = serializers.DateField(allow_null=True)
    waived_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, milestone) -> str:
        return link(self, "api-milestone-detail", milestone.pk)


class ProcessDetailSerializer(ProcessSerializer):
    history = StageChangeSerializer(source="stage_changes", many=True, read_only=True)
    pauses = PauseSerializer(many=True, read_only=True)
    milestones = MilestoneRefSerializer(many=True, read_only=True)
    next_stages = serializers.SerializerMethodField(help_text="The stages it may move to from here.")
    details = serializers.SerializerMethodField(help_text="The kind's own details, by field name.")

    class Meta(ProcessSerializer.Meta):
        fields = [*ProcessSerializer.Meta.fields, "next_stages", "history", "pauses", "milestones", "details"]
        read_only_fields = fields

    @extend_schema_field(StageSerializer(many=True))
    def get_next_stages(self, process):
        if not process.is_open:
            return []
        return [{"key": stage.key, "label": stage.label} for stage in process.kind_def.next_stages(process.stage)]

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_details(self, process):
        model = process.kind_def.details_model_class()
        row = model.objects.filter(process=process).first() if model else None
        if row is None:
            return {}
        values = {}
        for field in model._meta.fields:
            if field.name in ("id", "process"):
                continue
            value = getattr(row, field.attname)
            values[field.name] = value.isoformat() if isinstance(value, dt.date) else value
        return values


class ProcessMoveSerializer(InputSerializer):
    to_stage = text_field(StageChange, "to_stage", help_text="The key of one of `next_stages`.")
    effective_on = serializers.DateField(
        required=False, help_text="The date the move happened (default today): not in the future, and not before "
        "the process reached its present stage.",
    )  # fmt: skip
    note = text_field(StageChange, "note", required=False, allow_blank=True, default="")


class ProcessPauseSerializer(InputSerializer):
    reason = serializers.ChoiceField(choices=Pause.Reason.choices)
    explanation = text_field(Pause, "explanation")
    expected_resume_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Not in the past."
    )
    caused_by = id_field(
        required=False, allow_null=True, default=None, help_text="The id of the process on the same case it waits on."
    )
    paused_on = serializers.DateField(
        required=False, help_text="The date it was held (default today): not in the future, and not before the "
        "process reached its present stage.",
    )  # fmt: skip


class ProcessResumeSerializer(InputSerializer):
    note = text_field(Pause, "resume_note", required=False, allow_blank=True, default="")
    resumed_on = serializers.DateField(
        required=False, help_text="The date it resumed (default today): not in the future, not before it was paused."
    )
