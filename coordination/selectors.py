"""Reads that span relations, built so a page costs the same number of queries however much it shows."""

from dataclasses import dataclass
from datetime import date, datetime

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from . import access, clock, kinds, subjects
from .models import (
    Case,
    ClosureDay,
    Milestone,
    MilestoneAdjustment,
    Organisation,
    Pause,
    Process,
    Relationship,
    StageChange,
    TimescaleRule,
)


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Reference or pseudonym")
    status = django_filters.ChoiceFilter(choices=Case.Status.choices, empty_label="Any status")
    kind = django_filters.ChoiceFilter(method="has_process_kind", label="Has a process of kind", empty_label="Any kind")

    class Meta:
        model = Case
        fields = ["q", "status", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["kind"].extra["choices"] = kinds.choices()

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(reference__icontains=value) | Q(pseudonym__icontains=value)) if value else queryset

    def has_process_kind(self, queryset, name, value):
        return queryset.filter(Exists(Process.objects.filter(case=OuterRef("pk"), kind=value)))


def case_list(*, user, params) -> CaseFilter:
    cases = (
        access.cases_visible_to(user)
        .select_related("partnership")
        .prefetch_related(Prefetch("processes", queryset=Process.objects.order_by("opened_on", "id")))
        .order_by("-opened_at", "-id")
    )
    return CaseFilter(params, queryset=cases)


def _milestones_prefetch() -> Prefetch:
    return Prefetch(
        "milestones",
        queryset=Milestone.objects.select_related("rule", "completed_by", "waived_by").prefetch_related(
            Prefetch("adjustments", queryset=MilestoneAdjustment.objects.select_related("recorded_by", "pause"))
        ),
    )


def case_for_page(*, user, reference: str) -> Case:
    """The case with everything its page shows, or 404 if the user may not see it."""
    processes = Process.objects.select_related("owner", "lead").prefetch_related(
        Prefetch("stage_changes", queryset=StageChange.objects.select_related("changed_by")),
        Prefetch("pauses", queryset=Pause.objects.select_related("started_by", "ended_by", "caused_by")),
        _milestones_prefetch(),
    )
    relationships = Relationship.objects.select_related("from_process", "to_process", "recorded_by", "ended_by")
    cases = (
        access.cases_visible_to(user)
        .select_related("partnership", "opened_by", "closed_by")
        .prefetch_related(Prefetch("processes", queryset=processes), Prefetch("relationships", queryset=relationships))
    )
    try:
        case = cases.get(reference=reference)
    except Case.DoesNotExist:
        raise Http404("No such case") from None
    # Which processes the user sees in full; the others show only their kind, stage and key dates.
    in_full = set(access.processes_visible_to(user).filter(case=case).values_list("pk", flat=True))
    by_id = {process.pk: process for process in case.processes.all()}
    for process in by_id.values():
        process.in_full = process.pk in in_full
    # A relationship shows only when both its processes do; each reads the other's history from the prefetch.
    case.visible_relationships = []
    for relationship in case.relationships.all():
        relationship.from_process = by_id[relationship.from_process_id]
        relationship.to_process = by_id[relationship.to_process_id]
        if relationship.from_process.in_full and relationship.to_process.in_full:
            case.visible_relationships.append(relationship)
    return case


def case_for_change(*, user, reference: str) -> Case:
    try:
        return access.cases_visible_to(user).select_related("partnership").get(reference=reference)
    except Case.DoesNotExist:
        raise Http404("No such case") from None


def process_on_case(*, user, case: Case, pk: int) -> Process:
    """A process whose working detail the user may see, or 404 (also for one they see only in summary)."""
    processes: QuerySet[Process] = access.processes_visible_to(user).filter(case=case)
    processes = processes.select_related("case", "case__partnership", "owner", "lead")
    try:
        return processes.prefetch_related(
            Prefetch("stage_changes", queryset=StageChange.objects.select_related("changed_by")),
            Prefetch("pauses", queryset=Pause.objects.select_related("started_by", "ended_by", "caused_by")),
            _milestones_prefetch(),
        ).get(pk=pk)
    except Process.DoesNotExist:
        raise Http404("No such process") from None


def open_pause(process: Process) -> Pause | None:
    return next((pause for pause in process.pauses.all() if pause.ended_at is None), None)


def details_for_display(process: Process) -> list[tuple[str, object]]:
    """The kind's own details as (label, value) pairs, in the order the model declares them."""
    model = process.kind_def.details_model_class()
    details = model.objects.filter(process=process).first() if model else None
    if details is None:
        return []
    rows = []
    for field in model._meta.fields:
        if field.name == "process":
            continue
        value = getattr(details, field.name)
        if field.choices:
            value = getattr(details, f"get_{field.name}_display")()
        elif isinstance(value, bool):
            value = "Yes" if value else "No"
        rows.append((field.verbose_name, value))
    return rows


@dataclass(frozen=True)
class HistoryEntry:
    on: date  # when it happened
    recorded_at: datetime  # when someone recorded it
    actor: object
    action: str
    note: str = ""

    @property
    def recorded_later(self) -> bool:
        return timezone.localdate(self.recorded_at) != self.on


def history_of(process: Process) -> list[HistoryEntry]:
    """Stage moves, pauses and resumes in the order they happened (from prefetched rows)."""
    kind = process.kind_def
    entries = [
        HistoryEntry(
            on=change.effective_on,
            recorded_at=change.changed_at,
            actor=change.changed_by,
            action=(
                f"Moved from “{kind.stage_label(change.from_stage)}” to “{kind.stage_label(change.to_stage)}”"
                if change.from_stage
                else f"Opened at “{kind.stage_label(change.to_stage)}”"
            ),
            note=change.note + _correction_words(change),
        )
        for change in process.stage_changes.all()
    ]
    for pause in process.pauses.all():
        waiting_on = f", waiting on the {pause.caused_by.kind_label}" if pause.caused_by else ""
        action = f"Paused: {pause.get_reason_display()}{waiting_on}"
        entries.append(HistoryEntry(pause.paused_on, pause.started_at, pause.started_by, action, pause.explanation))
        if pause.ended_at:
            entries.append(HistoryEntry(pause.resumed_on, pause.ended_at, pause.ended_by, "Resumed", pause.resume_note))
    return sorted(entries, key=lambda entry: (entry.on, entry.recorded_at))


def _correction_words(change: StageChange) -> str:
    if change.corrected_from is None:
        return ""
    words = f"(Date corrected from {change.corrected_from:%-d %b %Y}: {change.correction_reason})"
    return f" {words}" if change.note else words


# --- Milestones ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    status: clock.Status


def closures_by_partnership() -> dict[int | None, dict[date, str]]:
    """Closure days for every partnership at once (one query), national ones merged into each."""
    national: dict[date, str] = {}
    local: dict[int, dict[date, str]] = {}
    for day in ClosureDay.objects.all():
        (national if day.partnership_id is None else local.setdefault(day.partnership_id, {}))[day.date] = day.name
    return {None: national} | {pk: {**national, **days} for pk, days in local.items()}


def milestone_rows(process: Process, *, closures: dict[date, str] | None = None) -> list[MilestoneRow]:
    """The process's milestones (prefetched) with their status today, soonest first."""
    today = timezone.localdate()
    closures = closures if closures is not None else clock.closures_for(process.case.partnership)
    paused = process.status == Process.Status.PAUSED
    rows = [
        MilestoneRow(m, clock.status_of(m, today=today, process_paused=paused, closures=closures))
        for m in process.milestones.all()
    ]
    return sorted(rows, key=lambda row: (not row.milestone.is_open, row.milestone.due_date))


class DeadlineFilter(django_filters.FilterSet):
    SHOW_CHOICES = (("attention", "Overdue and due soon"), ("open", "Every open deadline"))
    SORT_CHOICES = (("due", "Due date, soonest first"), ("-due", "Due date, latest first"))

    q = django_filters.CharFilter(method="search", label="Case reference or pseudonym")
    kind = django_filters.ChoiceFilter(method="of_kind", label="Process", empty_label="Any process")
    agency = django_filters.ModelChoiceFilter(
        method="of_agency", queryset=Organisation.objects.all(), label="Agency", empty_label="Any agency"
    )
    force = django_filters.ChoiceFilter(
        field_name="rule__force", choices=TimescaleRule.Force.choices, label="Force", empty_label="Any force"
    )
    show = django_filters.ChoiceFilter(method="limit", choices=SHOW_CHOICES, empty_label=None, label="Show")
    sort = django_filters.ChoiceFilter(method="order", choices=SORT_CHOICES, empty_label=None, label="Sort")

    class Meta:
        model = Milestone
        fields = ["q", "kind", "agency", "force", "show", "sort"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("show", "attention")
        data.setdefault("sort", "due")
        super().__init__(data, *args, **kwargs)
        # Besides the kinds of process, the deadline subjects the apps registered (e.g. information-sharing requests).
        self.filters["kind"].extra["choices"] = [*kinds.choices(), *subjects.choices()]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(case__reference__icontains=value) | Q(case__pseudonym__icontains=value) | subjects.searching(value)
        )

    def of_kind(self, queryset, name, value):
        if value in dict(subjects.choices()):
            return queryset.filter(subject_type=value)
        return queryset.filter(process__kind=value)

    def of_agency(self, queryset, name, value):
        # A process's agency is the one that owns it; a registered record's is the one that has to act on it.
        return queryset.filter(Q(process__owner=value) | subjects.for_agency(value))

    def limit(self, queryset, name, value):
        if value == "attention":
            return queryset.filter(due_date__lte=clock.due_soon_horizon(timezone.localdate(), clock.closures_for(None)))
        return queryset

    def order(self, queryset, name, value):
        return queryset.order_by("-due_date" if value == "-due" else "due_date", "id")


def open_deadlines_visible_to(user) -> QuerySet[Milestone]:
    """Open milestones the user may see, on open cases and not on closed processes. Rows carry what the dashboard
    and the calendar feed show (select_related; the registered records come with subjects.attach), so listing
    them costs the same queries however many."""
    return (
        access.milestones_visible_to(user)
        .filter(clock.OPEN, case__status=Case.Status.OPEN)
        .exclude(process__status=Process.Status.CLOSED)
        .select_related("rule", "case", "process", "process__owner")
    )


def deadlines(*, user, params) -> DeadlineFilter:
    """Open deadlines the user may see, for the dashboard's filters and pages."""
    # A provider may be party to a request without seeing its case: the case is linked only for those who may.
    milestones = open_deadlines_visible_to(user).annotate(
        case_visible=Exists(access.cases_visible_to(user).filter(pk=OuterRef("case")))
    )
    return DeadlineFilter(params, queryset=milestones)


def deadline_rows(milestones, closures: dict[int | None, dict[date, str]]) -> list[MilestoneRow]:
    today = timezone.localdate()
    milestones = subjects.attach(milestones)
    return [
        MilestoneRow(
            m,
            clock.status_of(
                m,
                today=today,
                # Only a process pauses: a registered record's deadline never does.
                process_paused=m.process_id is not None and m.process.status == Process.Status.PAUSED,
                closures=closures.get(m.case.partnership_id, closures[None]),
            ),
        )
        for m in milestones
    ]
