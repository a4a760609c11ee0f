"""Processes whose working detail the caller may read; moving, pausing and resuming them (partnership managers,
through the same services as the browser)."""

from django.db.models import Prefetch
from rest_framework import exceptions

from coordination import access, kinds, services
from coordination.models import Milestone, Pause, Process, StageChange

from ..serializers.processes import (
    ProcessDetailSerializer,
    ProcessMoveSerializer,
    ProcessPauseSerializer,
    ProcessResumeSerializer,
    ProcessSerializer,
)
from .base import UPDATED_SINCE, ChangeView, DetailView, ListView, query_parameter


def visible_processes(user):
    return access.processes_visible_to(user).select_related("case", "owner", "lead")


def with_detail(processes):
    return processes.prefetch_related(
        Prefetch("stage_changes", queryset=StageChange.objects.select_related("changed_by")),
        Prefetch("pauses", queryset=Pause.objects.select_related("started_by", "ended_by")),
        Prefetch("milestones", queryset=Milestone.objects.select_related("rule")),
    )


class ProcessList(ListView):
    """Processes whose working detail you may read (every process on a case you see is in the case, in summary)."""

    serializer_class = ProcessSerializer
    updated_since = True
    query_parameters = [
        UPDATED_SINCE,
        query_parameter("case", "A case's reference."),
        query_parameter("kind", "A kind of process, e.g. lcspr.", enum=[kind.key for kind in kinds.all_kinds()]),
        query_parameter("status", "active, paused or closed", enum=Process.Status.values),
    ]

    def get_queryset(self):
        return visible_processes(self.request.user)

    def filter_list(self, queryset):
        params = self.request.query_params
        if params.get("case") is not None:
            queryset = queryset.filter(case__reference=params["case"])
        if params.get("kind") is not None:
            if not kinds.exists(params["kind"]):
                raise exceptions.ValidationError({"kind": ["Not a kind of process Parallel knows."]})
            queryset = queryset.filter(kind=params["kind"])
        if params.get("status") is not None:
            if params["status"] not in Process.Status.values:
                raise exceptions.ValidationError({"status": ["Give active, paused or closed."]})
            queryset = queryset.filter(status=params["status"])
        return queryset


class ProcessDetail(DetailView):
    """A process's working detail: history, pauses, deadlines, the stages it may move to, and its own details."""

    serializer_class = ProcessDetailSerializer

    def get_queryset(self):
        return with_detail(visible_processes(self.request.user))


class _ProcessChange(ChangeView):
    serializer_class = ProcessDetailSerializer

    def get_queryset(self):
        return with_detail(visible_processes(self.request.user))

    def may_change(self, process):
        access.require_manage_case(self.request.user, process.case)

    def post(self, request, *args, **kwargs):
        return self.change(request)


class ProcessMove(_ProcessChange):
    """Move it to one of its `next_stages`, on the date it happened. If-Match makes sure you saw the stage it is at."""

    input_serializer_class = ProcessMoveSerializer

    def perform(self, process, data):
        services.process_move(actor=self.request.user, process=process, to_stage=data["to_stage"],
                              expected_stage=process.stage, effective_on=data.get("effective_on"),
                              note=data["note"])  # fmt: skip


class ProcessPause(_ProcessChange):
    """Hold it (its clocks stop), saying why and, if it waits on another process on the case, which."""

    input_serializer_class = ProcessPauseSerializer

    def perform(self, process, data):
        caused_by = None
        if data["caused_by"] is not None:
            caused_by = Process.objects.filter(case=process.case_id, pk=data["caused_by"]).first()
            if caused_by is None:
                raise exceptions.ValidationError({"caused_by": ["Give the id of another process on the same case."]})
        services.process_pause(actor=self.request.user, process=process, reason=data["reason"],
                               explanation=data["explanation"], expected_resume_on=data["expected_resume_on"],
                               caused_by=caused_by, paused_on=data.get("paused_on"))  # fmt: skip


class ProcessResume(_ProcessChange):
    """Resume it; its deadlines move on by the time it was held."""

    input_serializer_class = ProcessResumeSerializer

    def perform(self, process, data):
        services.process_resume(actor=self.request.user, process=process, note=data["note"],
                                resumed_on=data.get("resumed_on"))  # fmt: skip
