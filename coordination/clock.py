"""The statutory clock: which timescale rules apply to a process, when their milestones fall due, and what
happens to a due date when the process pauses, a trigger is corrected or a deadline is extended.

Rules are data (TimescaleRule); this module only applies them. Every due date can be explained: the base
date comes from the rule and its trigger, and every later change is a MilestoneAdjustment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import access, audit, kinds, subjects
from .models import (
    Case,
    ClosureDay,
    Milestone,
    MilestoneAdjustment,
    Partnership,
    Pause,
    Process,
    ProcessEvent,
    RuleChoice,
    StageChange,
    TimescaleRule,
)
from .working_days import (
    BeyondKnownHolidays,
    Direction,
    DueDate,
    Paused,
    Roll,
    Unit,
    add_working_days,
    compute_due,
    dated,
    moved_by_pauses,
)


class Status(StrEnum):
    UPCOMING = "upcoming"
    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    MET = "met"
    MET_LATE = "met_late"
    WAIVED = "waived"
    PAUSED = "paused"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


OPEN = Q(completed_on=None, waived_at=None)
# A process milestone whose clock is running: its process is active, or paused where the law keeps the clock
# running (a statute's own limit). Reminders and due-date webhooks go only to these.
RUNNING_ON_AN_OPEN_CASE = Q(process__case__status=Case.Status.OPEN) & (
    Q(process__status=Process.Status.ACTIVE) | Q(process__status=Process.Status.PAUSED, rule__stops_for_pauses=False)
)


# --- Rules -----------------------------------------------------------------------------------------


def seed_national_rules() -> int:
    """Create the national rules each kind declares and the database lacks. Rules already there are left
    as they are: someone may have corrected them."""
    existing = set(TimescaleRule.objects.filter(partnership=None).values_list("code", flat=True))
    new = [
        TimescaleRule(
            code=t.code,
            process_kind=kind.key,
            milestone=t.milestone,
            trigger=t.trigger,
            trigger_label=t.trigger_label,
            amount=t.amount,
            unit=t.unit,
            direction=t.direction,
            count_trigger_day=t.count_trigger_day,
            roll=t.roll,
            completed_by_stage=t.completed_by_stage,
            repeat_every=t.repeat_every,
            repeat_unit=t.repeat_unit,
            repeat_from=t.repeat_from,
            repeat_until_stage=t.repeat_until_stage,
            stops_for_pauses=t.pauses_stop_it,
            force=t.force,
            source=t.source,
            source_url=t.source_url,
            verification=t.verification,
            effective_from=dt.date.fromisoformat(t.effective_from),
            effective_to=dt.date.fromisoformat(t.effective_to) if t.effective_to else None,
            alternative_group=t.alternative_group,
            default_alternative=t.default_alternative,
            edition_of=t.edition_of,
        )
        for kind in kinds.all_kinds()
        for t in kind.timescales
        if t.code not in existing
    ]
    TimescaleRule.objects.bulk_create(new)
    return len(new)


def rules_for(process: Process) -> list[TimescaleRule]:
    return rules_in_use(partnership_id=process.case.partnership_id, kind=process.kind)


def _edition_family(rule: TimescaleRule) -> str:
    return rule.edition_of or rule.code


def rules_in_use(*, partnership_id: int, kind: str = "", subject_type: str = subjects.PROCESS) -> list[TimescaleRule]:
    """The national rules for a kind of process (or for a registered deadline subject) and the partnership's own,
    with one rule per group of alternatives: the partnership's choice, or the default. A choice covers every
    edition of the chosen rule; which edition applies is decided by the trigger date."""
    rules = TimescaleRule.objects.filter(
        Q(partnership=None) | Q(partnership_id=partnership_id), subject_type=subject_type, process_kind=kind
    ).order_by("code")
    chosen = {
        group: edition_of or code
        for group, code, edition_of in RuleChoice.objects.filter(partnership_id=partnership_id).values_list(
            "alternative_group", "rule__code", "rule__edition_of"
        )
    }
    return [
        rule
        for rule in rules
        if not rule.alternative_group
        or (
            _edition_family(rule) == chosen[rule.alternative_group]
            if rule.alternative_group in chosen
            else rule.default_alternative
        )
    ]


def closures_for(partnership: Partnership | None) -> dict[dt.date, str]:
    days = ClosureDay.objects.filter(Q(partnership=None) | Q(partnership=partnership))
    return {day.date: day.name for day in days}


# --- Triggers ------------------------------------------------------------------------------------------


def trigger_date(process: Process, trigger: str) -> dt.date | None:
    """Where a rule's clock starts for this process, or None if that has not happened yet."""
    source, _, key = trigger.partition(":")
    if source == "case":
        return getattr(process.case, key, None)
    if source == "stage":
        first = first_reaching(process, key)
        return first.effective_on if first else None
    if source == "event":
        # The latest record wins: recording an event again is how its date is corrected.
        latest = process.events.filter(key=key).order_by("-recorded_at", "-id").first()
        return latest.occurred_on if latest else None
    if source == "process":
        # Another process on the same case reaching a stage, e.g. the rapid review counts from the notification.
        first = first_reaching_on_case(process.case_id, trigger)
        return first.effective_on if first else None
    if source == "date":
        model = process.kind_def.details_model_class()
        details = model.objects.filter(process=process).first() if model else None
        return getattr(details, key, None) if details else None
    raise ValueError(f"unknown trigger {trigger!r}")


def first_reaching(process: Process, stage: str) -> StageChange | None:
    """The first time the process reached a stage: going back a stage does not restart a clock."""
    return process.stage_changes.filter(to_stage=stage).order_by("effective_on", "id").first()


def first_reaching_on_case(case_id: int, trigger: str) -> StageChange | None:
    """For a "process:<kind>:<stage>" trigger: the first time a process of that kind on the case reached it."""
    kind, _, stage = trigger.removeprefix("process:").partition(":")
    return (
        StageChange.objects.filter(process__case_id=case_id, process__kind=kind, to_stage=stage)
        .order_by("effective_on", "id")
        .first()
    )


# --- Working out a due date --------------------------------------------------------------------------


def period(rule: TimescaleRule, occurrence: int) -> tuple[int, str]:
    """How much time an occurrence of a rule gives, counted from its trigger.

    A fixed-period series counts every occurrence from the first trigger (12 months, 18, 24...: PCMR 2020
    reg 13), so one late report or one extension never moves the next. An at-most-N series counts each
    occurrence from when the previous one was met (PCMR 2020 reg 34)."""
    if occurrence == 1 or not rule.repeat_every:
        return rule.amount, rule.unit
    if rule.repeat_from == TimescaleRule.RepeatFrom.ANCHOR:
        return rule.amount + (occurrence - 1) * rule.repeat_every, rule.unit
    return rule.repeat_every, rule.repeat_unit or rule.unit


def _count(rule: TimescaleRule, occurrence: int, trigger: dt.date, closures, pauses=()) -> DueDate:
    amount, unit = period(rule, occurrence)
    try:
        return compute_due(
            trigger,
            amount,
            Unit(unit),
            direction=Direction(rule.direction),
            count_trigger_day=rule.count_trigger_day,
            roll=Roll(rule.roll),
            closures=closures,
            pauses=pauses,
        )
    except BeyondKnownHolidays as error:
        raise ValidationError(f"{rule.milestone} ({rule.code}): {error}") from error


def base_due(rule: TimescaleRule, occurrence: int, trigger: dt.date, closures) -> DueDate:
    """The rule's date for a trigger, as if nothing had held the clock."""
    return _count(rule, occurrence, trigger, closures)


def explanation(rule: TimescaleRule, due: DueDate) -> str:
    return f"{due.explanation(rule.trigger_label)}. {rule.source}; {rule.get_verification_display()}."


def stops_for_pauses(rule: TimescaleRule) -> bool:
    return rule.stops_for_pauses and rule.direction == TimescaleRule.Direction.AFTER


def pauses_of(process: Process | None) -> list[Paused]:
    """The pauses of a process that have ended: an open pause holds a clock only once its end is known."""
    if process is None:
        return []
    return [
        Paused(pause.paused_on, pause.resumed_on, pause.get_reason_display())
        for pause in process.pauses.all()
        if pause.resumed_on is not None
    ]


@dataclass(frozen=True)
class Worked:
    """A milestone's due date as worked out from its rule, trigger, pauses and extension, with the words."""

    base_due: dt.date  # the rule's date, as if nothing held the clock
    due: dt.date  # what stands: the law's date, or a later extension
    explanation: str
    extension_overtaken: bool


def work_out(
    milestone: Milestone, *, closures, pauses: list[Paused], ongoing_pause: bool = False, extension=None
) -> Worked:
    """The due date of a milestone from scratch. Nothing is carried over from an earlier due date, so a pause,
    a roll or an extension is counted exactly once whatever order they were recorded in.

    `extension` is the latest extension (a MilestoneAdjustment), if any: it fixes a later date as of the day it
    was granted, and pauses after that day still move it. It never makes the date earlier than the law's: when a
    correction or a pause takes the law's date past it, the law's date stands and the extension is flagged."""
    rule = milestone.rule
    stops = stops_for_pauses(rule)
    base = _count(rule, milestone.occurrence, milestone.trigger_date, closures)
    law = _count(rule, milestone.occurrence, milestone.trigger_date, closures, pauses) if stops and pauses else base
    text = law.explanation(rule.trigger_label)
    if not stops and (pauses or ongoing_pause):
        text += f"; keeps running while the process is paused: {rule.runs_through_pauses_because}"
    due, overtaken = law.due, False
    if extension is not None:
        extended, held = extension.to_date, 0
        if stops and pauses:
            first_counted = law.trigger if law.counted_trigger_day else law.trigger + dt.timedelta(days=1)
            granted_on = timezone.localtime(extension.recorded_at).date()
            try:
                extended, held = moved_by_pauses(
                    extension.to_date, Unit(law.unit), Roll(rule.roll), since=max(granted_on, first_counted),
                    pauses=pauses, closures=closures,
                )  # fmt: skip
            except BeyondKnownHolidays as error:
                raise ValidationError(f"{rule.milestone} ({rule.code}): {error}") from error
        if extended >= law.due:
            due = extended
            text += f"; extended to {dated(extension.to_date)}"
            if extension.authorised_by:
                text += f" (authorised by {extension.authorised_by})"
            if held:
                noun = "working day" if law.unit == Unit.WORKING_DAYS else "day"
                text += f", then moved on by {held} {noun}{'' if held == 1 else 's'} paused since, to {dated(due)}"
        else:
            overtaken = True
            text += (
                f"; an extension to {dated(extension.to_date)} is now earlier than the law's date, so the law's "
                f"date stands: the extension needs reviewing"
            )
    text += f". {rule.source}; {rule.get_verification_display()}."
    return Worked(base.due, due, text, overtaken)


def _latest_extension(milestone: Milestone):
    extensions = [a for a in milestone.adjustments.all() if a.kind == MilestoneAdjustment.Kind.EXTENSION]
    return max(extensions, key=lambda a: (a.recorded_at, a.pk), default=None)


def _reached_stages(process: Process) -> dict[str, dt.date]:
    reached: dict[str, dt.date] = {}
    for change in process.stage_changes.order_by("effective_on", "id"):
        reached.setdefault(change.to_stage, change.effective_on)
    return reached


# --- Keeping a process's milestones in step ---------------------------------------------------------


@dataclass
class _Context:
    """What every milestone of one process is worked out against, read once per sync."""

    actor: object
    closures: dict
    pauses: list[Paused]
    ongoing_pause: bool
    now: dt.datetime

    @classmethod
    def of(cls, process: Process | None, *, actor, partnership) -> _Context:
        open_pause = process is not None and process.pauses.filter(resumed_on=None).exists()
        return cls(actor, closures_for(partnership), pauses_of(process), open_pause, timezone.now())


def _milestones_with_history(process: Process):
    return process.milestones.select_related("rule").prefetch_related("adjustments")


@transaction.atomic
def sync_process(*, actor, process: Process, reason: str = "", recalculating: bool = False) -> None:
    """Create the milestones whose triggers have been recorded, recompute those whose trigger moved (keeping
    `reason` with the correction), mark met those whose completing stage was reached, add the next occurrence
    of repeating rules, and waive those whose rule no longer applies to the corrected trigger."""
    context = _Context.of(process, actor=actor, partnership=process.case.partnership)
    reached = _reached_stages(process)
    existing = {(m.rule_id, m.occurrence): m for m in _milestones_with_history(process)}
    for rule in rules_for(process):
        anchor = trigger_date(process, rule.trigger)
        first = existing.get((rule.pk, 1))
        if anchor is None:
            if first is not None and first.is_open:
                _waive_by_the_clock(first, context, f"Its {rule.trigger_label} date was removed.")
            continue
        if not _in_force(rule, anchor):
            if first is not None and first.is_open:
                _waive_by_the_clock(first, context, _out_of_force(rule, anchor))
            continue
        occurrence, trigger = 1, anchor
        while trigger is not None:
            milestone = existing.get((rule.pk, occurrence))
            if milestone is None:
                _refuse_a_future_start(rule, trigger)
                milestone = _create(process, rule, occurrence, trigger, context)
            elif milestone.is_open and milestone.trigger_date != trigger:
                _refuse_a_future_start(rule, trigger)
                _correct_trigger(milestone, trigger, context, reason=reason, recalculating=recalculating)
            if milestone.is_open and rule.completed_by_stage in reached:
                _meet_by_stage(process, milestone, reached[rule.completed_by_stage], context)
            trigger = _next_trigger(rule, milestone, reached, anchor)
            occurrence += 1


def _in_force(rule: TimescaleRule, trigger: dt.date) -> bool:
    return rule.effective_from <= trigger and (rule.effective_to is None or trigger <= rule.effective_to)


def _out_of_force(rule: TimescaleRule, trigger: dt.date) -> str:
    span = f"from {rule.effective_from:%-d %b %Y}"
    if rule.effective_to:
        span += f" to {rule.effective_to:%-d %b %Y}"
    return (
        f"Rule {rule.code} applies to a {rule.trigger_label} date {span}; on the corrected date, "
        f"{trigger:%-d %b %Y}, the rule then in force applies instead."
    )


def _refuse_a_future_start(rule: TimescaleRule, trigger: dt.date) -> None:
    # A clock that counts forward starts from something that has happened; a planned date (counted back from)
    # may lie ahead.
    if rule.direction == TimescaleRule.Direction.AFTER and trigger > timezone.localdate():
        raise ValidationError(
            f"The {rule.trigger_label} date, {trigger:%-d %B %Y}, is in the future: rule {rule.code} "
            f"(“{rule.milestone}”) counts from it, so it must already have happened."
        )


def _next_trigger(rule: TimescaleRule, milestone: Milestone, reached: dict[str, dt.date], anchor: dt.date):
    if not rule.repeat_every or milestone.is_open or rule.repeat_until_stage in reached:
        return None
    if rule.repeat_from == TimescaleRule.RepeatFrom.COMPLETION:
        return milestone.completed_on  # a waived update leaves nothing to count from: the series stops
    return anchor


def _create(process, rule: TimescaleRule, occurrence: int, trigger: dt.date, context: _Context) -> Milestone:
    milestone = Milestone(
        case_id=process.case_id, process=process, subject_id=process.pk, rule=rule, occurrence=occurrence,
        trigger_date=trigger, created_at=context.now,
    )  # fmt: skip
    _apply(milestone, work_out(milestone, closures=context.closures, pauses=context.pauses,
                               ongoing_pause=context.ongoing_pause))  # fmt: skip
    milestone.save()
    return milestone


def _apply(milestone: Milestone, worked: Worked) -> None:
    milestone.base_due_date = worked.base_due
    milestone.due_date = worked.due
    milestone.explanation = worked.explanation
    milestone.extension_overtaken = worked.extension_overtaken


def recompute(
    milestone: Milestone, context: _Context, *, kind: str | None, reason: str = "", pause: Pause | None = None,
    always_record: bool = False,
) -> None:  # fmt: skip
    """Work the milestone's date out again and keep the change, if any, in its history as `kind` (not at all when
    `kind` is None: the caller has recorded why)."""
    old_due = milestone.due_date
    worked = work_out(
        milestone, closures=context.closures, pauses=context.pauses, ongoing_pause=context.ongoing_pause,
        extension=_latest_extension(milestone),
    )  # fmt: skip
    _apply(milestone, worked)
    milestone.save(
        update_fields=["trigger_date", "base_due_date", "due_date", "explanation", "extension_overtaken", "updated_at"]
    )
    if kind is not None and (always_record or worked.due != old_due):
        MilestoneAdjustment.objects.create(
            milestone=milestone, kind=kind, from_date=old_due, to_date=worked.due, pause=pause, reason=reason,
            recorded_at=context.now, recorded_by=context.actor,
        )  # fmt: skip


def _correct_trigger(milestone: Milestone, trigger: dt.date, context: _Context, *, reason: str, recalculating: bool):
    old_trigger = milestone.trigger_date
    milestone.trigger_date = trigger
    if recalculating:
        kind, words = MilestoneAdjustment.Kind.RECALCULATED, reason
    else:
        kind = MilestoneAdjustment.Kind.TRIGGER_CORRECTED
        label = milestone.rule.trigger_label.capitalize()
        words = f"{label} corrected from {old_trigger:%-d %b %Y} to {trigger:%-d %b %Y}."
        if reason.strip():
            words += f" {reason.strip()}"
    recompute(milestone, context, kind=kind, reason=words, always_record=True)


def _meet_by_stage(process: Process, milestone: Milestone, reached_on: dt.date, context: _Context) -> None:
    rule = milestone.rule
    met_on = reached_on
    stage = process.kind_def.stage_label(rule.completed_by_stage)
    note = f"Reached “{stage}”."
    if rule.direction == TimescaleRule.Direction.AFTER and reached_on < milestone.trigger_date:
        # Reached before this clock started (e.g. a trigger corrected to a later date): met when it started.
        met_on = milestone.trigger_date
        note = f"Reached “{stage}” on {reached_on:%-d %b %Y}, before its clock started."
    milestone.completed_on = min(met_on, timezone.localdate())
    milestone.completed_by = context.actor
    milestone.completion_note = note
    milestone.save(update_fields=["completed_on", "completed_by", "completion_note", "updated_at"])


def _waive_by_the_clock(milestone: Milestone, context: _Context, reason: str) -> None:
    milestone.waived_at = context.now
    milestone.waived_by = context.actor
    milestone.waiver_reason = reason
    milestone.save(update_fields=["waived_at", "waived_by", "waiver_reason", "updated_at"])


def sync_case(*, actor, case: Case, reason: str = "") -> None:
    for process in case.processes.all():
        sync_process(actor=actor, process=process, reason=reason)


@transaction.atomic
def apply_pause(*, actor, process: Process, pause: Pause) -> None:
    """On resuming, work out each open milestone again with the pause counted: only the days its clock would
    have counted move it, and a clock the law keeps running does not move at all."""
    context = _Context.of(process, actor=actor, partnership=process.case.partnership)
    reason = f"Paused {pause.paused_on:%-d %b %Y} to {pause.resumed_on:%-d %b %Y}: {pause.get_reason_display()}."
    for milestone in _milestones_with_history(process).filter(OPEN):
        recompute(milestone, context, kind=MilestoneAdjustment.Kind.PAUSE, reason=reason, pause=pause)


@transaction.atomic
def recalculate_process(*, actor, process: Process, reason: str) -> int:
    """Work out every open milestone of a process again under the clock's current rules (after an upgrade that
    corrected them), keeping each change in its history. Returns how many dates moved."""
    before = dict(process.milestones.filter(OPEN).values_list("pk", "due_date"))
    sync_process(actor=actor, process=process, reason=reason, recalculating=True)
    context = _Context.of(process, actor=actor, partnership=process.case.partnership)
    for milestone in _milestones_with_history(process).filter(OPEN):
        recompute(milestone, context, kind=MilestoneAdjustment.Kind.RECALCULATED, reason=reason)
    after = dict(process.milestones.filter(pk__in=before).values_list("pk", "due_date"))
    return sum(after.get(pk, due) != due for pk, due in before.items())


def _audit(actor, milestone: Milestone, changes: dict) -> None:
    audit.record(action="change", actor=actor, obj=milestone, object_label=milestone.case.reference, changes=changes)


# --- Acting on a milestone -------------------------------------------------------------------------


def _locked(milestone: Milestone) -> Milestone:
    return (
        Milestone.objects.select_for_update(of=("self",))
        .select_related("rule", "case__partnership", "process")
        .get(pk=milestone.pk)
    )


def require_manage(actor, milestone: Milestone) -> None:
    """Meeting, waiving or extending a deadline by hand is for the case's partnership managers; a registered
    record's deadline (a request's response) is met by the record's own steps, never here."""
    if milestone.subject_type != subjects.PROCESS:
        raise PermissionDenied(f"{milestone.subject_label}'s deadline is met by its own steps, not by hand.")
    access.require_manage_case(actor, milestone.case)


@transaction.atomic
def milestone_complete(*, actor, milestone: Milestone, completed_on: dt.date, note: str = "") -> Milestone:
    milestone = _locked(milestone)
    require_manage(actor, milestone)
    if not milestone.is_open:
        raise ValidationError("This milestone has already been met or waived.")
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "The date it was met cannot be in the future."})
    if completed_on < milestone.trigger_date and milestone.rule.direction == TimescaleRule.Direction.AFTER:
        raise ValidationError({"completed_on": f"Its clock started on {milestone.trigger_date:%-d %B %Y}."})
    milestone.completed_on = completed_on
    milestone.completed_by = actor
    milestone.completion_note = note.strip()
    milestone.save(update_fields=["completed_on", "completed_by", "completion_note", "updated_at"])
    if milestone.process_id:
        sync_process(actor=actor, process=milestone.process)
    _audit(actor, milestone, {"completed_on": [None, completed_on.isoformat()]})
    return milestone


@transaction.atomic
def milestone_waive(*, actor, milestone: Milestone, reason: str) -> Milestone:
    milestone = _locked(milestone)
    require_manage(actor, milestone)
    if not milestone.is_open:
        raise ValidationError("This milestone has already been met or waived.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why this milestone does not apply."})
    milestone.waived_at = timezone.now()
    milestone.waived_by = actor
    milestone.waiver_reason = reason.strip()
    milestone.save(update_fields=["waived_at", "waived_by", "waiver_reason", "updated_at"])
    _audit(actor, milestone, {"waived": [False, True]})
    return milestone


@transaction.atomic
def milestone_extend(
    *, actor, milestone: Milestone, new_due_date: dt.date, reason: str, authorised_by: str, basis: str
) -> Milestone:
    milestone = _locked(milestone)
    require_manage(actor, milestone)
    if not milestone.is_open:
        raise ValidationError("Only an open milestone can be extended.")
    errors = {}
    if new_due_date <= milestone.due_date:
        errors["new_due_date"] = f"An extension moves the date later than {milestone.due_date:%-d %B %Y}."
    for field, value, message in (
        ("reason", reason, "Say why the deadline is extended."),
        ("authorised_by", authorised_by, "Say who authorised the extension."),
        ("basis", basis, "Say on what basis, e.g. the chair's power under regulation 31(3)."),
    ):
        if not value.strip():
            errors[field] = message
    if errors:
        raise ValidationError(errors)
    old_due = milestone.due_date
    MilestoneAdjustment.objects.create(
        milestone=milestone,
        kind=MilestoneAdjustment.Kind.EXTENSION,
        from_date=old_due,
        to_date=new_due_date,
        reason=reason.strip(),
        authorised_by=authorised_by.strip(),
        basis=basis.strip(),
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    context = _Context.of(milestone.process, actor=actor, partnership=milestone.case.partnership)
    recompute(milestone, context, kind=None)  # the extension just recorded is its history
    _audit(actor, milestone, {"due_date": [old_due.isoformat(), milestone.due_date.isoformat()]})
    return milestone


@transaction.atomic
def process_record_event(*, actor, process: Process, key: str, occurred_on: dt.date, note: str = "") -> ProcessEvent:
    """Record an event that starts a clock. Recording it again, with a note saying why, corrects its date."""
    access.require_manage_case(actor, process.case)
    kind = process.kind_def
    if key not in {event.key for event in kind.events}:
        raise ValidationError({"key": f"“{key}” is not an event of the {kind.label} process."})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": "The date cannot be in the future."})
    event = ProcessEvent.objects.create(
        process=process,
        key=key,
        occurred_on=occurred_on,
        note=note.strip(),
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    sync_process(actor=actor, process=process, reason=note)
    audit.record(
        action="create", actor=actor, obj=event, object_label=process.case.reference,
        changes={"event": [None, key], "occurred_on": [None, occurred_on.isoformat()]},
    )  # fmt: skip
    return event


# --- Status ----------------------------------------------------------------------------------------


def due_soon_working_days() -> int:
    return getattr(settings, "DUE_SOON_WORKING_DAYS", 5)


def status_of(milestone: Milestone, *, today: dt.date, process_paused: bool, closures=()) -> Status:
    if milestone.waived_at:
        return Status.WAIVED
    if milestone.completed_on:
        return Status.MET if milestone.completed_on <= milestone.due_date else Status.MET_LATE
    if process_paused and milestone.rule.stops_for_pauses:
        return Status.PAUSED
    if milestone.due_date < today:
        return Status.OVERDUE
    if milestone.due_date == today:
        return Status.DUE_TODAY
    if milestone.due_date <= due_soon_horizon(today, closures):
        return Status.DUE_SOON
    return Status.UPCOMING


def due_soon_horizon(today: dt.date, closures=()) -> dt.date:
    """The last due date that still counts as due soon."""
    return add_working_days(today, due_soon_working_days(), closures)
