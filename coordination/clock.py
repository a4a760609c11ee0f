"""The statutory clock: which timescale rules apply to a process, when their milestones fall due, and what
happens to a due date when the process pauses, a trigger is corrected or a deadline is extended.

Rules are data (TimescaleRule); this module only applies them. Every due date can be explained: the base
date comes from the rule and its trigger, and every later change is a MilestoneAdjustment.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import audit, kinds
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
    Direction,
    DueDate,
    Roll,
    Unit,
    add_working_days,
    compute_due,
    roll_to_working_day,
    working_days_between,
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
            force=t.force,
            source=t.source,
            source_url=t.source_url,
            verification=t.verification,
            effective_from=dt.date.fromisoformat(t.effective_from),
            alternative_group=t.alternative_group,
            default_alternative=t.default_alternative,
        )
        for kind in kinds.all_kinds()
        for t in kind.timescales
        if t.code not in existing
    ]
    TimescaleRule.objects.bulk_create(new)
    return len(new)


def rules_for(process: Process) -> list[TimescaleRule]:
    return rules_in_use(partnership_id=process.case.partnership_id, kind=process.kind)


def rules_in_use(*, partnership_id: int, kind: str) -> list[TimescaleRule]:
    """The national rules for a kind (of process, or "information_sharing") and the partnership's own, with
    one rule per group of alternatives: the partnership's choice, or the default."""
    rules = TimescaleRule.objects.filter(
        Q(partnership=None) | Q(partnership_id=partnership_id), process_kind=kind
    ).order_by("code")
    chosen = dict(RuleChoice.objects.filter(partnership_id=partnership_id).values_list("alternative_group", "rule_id"))
    return [
        rule
        for rule in rules
        if not rule.alternative_group
        or (chosen[rule.alternative_group] == rule.pk if rule.alternative_group in chosen else rule.default_alternative)
    ]


def closures_for(partnership: Partnership | None) -> dict[dt.date, str]:
    days = ClosureDay.objects.filter(Q(partnership=None) | Q(partnership=partnership))
    return {day.date: day.name for day in days}


# --- Triggers and due dates ------------------------------------------------------------------------


def trigger_date(process: Process, trigger: str) -> dt.date | None:
    """Where a rule's clock starts for this process, or None if that has not happened yet."""
    source, _, key = trigger.partition(":")
    if source == "case":
        return getattr(process.case, key, None)
    if source == "stage":
        # The first time the stage was reached: going back a stage does not restart a clock.
        first = process.stage_changes.filter(to_stage=key).order_by("effective_on", "id").first()
        return first.effective_on if first else None
    if source == "event":
        # The latest record wins: recording an event again is how its date is corrected.
        latest = process.events.filter(key=key).order_by("-recorded_at", "-id").first()
        return latest.occurred_on if latest else None
    if source == "process":
        # Another process on the same case reaching a stage, e.g. the rapid review counts from the notification.
        kind, _, stage = key.partition(":")
        first = (
            StageChange.objects.filter(process__case_id=process.case_id, process__kind=kind, to_stage=stage)
            .order_by("effective_on", "id")
            .first()
        )
        return first.effective_on if first else None
    if source == "date":
        model = process.kind_def.details_model_class()
        details = model.objects.filter(process=process).first() if model else None
        return getattr(details, key, None) if details else None
    raise ValueError(f"unknown trigger {trigger!r}")


def _period(rule: TimescaleRule, occurrence: int) -> tuple[int, str]:
    if occurrence > 1 and rule.repeat_every:
        return rule.repeat_every, rule.repeat_unit or rule.unit
    return rule.amount, rule.unit


def base_due(rule: TimescaleRule, occurrence: int, trigger: dt.date, closures) -> DueDate:
    amount, unit = _period(rule, occurrence)
    return compute_due(
        trigger,
        amount,
        Unit(unit),
        direction=Direction(rule.direction),
        count_trigger_day=rule.count_trigger_day,
        roll=Roll(rule.roll),
        closures=closures,
    )


def explanation(rule: TimescaleRule, due: DueDate) -> str:
    return f"{due.explanation(rule.trigger_label)}. {rule.source}; {rule.get_verification_display()}."


def _shift_for_pause(milestone: Milestone, due: dt.date, pause: Pause, closures) -> dt.date:
    """Move a due date on by the time the process was paused while this milestone's clock ran."""
    start = max(pause.paused_on, milestone.trigger_date)
    if pause.resumed_on is None or pause.resumed_on <= start or due < pause.paused_on:
        return due  # the clock had not started, or had already run out, when the process paused
    _, unit = _period(milestone.rule, milestone.occurrence)
    if unit == Unit.WORKING_DAYS:
        return add_working_days(due, working_days_between(start, pause.resumed_on, closures), closures)
    return roll_to_working_day(due + dt.timedelta(days=(pause.resumed_on - start).days), milestone.rule.roll, closures)


def _replay(milestone: Milestone, closures) -> dt.date:
    """The due date from the base date and every adjustment, in the order they were made."""
    due = milestone.base_due_date
    for adjustment in milestone.adjustments.select_related("pause").order_by("recorded_at", "id"):
        if adjustment.kind == MilestoneAdjustment.Kind.PAUSE:
            due = _shift_for_pause(milestone, due, adjustment.pause, closures)
        elif adjustment.kind == MilestoneAdjustment.Kind.EXTENSION:
            due = adjustment.to_date
    return due


def _reached_stages(process: Process) -> dict[str, dt.date]:
    reached: dict[str, dt.date] = {}
    for change in process.stage_changes.order_by("effective_on", "id"):
        reached.setdefault(change.to_stage, change.effective_on)
    return reached


# --- Keeping a process's milestones in step ---------------------------------------------------------


@transaction.atomic
def sync_process(*, actor, process: Process) -> None:
    """Create the milestones whose triggers have been recorded, recompute those whose trigger moved,
    mark met those whose completing stage was reached, and add the next occurrence of repeating rules."""
    closures = closures_for(process.case.partnership)
    reached = _reached_stages(process)
    existing = {(m.rule_id, m.occurrence): m for m in process.milestones.select_related("rule")}
    now = timezone.now()
    for rule in rules_for(process):
        first_trigger = trigger_date(process, rule.trigger)
        occurrence, trigger = 1, first_trigger
        while trigger is not None:
            if not _in_force(rule, trigger):
                break
            milestone = existing.get((rule.pk, occurrence))
            if milestone is None:
                due = base_due(rule, occurrence, trigger, closures)
                milestone = Milestone.objects.create(
                    process=process,
                    rule=rule,
                    occurrence=occurrence,
                    trigger_date=trigger,
                    base_due_date=due.due,
                    due_date=due.due,
                    explanation=explanation(rule, due),
                    created_at=now,
                )
            elif milestone.is_open and milestone.trigger_date != trigger:
                _correct_trigger(actor=actor, milestone=milestone, trigger=trigger, closures=closures, now=now)
            if milestone.is_open and rule.completed_by_stage in reached:
                milestone.completed_on = max(reached[rule.completed_by_stage], milestone.trigger_date)
                milestone.completed_by = actor
                milestone.completion_note = f"Reached “{process.kind_def.stage_label(rule.completed_by_stage)}”."
                milestone.save(update_fields=["completed_on", "completed_by", "completion_note", "updated_at"])
            trigger = _next_trigger(rule, milestone, reached)
            occurrence += 1


def _in_force(rule: TimescaleRule, trigger: dt.date) -> bool:
    return rule.effective_from <= trigger and (rule.effective_to is None or trigger <= rule.effective_to)


def _next_trigger(rule: TimescaleRule, milestone: Milestone, reached: dict[str, dt.date]) -> dt.date | None:
    if not rule.repeat_every or milestone.is_open or rule.repeat_until_stage in reached:
        return None
    return milestone.completed_on if rule.repeat_from == TimescaleRule.RepeatFrom.COMPLETION else milestone.due_date


def _correct_trigger(*, actor, milestone: Milestone, trigger: dt.date, closures, now) -> None:
    due = base_due(milestone.rule, milestone.occurrence, trigger, closures)
    old_due = milestone.due_date
    old_trigger = milestone.trigger_date
    milestone.trigger_date = trigger
    milestone.base_due_date = due.due
    milestone.explanation = explanation(milestone.rule, due)
    milestone.due_date = _replay(milestone, closures)
    milestone.save(update_fields=["trigger_date", "base_due_date", "explanation", "due_date", "updated_at"])
    MilestoneAdjustment.objects.create(
        milestone=milestone,
        kind=MilestoneAdjustment.Kind.TRIGGER_CORRECTED,
        from_date=old_due,
        to_date=milestone.due_date,
        reason=f"{milestone.rule.trigger_label.capitalize()} corrected from {old_trigger:%-d %b %Y} "
        f"to {trigger:%-d %b %Y}.",
        recorded_at=now,
        recorded_by=actor,
    )


def sync_case(*, actor, case: Case) -> None:
    for process in case.processes.all():
        sync_process(actor=actor, process=process)


@transaction.atomic
def apply_pause(*, actor, process: Process, pause: Pause) -> None:
    """On resuming, move each open milestone on by the working (or calendar) time the process was paused."""
    closures = closures_for(process.case.partnership)
    now = timezone.now()
    for milestone in process.milestones.filter(OPEN).select_related("rule"):
        moved = _shift_for_pause(milestone, milestone.due_date, pause, closures)
        if moved == milestone.due_date:
            continue
        MilestoneAdjustment.objects.create(
            milestone=milestone,
            kind=MilestoneAdjustment.Kind.PAUSE,
            from_date=milestone.due_date,
            to_date=moved,
            pause=pause,
            reason=f"Paused {pause.paused_on:%-d %b %Y} to {pause.resumed_on:%-d %b %Y}: {pause.get_reason_display()}.",
            recorded_at=now,
            recorded_by=actor,
        )
        milestone.due_date = moved
        milestone.save(update_fields=["due_date", "updated_at"])


def _audit(actor, milestone: Milestone, changes: dict) -> None:
    audit.record(action="change", actor=actor, obj=milestone, object_label=milestone.case.reference, changes=changes)


# --- Acting on a milestone -------------------------------------------------------------------------


def _locked(milestone: Milestone) -> Milestone:
    return (
        Milestone.objects.select_for_update(of=("self",))
        .select_related("rule", "process__case", "sharing_request__case")
        .get(pk=milestone.pk)
    )


@transaction.atomic
def milestone_complete(*, actor, milestone: Milestone, completed_on: dt.date, note: str = "") -> Milestone:
    milestone = _locked(milestone)
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
    MilestoneAdjustment.objects.create(
        milestone=milestone,
        kind=MilestoneAdjustment.Kind.EXTENSION,
        from_date=milestone.due_date,
        to_date=new_due_date,
        reason=reason.strip(),
        authorised_by=authorised_by.strip(),
        basis=basis.strip(),
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    old_due = milestone.due_date
    milestone.due_date = new_due_date
    milestone.save(update_fields=["due_date", "updated_at"])
    _audit(actor, milestone, {"due_date": [old_due.isoformat(), new_due_date.isoformat()]})
    return milestone


@transaction.atomic
def process_record_event(*, actor, process: Process, key: str, occurred_on: dt.date, note: str = "") -> ProcessEvent:
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
    sync_process(actor=actor, process=process)
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
    if process_paused:
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
