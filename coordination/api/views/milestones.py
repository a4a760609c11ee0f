"""Deadlines the caller may see: those of processes whose working detail they read, and the response deadlines
of the requests they see. Completing and extending one is for the case's partnership managers, as in the
browser; a request's response deadline is met by its decision."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q

from coordination import access, clock, corrections, selectors
from coordination.models import Milestone, MilestoneAdjustment
from sharing import access as sharing_access

from ..serializers.milestones import (
    MilestoneCompleteSerializer,
    MilestoneExtendSerializer,
    MilestoneSerializer,
    MilestoneTriggerCorrectSerializer,
)
from .base import ID, UPDATED_SINCE, ChangeView, DetailView, ListView, flag, query_parameter, whole_number


def visible_milestones(user):
    on_processes = Q(process__in=access.processes_visible_to(user))
    on_requests = Q(sharing_request__in=sharing_access.requests_visible_to(user))
    return (
        Milestone.objects.filter(on_processes | on_requests)
        .select_related("rule", "process__case", "sharing_request__case", "completed_by", "waived_by")
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
        query_parameter("sharing_request", "A request's reference."),
    ]

    def filter_list(self, queryset):
        params = self.request.query_params
        is_open = flag(self.request, "open")
        if is_open is not None:
            queryset = queryset.filter(clock.OPEN) if is_open else queryset.exclude(clock.OPEN)
        if params.get("case") is not None:
            case = params["case"]
            queryset = queryset.filter(Q(process__case__reference=case) | Q(sharing_request__case__reference=case))
        process = whole_number(self.request, "process")
        if process is not None:
            queryset = queryset.filter(process_id=process)
        if params.get("sharing_request") is not None:
            queryset = queryset.filter(sharing_request__reference=params["sharing_request"])
        return queryset


class MilestoneDetail(_Milestones, DetailView):
    """One deadline: the rule, how its date was reached, and every change to that date."""


class _MilestoneChange(_Milestones, ChangeView):
    def post(self, request, *args, **kwargs):
        return self.change(request)

    def may_change(self, milestone) -> None:
        if milestone.process_id is None:
            raise PermissionDenied("A request's response deadline is met by the decision on the request.")
        access.require_manage_case(self.request.user, milestone.process.case)


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
