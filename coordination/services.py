"""Every change to cases, processes and relationships. One transaction each; history is appended, never
rewritten. Errors a user can fix are raised as ValidationError with a message that says why."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import access, audit, clock, events, kinds
from .models import (
    Case,
    CaseReferenceCounter,
    Membership,
    Organisation,
    Partnership,
    Pause,
    Process,
    Relationship,
    StageChange,
)


def _today() -> date:
    return timezone.localdate()


def _not_in_future(value: date | None, field: str, label: str) -> dict:
    if value and value > _today():
        return {field: f"The {label} cannot be in the future."}
    return {}


def _on(value: date) -> str:
    return f"{value:%-d %B %Y}"


def _audit_process(actor, process: Process, action: str, changes: dict) -> None:
    # Recorded last in the service's transaction: the audit chain's lock is then held only briefly.
    audit.record(action=action, actor=actor, obj=process, object_label=process.case.reference, changes=changes)


# --- Cases -----------------------------------------------------------------------------------------


def _next_case_number(*, partnership: Partnership, year: int) -> int:
    """Issue the next number for the partnership's year. The UPDATE takes a row lock held until commit,
    so two cases opened at the same moment get consecutive numbers, never the same one."""
    counter, _ = CaseReferenceCounter.objects.get_or_create(partnership=partnership, year=year)
    CaseReferenceCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
    counter.refresh_from_db(fields=["last_number"])
    return counter.last_number


def case_reference(*, partnership: Partnership, year: int, number: int) -> str:
    return f"{partnership.code}-{year}-{number:03d}"


@transaction.atomic
def case_open(
    *,
    actor,
    partnership: Partnership,
    pseudonym: str,
    incident_type: str,
    incident_date: date,
    la_aware_date: date,
    summary: str = "",
) -> Case:
    access.require_manage_partnership(actor, partnership)
    errors = {
        **_not_in_future(incident_date, "incident_date", "incident date"),
        **_not_in_future(la_aware_date, "la_aware_date", "date the local authority became aware"),
    }
    if incident_date and la_aware_date and la_aware_date < incident_date:
        errors["la_aware_date"] = "The local authority cannot have become aware before the incident happened."
    if not pseudonym.strip():
        errors["pseudonym"] = "Give the pseudonym the partnership uses for the child, e.g. “Child Q”."
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    year = timezone.localtime(now).year
    number = _next_case_number(partnership=partnership, year=year)
    case = Case.objects.create(
        partnership=partnership,
        year=year,
        number=number,
        reference=case_reference(partnership=partnership, year=year, number=number),
        pseudonym=pseudonym.strip(),
        incident_type=incident_type,
        incident_date=incident_date,
        la_aware_date=la_aware_date,
        summary=summary,
        opened_at=now,
        opened_by=actor,
    )
    audit.record(action="create", actor=actor, obj=case)
    return case


@transaction.atomic
def case_correct_dates(*, actor, case: Case, incident_date: date, la_aware_date: date, reason: str) -> Case:
    """Correct the dates the clocks start from; every milestone they started is recomputed, and the
    correction is kept on each milestone it moved."""
    access.require_manage_case(actor, case)
    case = _locked_open_case(case)
    errors = {
        **_not_in_future(incident_date, "incident_date", "incident date"),
        **_not_in_future(la_aware_date, "la_aware_date", "date the local authority became aware"),
    }
    if la_aware_date < incident_date:
        errors["la_aware_date"] = "The local authority cannot have become aware before the incident happened."
    if not reason.strip():
        errors["reason"] = "Say why the dates are being corrected."
    if errors:
        raise ValidationError(errors)
    before = {"incident_date": case.incident_date, "la_aware_date": case.la_aware_date}
    case.incident_date, case.la_aware_date = incident_date, la_aware_date
    case.save(update_fields=["incident_date", "la_aware_date", "updated_at"])
    clock.sync_case(actor=actor, case=case, reason=reason)
    after = {"incident_date": incident_date, "la_aware_date": la_aware_date}
    audit.record(action="change", actor=actor, obj=case, changes=audit.changed_fields(before, after))
    return case


@transaction.atomic
def process_details_update(*, actor, process: Process, details: dict, reason: str = "") -> Process:
    """Change a kind's own details (e.g. the LCSPR's planned publication date); clocks counted from them move,
    and `reason` is kept on each milestone moved."""
    access.require_manage_case(actor, process.case)
    process = _locked(process)
    model = process.kind_def.details_model_class()
    if model is None:
        raise ValidationError(f"The {process.kind_label} process has no details of its own.")
    row, _ = model.objects.get_or_create(process=process, defaults={})
    before = {field: getattr(row, field) for field in details}
    for field, value in details.items():
        setattr(row, field, value)
    row.full_clean()
    row.save()
    clock.sync_process(actor=actor, process=process, reason=reason)
    _audit_process(actor, process, "change", audit.changed_fields(before, details))
    return process


@transaction.atomic
def case_close(*, actor, case: Case, note: str) -> Case:
    access.require_manage_case(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status == Case.Status.CLOSED:
        raise ValidationError(f"{case.reference} was already closed on {timezone.localtime(case.closed_at):%d %b %Y}.")
    still_open = list(case.processes.exclude(status=Process.Status.CLOSED))
    if still_open:
        names = "; ".join(f"{p.kind_label} (at “{p.stage_label}”)" for p in still_open)
        raise ValidationError(f"A case closes once every process on it has ended. Still open: {names}.")
    if not note.strip():
        raise ValidationError({"note": "Say why the case is being closed."})
    case.status = Case.Status.CLOSED
    case.closed_at = timezone.now()
    case.closed_by = actor
    case.closing_note = note.strip()
    case.save(update_fields=["status", "closed_at", "closed_by", "closing_note", "updated_at"])
    audit.record(action="change", actor=actor, obj=case, changes={"status": ["open", "closed"]})
    return case


# --- Processes -------------------------------------------------------------------------------------


def _locked_open_case(case: Case) -> Case:
    """Lock the case row, so that adding to a case and closing it cannot interleave."""
    case = Case.objects.select_for_update().select_related("partnership").get(pk=case.pk)
    if case.status == Case.Status.CLOSED:
        raise ValidationError(f"{case.reference} is closed; nothing more can be added to it.")
    return case


def _locked(process: Process) -> Process:
    return Process.objects.select_for_update().select_related("case").get(pk=process.pk)


@transaction.atomic
def process_add(
    *,
    actor,
    case: Case,
    kind: str,
    owner: Organisation,
    opened_on: date,
    lead=None,
    details: dict | None = None,
    note: str = "",
) -> Process:
    access.require_manage_case(actor, case)
    case = _locked_open_case(case)
    if not kinds.exists(kind):
        raise ValidationError({"kind": f"“{kind}” is not a kind of process Parallel knows."})
    errors = _not_in_future(opened_on, "opened_on", "date the process opened")
    if opened_on and opened_on < case.incident_date:
        errors["opened_on"] = "A process cannot open before the incident it follows."
    if lead and not Membership.objects.filter(user=lead, organisation=owner).exists():
        errors["lead"] = f"{lead.get_full_name() or lead} is not a member of {owner}."
    if errors:
        raise ValidationError(errors)

    kind_def = kinds.get(kind)
    details_model = kind_def.details_model_class()
    if details and details_model is None:
        raise ValidationError({"details": f"The {kind_def.label} process has no details of its own."})
    details_row = details_model(**(details or {})) if details_model else None
    if details_row is not None:
        details_row.full_clean(exclude=["process"])

    now = timezone.now()
    process = Process.objects.create(
        case=case,
        kind=kind,
        stage=kind_def.first_stage.key,
        stage_since=opened_on,
        owner=owner,
        lead=lead,
        opened_on=opened_on,
        created_at=now,
        created_by=actor,
    )
    StageChange.objects.create(
        process=process,
        from_stage="",
        to_stage=process.stage,
        effective_on=opened_on,
        changed_at=now,
        changed_by=actor,
        note=note,
    )
    if details_row is not None:
        details_row.process = process
        details_row.save()
    clock.sync_process(actor=actor, process=process)
    _audit_process(actor, process, "create", {"kind": [None, kind], "stage": [None, process.stage]})
    return process


@transaction.atomic
def process_move(
    *,
    actor,
    process: Process,
    to_stage: str,
    expected_stage: str,
    effective_on: date | None = None,
    note: str = "",
) -> Process:
    """Move to a next stage on `effective_on` (default today), the date it happened. `expected_stage` is
    the stage the user saw: if someone else moved the process meanwhile, the move is refused rather than
    silently applied on top."""
    access.require_manage_case(actor, process.case)
    process = _locked(process)
    if process.stage != expected_stage:
        last = process.stage_changes.order_by("-changed_at", "-id").select_related("changed_by").first()
        who = "you (in another window)" if last.changed_by == actor else (last.changed_by.get_full_name() or "someone")
        raise ValidationError(
            f"While you had this page open, {who} moved the {process.kind_def.short_label} to "
            f"“{process.stage_label}”. Check its history, then choose the next stage again."
        )
    if process.status == Process.Status.CLOSED:
        raise ValidationError(f"The {process.kind_def.short_label} has ended; it cannot move on.")
    if process.status == Process.Status.PAUSED:
        raise ValidationError(f"The {process.kind_def.short_label} is paused. Resume it before moving it on.")
    refusal = process.kind_def.move_refusal(process.stage, to_stage)
    if refusal:
        raise ValidationError({"to_stage": refusal})
    effective_on = effective_on or _today()
    errors = _not_in_future(effective_on, "effective_on", "date of the move")
    if effective_on < process.stage_since:
        errors["effective_on"] = (
            f"It reached “{process.stage_label}” on {_on(process.stage_since)}, so it cannot have moved on before then."
        )
    if errors:
        raise ValidationError(errors)

    from_stage = process.stage
    StageChange.objects.create(
        process=process,
        from_stage=process.stage,
        to_stage=to_stage,
        effective_on=effective_on,
        changed_at=timezone.now(),
        changed_by=actor,
        note=note,
    )
    process.stage = to_stage
    process.stage_since = effective_on
    fields = ["stage", "stage_since", "updated_at"]
    if process.kind_def.stage(to_stage).closes:
        process.status = Process.Status.CLOSED
        process.closed_on = effective_on
        fields += ["status", "closed_on"]
    process.save(update_fields=fields)
    # Another process's clock may start from this stage (the rapid review from the notification).
    clock.sync_case(actor=actor, case=process.case)
    events.process_stage_changed(process=process, from_stage=from_stage)  # in the transaction: commits with the move
    _audit_process(actor, process, "change", {"stage": [from_stage, to_stage]})
    return process


@transaction.atomic
def stage_change_correct(*, actor, change: StageChange, effective_on: date, reason: str) -> StageChange:
    """Correct the date a stage was reached. The date first recorded is kept with the reason, and every clock
    counted from the stage, on this process or another on the case, is worked out again."""
    process = change.process
    access.require_manage_case(actor, process.case)
    process = _locked(process)
    change = StageChange.objects.select_for_update().get(pk=change.pk, process=process)
    label = process.kind_def.stage_label(change.to_stage)
    changes = list(process.stage_changes.order_by("effective_on", "changed_at", "id"))
    position = next(i for i, other in enumerate(changes) if other.pk == change.pk)
    errors = _not_in_future(effective_on, "effective_on", f"date it reached “{label}”")
    if position > 0 and effective_on < changes[position - 1].effective_on:
        before = changes[position - 1]
        errors["effective_on"] = (
            f"It reached “{process.kind_def.stage_label(before.to_stage)}” on {_on(before.effective_on)}, "
            f"so it cannot have reached “{label}” before then."
        )
    if position + 1 < len(changes) and effective_on > changes[position + 1].effective_on:
        after = changes[position + 1]
        errors["effective_on"] = (
            f"It moved on to “{process.kind_def.stage_label(after.to_stage)}” on {_on(after.effective_on)}, "
            f"so it must have reached “{label}” by then."
        )
    if not reason.strip():
        errors["reason"] = "Say why the date is being corrected; the reason is kept with the stage."
    if errors:
        raise ValidationError(errors)
    if effective_on == change.effective_on:
        return change
    old = change.effective_on
    if change.corrected_from is None:
        change.corrected_from = old
    change.effective_on = effective_on
    change.correction_reason = reason.strip()
    change.save(update_fields=["effective_on", "corrected_from", "correction_reason"])
    fields = ["updated_at"]
    if position == len(changes) - 1:
        process.stage_since = effective_on
        fields.append("stage_since")
        if process.status == Process.Status.CLOSED:
            process.closed_on = effective_on
            fields.append("closed_on")
    if position == 0:
        process.opened_on = effective_on
        fields.append("opened_on")
    process.save(update_fields=fields)
    clock.sync_case(actor=actor, case=process.case, reason=reason.strip())
    changed = {f"reached {change.to_stage}": [old.isoformat(), effective_on.isoformat()]}
    _audit_process(actor, process, "change", changed)
    return change


@transaction.atomic
def process_pause(
    *,
    actor,
    process: Process,
    reason: str,
    explanation: str,
    expected_resume_on: date | None = None,
    caused_by: Process | None = None,
    paused_on: date | None = None,
) -> Pause:
    access.require_manage_case(actor, process.case)
    process = _locked(process)
    label = process.kind_def.short_label
    if process.status == Process.Status.PAUSED:
        since = process.pauses.get(ended_at=None).paused_on
        raise ValidationError(f"The {label} has been paused since {_on(since)}.")
    if process.status == Process.Status.CLOSED:
        raise ValidationError(f"The {label} has ended; there is nothing to pause.")
    paused_on = paused_on or _today()
    errors = _not_in_future(paused_on, "paused_on", "date of the pause")
    if paused_on < process.stage_since:
        errors["paused_on"] = (
            f"It reached “{process.stage_label}” on {_on(process.stage_since)}; a pause starts on or after that."
        )
    last_resumed = process.pauses.exclude(resumed_on=None).order_by("-resumed_on").values_list("resumed_on", flat=True)
    if last_resumed and paused_on < last_resumed[0]:
        errors["paused_on"] = f"It was last paused until {_on(last_resumed[0])}; a new pause starts on or after that."
    if not explanation.strip():
        errors["explanation"] = "Say why the process is paused; the reason is kept in its history."
    if expected_resume_on and expected_resume_on < _today():
        errors["expected_resume_on"] = "The expected resume date cannot be in the past."
    if caused_by and (caused_by.case_id != process.case_id or caused_by.pk == process.pk):
        errors["caused_by"] = "Choose another process on the same case."
    if errors:
        raise ValidationError(errors)
    pause = Pause.objects.create(
        process=process,
        reason=reason,
        explanation=explanation.strip(),
        caused_by=caused_by,
        expected_resume_on=expected_resume_on,
        paused_on=paused_on,
        started_at=timezone.now(),
        started_by=actor,
    )
    process.status = Process.Status.PAUSED
    process.save(update_fields=["status", "updated_at"])
    _audit_process(actor, process, "change", {"status": ["active", "paused"], "pause_reason": [None, reason]})
    return pause


@transaction.atomic
def process_resume(*, actor, process: Process, note: str = "", resumed_on: date | None = None) -> Pause:
    access.require_manage_case(actor, process.case)
    process = _locked(process)
    if process.status != Process.Status.PAUSED:
        raise ValidationError(f"The {process.kind_def.short_label} is not paused.")
    pause = process.pauses.select_for_update().get(ended_at=None)
    resumed_on = resumed_on or _today()
    errors = _not_in_future(resumed_on, "resumed_on", "date it resumed")
    if resumed_on < pause.paused_on:
        errors["resumed_on"] = f"It was paused on {_on(pause.paused_on)}, so it cannot have resumed before then."
    if errors:
        raise ValidationError(errors)
    pause.resumed_on = resumed_on
    pause.ended_at = timezone.now()
    pause.ended_by = actor
    pause.resume_note = note.strip()
    pause.save(update_fields=["resumed_on", "ended_at", "ended_by", "resume_note"])
    process.status = Process.Status.ACTIVE
    process.save(update_fields=["status", "updated_at"])
    clock.apply_pause(actor=actor, process=process, pause=pause)
    clock.sync_process(actor=actor, process=process)
    _audit_process(actor, process, "change", {"status": ["paused", "active"]})
    return pause


# --- Relationships ---------------------------------------------------------------------------------


@transaction.atomic
def relationship_record(
    *,
    actor,
    case: Case,
    kind: str,
    from_process: Process,
    to_process: Process,
    reason: str,
    from_activity: str = "",
    awaited_stage: str = "",
    awaited_event: str = "",
    agreed_by: str = "",
    agreed_on: date | None = None,
    review_on: date | None = None,
) -> Relationship:
    access.require_manage_case(actor, case)
    case = _locked_open_case(case)
    errors = {}
    if from_process.case_id != case.pk:
        errors["from_process"] = "Choose a process on this case."
    if to_process.case_id != case.pk:
        errors["to_process"] = "Choose a process on this case."
    elif to_process.pk == from_process.pk:
        errors["to_process"] = "A process cannot depend on itself; choose another process."
    if kind == Relationship.Kind.WAITS_FOR:
        if not (awaited_stage or awaited_event.strip()):
            errors["awaited_stage"] = "Say what it waits for: a stage of the other process, or an event."
        elif awaited_stage and not to_process.kind_def.has_stage(awaited_stage):
            errors["awaited_stage"] = f"“{awaited_stage}” is not a stage of the {to_process.kind_label} process."
    if not reason.strip():
        errors["reason"] = "Record why: partners will review this later."
    errors.update(_not_in_future(agreed_on, "agreed_on", "date agreed"))
    if review_on and agreed_on and review_on < agreed_on:
        errors["review_on"] = "The review date cannot be before the date it was agreed."
    if errors:
        raise ValidationError(errors)
    relationship = Relationship.objects.create(
        case=case,
        kind=kind,
        from_process=from_process,
        from_activity=from_activity.strip(),
        to_process=to_process,
        awaited_stage=awaited_stage if kind == Relationship.Kind.WAITS_FOR else "",
        awaited_event=awaited_event.strip() if kind == Relationship.Kind.WAITS_FOR else "",
        reason=reason.strip(),
        agreed_by=agreed_by.strip(),
        agreed_on=agreed_on,
        review_on=review_on,
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    audit.record(
        action="create", actor=actor, obj=relationship, object_label=case.reference,
        changes={"relationship": [None, f"{from_process.kind} {kind} {to_process.kind}"]},
    )  # fmt: skip
    return relationship


@transaction.atomic
def relationship_end(*, actor, relationship: Relationship, reason: str) -> Relationship:
    access.require_manage_case(actor, relationship.case)
    relationship = Relationship.objects.select_for_update().get(pk=relationship.pk)
    if relationship.ended_at:
        when = timezone.localtime(relationship.ended_at)
        raise ValidationError(f"This relationship was already ended on {when:%d %b %Y %H:%M}.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the relationship has ended."})
    relationship.ended_at = timezone.now()
    relationship.ended_by = actor
    relationship.end_reason = reason.strip()
    relationship.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit.record(
        action="change", actor=actor, obj=relationship, object_label=relationship.case.reference,
        changes={"ended": [False, True]},
    )  # fmt: skip
    return relationship
