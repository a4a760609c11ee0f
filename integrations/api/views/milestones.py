"""Deadlines the caller may see: those of processes whose working detail they read, and those of the records of
other kinds they see (a request's response). Completing, extending and correcting one is for the case's
partnership managers, as in the browser; the services say so (a record's own deadline is met by its own steps)."""

from django.db.models import Prefetch

from coordination import access, clock, corrections, selectors, subjects
from coordination.models import MilestoneAdjustment

from ..serializers.milestones import (
    MilestoneCompleteSerializer,
    MilestoneExtendSerializer,
    MilestoneSerializer,
    MilestoneTriggerCorrectSerializer,
)
from .base import ID, UPDATED_SINCE, ChangeView, DetailView, ListView, flag, query_parameter, whole_number

# The kinds of record with deadlines of their own (known once the apps have started, as this module is imported).
SUBJECTS = [key for key, _ in subjects.choices()]


def visible_milestones(user):
    return (
        access.milestones_visible_to(user)
        .select_related("rule", "case", "process", "completed_by", "waived_by")
        .prefetch_related(Prefetch("adjustments", queryset=MilestoneAdjustment.objects.select_related("recorded_by")))
    )


class _Milestones:
    serializer_class = MilestoneSerializer

    def get_queryset(self):
        return visible_milestones(self.request.user)

    def get_serializer_context(self):
        # Closure days move "due soon"; one query for every partnership, however many rows.
        return {**super().get_serializer_context(), "closures": selectors.closures_by_partnership()}


class MilestoneList(_Milestones, ListView):
    """Deadlines you may see, with their status today."""

    updated_since = True
    query_parameters = [
        UPDATED_SINCE,
        query_parameter(
            "open", "true: only those not yet met or waived; false: only those met or waived.", enum=["true", "false"]
        ),  # fmt: skip
        query_parameter("case", "A case's reference."),
        query_parameter("process", "A process's id.", kind=ID),
        query_parameter(
            "subject_type", "What they belong to: process, or a kind of record.", enum=[subjects.PROCESS, *SUBJECTS]
        ),
    ]

    def filter_list(self, queryset):
        params = self.request.query_params
        is_open = flag(self.request, "open")
        if is_open is not None:
            queryset = queryset.filter(clock.OPEN) if is_open else queryset.exclude(clock.OPEN)
        if params.get("case") is not None:
            queryset = queryset.filter(case__reference=params["case"])
        process = whole_number(self.request, "process")
        if process is not None:
            queryset = queryset.filter(process_id=process)
        if params.get("subject_type") is not None:
            queryset = queryset.filter(subject_type=params["subject_type"])
        return queryset


class MilestoneDetail(_Milestones, DetailView):
    """One deadline: the rule, how its date was reached, and every change to that date."""


class _MilestoneChange(_Milestones, ChangeView):
    def post(self, request, *args, **kwargs):
        return self.change(request)

    def may_change(self, milestone) -> None:
        # Asked before If-Match and the input, so a caller who may not is told so first; the services ask again.
        clock.require_manage(self.request.user, milestone)


class MilestoneComplete(_MilestoneChange):
    """Record that it was met, and on which date."""

    input_serializer_class = MilestoneCompleteSerializer

    def perform(self, milestone, data):
        clock.milestone_complete(actor=self.request.user, milestone=milestone, completed_on=data["completed_on"],
                                 note=data["note"])  # fmt: skip


class MilestoneExtend(_MilestoneChange):
    """Move its due date later, with the reason, who authorised it and on what basis."""

    input_serializer_class = MilestoneExtendSerializer

    def perform(self, milestone, data):
        clock.milestone_extend(actor=self.request.user, milestone=milestone, **data)


class MilestoneCorrectTrigger(_MilestoneChange):
    """Correct the date its clock started, with the reason; every deadline counted from that date is worked out
    again."""

    input_serializer_class = MilestoneTriggerCorrectSerializer

    def perform(self, milestone, data):
        corrections.milestone_trigger_correct(actor=self.request.user, milestone=milestone, **data)
