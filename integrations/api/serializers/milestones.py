"""Deadlines on the statutory clock: each with the rule it comes from, how its date was reached, every change to
that date, and its status today."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coordination import clock
from coordination.models import Milestone, MilestoneAdjustment, Process, TimescaleRule

from .common import AttachingListSerializer, InputSerializer, PersonField, SubjectField, link, text_field

STATUSES = [(status.value, status.label) for status in clock.Status]


class RuleRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimescaleRule
        fields = ["code", "milestone", "force", "source", "verification", "stops_for_pauses"]


class AdjustmentSerializer(serializers.ModelSerializer):
    recorded_by = PersonField()

    class Meta:
        model = MilestoneAdjustment
        fields = ["kind", "from_date", "to_date", "reason", "authorised_by", "basis", "recorded_at", "recorded_by"]


class MilestoneSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True, help_text="The case it is on.")
    subject = SubjectField()
    rule = RuleRefSerializer(read_only=True)
    status = serializers.SerializerMethodField()
    completed_by = PersonField()
    waived_by = PersonField()
    adjustments = AdjustmentSerializer(many=True, read_only=True)

    class Meta:
        model = Milestone
        fields = ["id", "url", "case", "process", "subject", "rule", "occurrence", "trigger_date",
                  "base_due_date", "due_date", "explanation", "extension_overtaken", "status", "completed_on",
                  "completed_by", "completion_note", "waived_at", "waived_by", "waiver_reason", "created_at",
                  "updated_at", "adjustments"]  # fmt: skip
        read_only_fields = fields
        list_serializer_class = AttachingListSerializer

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, milestone) -> str:
        return link(self, "api-milestone-detail", milestone.pk)

    @extend_schema_field(serializers.ChoiceField(choices=STATUSES))
    def get_status(self, milestone) -> str:
        closures = self.context.get("closures") or {None: {}}
        case = milestone.case
        paused = milestone.process_id is not None and milestone.process.status == Process.Status.PAUSED
        return clock.status_of(
            milestone, today=timezone.localdate(), process_paused=paused,
            closures=closures.get(case.partnership_id, closures[None]),
        ).value  # fmt: skip


class MilestoneCompleteSerializer(InputSerializer):
    completed_on = serializers.DateField(
        required=False, help_text="The date it was met (default today): not in the future."
    )
    note = text_field(Milestone, "completion_note", required=False, allow_blank=True, default="")

    def validate(self, data):
        data.setdefault("completed_on", timezone.localdate())
        return data


class MilestoneExtendSerializer(InputSerializer):
    new_due_date = serializers.DateField(help_text="Later than its current `due_date`.")
    reason = text_field(MilestoneAdjustment, "reason")
    authorised_by = text_field(MilestoneAdjustment, "authorised_by")
    basis = text_field(MilestoneAdjustment, "basis", help_text="The legal basis or authority.")


class MilestoneTriggerCorrectSerializer(InputSerializer):
    trigger_date = serializers.DateField(
        help_text="The date its clock really started: not in the future for a clock counted forward. It is "
        "corrected where it is recorded (the case's dates, the event, the stage reached, the kind's details), so "
        "every deadline counted from it moves."
    )
    reason = text_field(MilestoneAdjustment, "reason", help_text="Why the date is corrected; kept in the history.")
