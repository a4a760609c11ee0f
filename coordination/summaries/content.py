"""What a summary says, read for the person who asked for it through the same selectors and access rules as the
pages, so a PDF can never show more than its reader may see on screen:

- every process on the case in summary (kind, stage, status, key dates), its working detail (milestones, history,
  pause explanations) only if `processes_visible_to` the reader includes it, relationships only between two
  processes they see in full (as the case page);
- the child's identifiable details only if `identities_visible_to` includes them;
- the apps' sections (coordination/summaries/documents.py), each read through the app's own access rules.

These functions read; they do not write. Recording that identifiable details went into a file is done when the
file is stored (coordination/summaries/services.py), so a render that fails records no view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from .. import access, selectors
from ..clock import Status
from ..models import Case, Membership, Milestone, MilestoneAdjustment, Process, Relationship
from ..timeline import build_timeline
from . import documents


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
        "identity": identity,
        **_app_sections(user=user, case=case),
    }


def _app_sections(*, user, case: Case) -> dict:
    """The apps' sections (e.g. the case's sharing register), each with its entries for the history."""
    sections = [(section, section.content(user=user, case=case)) for section in documents.case_sections()]
    return {
        "sections": [(section.template, content) for section, content in sections],
        "history_sections": [(s.history_template, content) for s, content in sections if s.history_template],
    }


def latest_case_change(*, user, case: Case) -> dt.datetime:
    """When what `user` may see of the case last changed: the case, its processes (stage and status, which every
    reader sees), the milestones of the processes they see in full, the relationships between processes, and what
    the apps' sections show (one query, and one or two per section). A summary made before this is out of date."""

    def newest(queryset: QuerySet, field_name: str = "updated_at") -> Subquery:
        return Subquery(queryset.order_by(f"-{field_name}").values(field_name)[:1])

    in_full = access.processes_visible_to(user).filter(case=case)
    relationships = Relationship.objects.filter(case=case)
    stamps = (
        Case.objects.filter(pk=case.pk)
        .values("updated_at")
        .annotate(
            processes=newest(Process.objects.filter(case=OuterRef("pk"))),
            milestones=newest(Milestone.objects.filter(process__in=in_full)),
            relationships=newest(relationships, "recorded_at"),
            relationships_ended=newest(relationships.exclude(ended_at=None), "ended_at"),
        )
        .get()
    )
    sections = [section.latest_change(user=user, case=case) for section in documents.case_sections()]
    return max(stamp for stamp in [*stamps.values(), *sections] if stamp is not None)
