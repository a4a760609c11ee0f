"""What a summary says, read for the person who asked for it through the same selectors and access rules as the
pages, so a PDF can never show more than its reader may see on screen:

- every process on the case in summary (kind, stage, status, key dates), its working detail (milestones, history,
  pause explanations) only if `processes_visible_to` the reader includes it, relationships only between two
  processes they see in full (as the case page);
- the child's identifiable details only if `identities_visible_to` includes them;
- the sharing register only as `sharing.access.requests_visible_to` allows.

These functions read; they do not write. Recording that identifiable details went into a file is done when the
file is stored (coordination/summaries/services.py), so a render that fails records no view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from sharing import access as sharing_access
from sharing import selectors as sharing_selectors
from sharing.models import SharingDecision, SharingRequest, StatusChange

from .. import access, selectors
from ..clock import Status
from ..models import Case, Membership, Milestone, MilestoneAdjustment, Organisation, Partnership, Process, Relationship
from ..timeline import build_timeline


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "someone no longer recorded"


def _day(value: dt.date | None) -> str:
    return value.strftime("%-d %b %Y") if value else ""


@dataclass(frozen=True)
class Reader:
    """Who the file was prepared for, as its cover says."""

    name: str
    roles: list[str]  # "Partnership manager, Northshire County Council"


def reader_of(user) -> Reader:
    memberships = Membership.objects.filter(user=user).select_related("organisation").order_by("id")
    roles = [f"{m.get_role_display()}, {m.organisation.name}" for m in memberships]
    return Reader(name=_name(user), roles=roles)


# --- Milestones ------------------------------------------------------------------------------------


@dataclass
class MilestoneLine:
    due: dt.date
    process: str
    name: str
    code: str
    status: Status
    notes: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return "Met late" if self.status == Status.MET_LATE else self.status.label

    @property
    def extended(self) -> bool:
        return any(note.startswith("Extended") for note in self.notes)


def _milestone_notes(milestone: Milestone) -> list[str]:
    notes = []
    for adjustment in milestone.adjustments.all():  # prefetched, in the order they were recorded
        moved = f"from {_day(adjustment.from_date)} to {_day(adjustment.to_date)}"
        if adjustment.kind == MilestoneAdjustment.Kind.EXTENSION:
            who = f"; authorised by {adjustment.authorised_by}" if adjustment.authorised_by else ""
            basis = f"; basis: {adjustment.basis}" if adjustment.basis else ""
            notes.append(f"Extended {moved}: {adjustment.reason}{who}{basis}")
        elif adjustment.kind == MilestoneAdjustment.Kind.PAUSE:
            notes.append(f"Moved {moved} by a pause: {adjustment.reason}")
        else:
            notes.append(f"Trigger date corrected, due date moved {moved}: {adjustment.reason}")
    if milestone.completed_on:
        note = f": {milestone.completion_note}" if milestone.completion_note else ""
        notes.append(f"Met on {_day(milestone.completed_on)} by {_name(milestone.completed_by)}{note}")
    if milestone.waived_at:
        waived_on = _day(timezone.localdate(milestone.waived_at))
        notes.append(f"Waived on {waived_on} by {_name(milestone.waived_by)}: {milestone.waiver_reason}")
    return notes


def milestone_lines(processes: list[Process]) -> list[MilestoneLine]:
    """Every milestone of the processes seen in full, by due date (then process, then rule), with what happened."""
    lines = []
    for order, process in enumerate(processes):
        for row in process.milestone_rows:
            m = row.milestone
            occurrence = f" (#{m.occurrence})" if m.occurrence > 1 else ""
            line = MilestoneLine(m.due_date, process.kind_label, f"{m.rule.milestone}{occurrence}", m.rule.code,
                                 row.status, _milestone_notes(m))  # fmt: skip
            lines.append((m.due_date, order, m.rule.code, m.occurrence, m.pk, line))
    return [entry[-1] for entry in sorted(lines, key=lambda entry: entry[:-1])]


# --- The case --------------------------------------------------------------------------------------


def case_requests(*, user, case: Case) -> list[SharingRequest]:
    """The requests on the case the reader may see, as the case's sharing register lists them, oldest first."""
    rows = sharing_selectors.register(user=user, params={}, case=case).qs
    return list(
        rows.prefetch_related(
            Prefetch("decisions", queryset=SharingDecision.objects.select_related("decided_by")),
            Prefetch("status_changes", queryset=StatusChange.objects.select_related("changed_by")),
        ).order_by("number")
    )


def case_summary(*, user, case: Case, prepared_at: dt.datetime) -> dict:
    """The template context of a case summary for `user`. 404 (Http404) if they may no longer see the case."""
    case = selectors.case_for_page(user=user, reference=case.reference)
    today = timezone.localdate(prepared_at)
    processes = list(case.processes.all())
    closures = selectors.closures_by_partnership()
    partnership_closures = closures.get(case.partnership_id, closures[None])
    for process in processes:
        process.milestone_rows = (
            selectors.milestone_rows(process, closures=partnership_closures) if process.in_full else []
        )
        process.open_pause = selectors.open_pause(process)
        process.history = selectors.history_of(process) if process.in_full else []
        process.all_pauses = list(process.pauses.all())
    relationships = case.visible_relationships
    timeline = build_timeline(
        processes=processes, relationships=relationships, today=today, incident_date=case.incident_date
    )
    in_full = [p for p in processes if p.in_full]
    identity = access.identities_visible_to(user).filter(case=case).first()
    return {
        "case": case,
        "reader": reader_of(user),
        "prepared_at": prepared_at,
        "processes": processes,
        "in_full": in_full,
        "summary_only": [p for p in processes if not p.in_full],
        "timeline": timeline,
        "milestones": milestone_lines(in_full),
        "relationships": relationships,
        "pauses": [(p, pause) for p in processes for pause in p.all_pauses if p.in_full or pause.ended_at is None],
        "requests": case_requests(user=user, case=case),
        "identity": identity,
    }


def latest_case_change(*, user, case: Case) -> dt.datetime:
    """When what `user` may see of the case last changed: the case, its processes (stage and status, which every
    reader sees), the milestones of the processes they see in full, the requests they may see and those requests'
    deadlines, and the relationships between processes. One query. A summary made before this is out of date."""

    def newest(queryset: QuerySet, field_name: str = "updated_at") -> Subquery:
        return Subquery(queryset.order_by(f"-{field_name}").values(field_name)[:1])

    in_full = access.processes_visible_to(user).filter(case=case)
    requests = sharing_access.requests_visible_to(user).filter(case=case)
    relationships = Relationship.objects.filter(case=case)
    stamps = (
        Case.objects.filter(pk=case.pk)
        .values("updated_at")
        .annotate(
            processes=newest(Process.objects.filter(case=OuterRef("pk"))),
            milestones=newest(Milestone.objects.filter(process__in=in_full)),
            requests=newest(requests),
            request_deadlines=newest(Milestone.objects.filter(sharing_request__in=requests)),
            relationships=newest(relationships, "recorded_at"),
            relationships_ended=newest(relationships.exclude(ended_at=None), "ended_at"),
        )
        .get()
    )
    return max(stamp for stamp in stamps.values() if stamp is not None)


# --- An organisation's sharing register ------------------------------------------------------------


def _register_scope(*, user, organisation: Organisation) -> Q:
    scope = Q(requesting_organisation=organisation) | Q(providing_organisation=organisation)
    manages_here = Membership.objects.filter(
        user=user, organisation=organisation, role=Membership.Role.PARTNERSHIP_MANAGER
    ).exists()
    if manages_here:
        partners = Q(local_authority=organisation) | Q(icb=organisation) | Q(police=organisation)
        scope |= Q(case__partnership__in=Partnership.objects.filter(partners))
    return scope


def register_requests(*, user, organisation: Organisation) -> QuerySet[SharingRequest]:
    """The organisation's register as `user` may see it: requests to or from the organisation and, when they are
    a partnership manager there, the submitted requests on the partnership's cases (sharing.selectors' rows)."""
    rows = sharing_selectors.register(user=user, params={}).qs
    return rows.filter(_register_scope(user=user, organisation=organisation)).order_by("case__reference", "number")


def register_summary(*, user, organisation: Organisation, prepared_at: dt.datetime) -> dict:
    return {
        "organisation": organisation,
        "reader": reader_of(user),
        "prepared_at": prepared_at,
        "requests": list(register_requests(user=user, organisation=organisation)),
    }


def latest_register_change(*, user, organisation: Organisation) -> dt.datetime | None:
    """When the organisation's register, as `user` sees it, last changed: a request or its response deadline."""
    requests = sharing_access.requests_visible_to(user).filter(_register_scope(user=user, organisation=organisation))
    stamps = (
        Organisation.objects.filter(pk=organisation.pk)
        .annotate(
            requests=Subquery(requests.order_by("-updated_at").values("updated_at")[:1]),
            deadlines=Subquery(
                Milestone.objects.filter(sharing_request__in=requests.values("pk"))
                .order_by("-updated_at")
                .values("updated_at")[:1]
            ),
        )
        .values("requests", "deadlines")
        .get()
    )
    values = [stamp for stamp in stamps.values() if stamp is not None]
    return max(values) if values else None
