"""Correcting the date a clock started, from the milestone a user is looking at.

A trigger is corrected where it is recorded: a case date, an event recorded again, a kind's details, the date a
stage was reached (on this process or, for a clock that starts with another process, on that one), or the date
the previous update in an at-most-N series was given. Each of those services works every clock counted from it
out again and keeps the reason on every milestone it moved, so the history shows the old date and the new.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import access, audit, clock, services
from .models import Milestone, TimescaleRule


@transaction.atomic
def milestone_trigger_correct(*, actor, milestone: Milestone, trigger_date: dt.date, reason: str) -> Milestone:
    milestone = Milestone.objects.select_related("rule", "process__case").get(pk=milestone.pk)
    process = milestone.process
    if process is None:
        raise ValidationError(
            "A request's response clock starts when the request is submitted; the portal records that moment "
            "itself, so there is nothing to correct."
        )
    access.require_manage_case(actor, process.case)
    errors = {}
    if not milestone.is_open:
        errors["trigger_date"] = "This milestone has been met or waived; its start can no longer be corrected."
    elif trigger_date == milestone.trigger_date:
        errors["trigger_date"] = f"Its clock already starts on {trigger_date:%-d %B %Y}."
    if not reason.strip():
        errors["reason"] = "Say why the date is being corrected; the reason is kept with the milestone."
    if errors:
        raise ValidationError(errors)
    reason = reason.strip()
    try:
        _correct_at_source(actor=actor, milestone=milestone, trigger_date=trigger_date, reason=reason)
    except ValidationError as error:
        raise _as_trigger_error(error) from error
    milestone.refresh_from_db()
    return milestone


def _correct_at_source(*, actor, milestone: Milestone, trigger_date: dt.date, reason: str) -> None:
    process, rule = milestone.process, milestone.rule
    if milestone.occurrence > 1 and rule.repeat_from == TimescaleRule.RepeatFrom.COMPLETION:
        previous = process.milestones.select_for_update().get(rule=rule, occurrence=milestone.occurrence - 1)
        _correct_completion(actor=actor, milestone=previous, completed_on=trigger_date, reason=reason)
        return
    source, _, key = rule.trigger.partition(":")
    if source == "case":
        case = process.case
        dates = {"incident_date": case.incident_date, "la_aware_date": case.la_aware_date, key: trigger_date}
        services.case_correct_dates(actor=actor, case=case, reason=reason, **dates)
    elif source == "event":
        clock.process_record_event(actor=actor, process=process, key=key, occurred_on=trigger_date, note=reason)
    elif source == "date":
        services.process_details_update(actor=actor, process=process, details={key: trigger_date}, reason=reason)
    elif source in ("stage", "process"):
        change = (
            clock.first_reaching(process, key)
            if source == "stage"
            else clock.first_reaching_on_case(process.case_id, rule.trigger)
        )
        services.stage_change_correct(actor=actor, change=change, effective_on=trigger_date, reason=reason)
    else:
        raise ValidationError(f"The start of rule {rule.code} cannot be corrected here.")


def _correct_completion(*, actor, milestone: Milestone, completed_on: dt.date, reason: str) -> None:
    """The previous update in a series was given on another day: correct it, and the next counts from it."""
    if completed_on > timezone.localdate():
        raise ValidationError({"trigger_date": "The previous update cannot have been given in the future."})
    if completed_on < milestone.trigger_date:
        raise ValidationError(
            {"trigger_date": f"The previous update's own clock started on {milestone.trigger_date:%-d %B %Y}."}
        )
    old = milestone.completed_on
    milestone.completed_on = completed_on
    milestone.completion_note = f"{milestone.completion_note} (Date corrected from {old:%-d %b %Y}: {reason})".strip()
    milestone.save(update_fields=["completed_on", "completion_note", "updated_at"])
    audit.record(
        action="change", actor=actor, obj=milestone, object_label=milestone.process.case.reference,
        changes={"completed_on": [old.isoformat(), completed_on.isoformat()]},
    )  # fmt: skip
    clock.sync_process(actor=actor, process=milestone.process, reason=reason)


def _as_trigger_error(error: ValidationError) -> ValidationError:
    """The source's own field (e.g. la_aware_date) is the milestone's start date on the form."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {("reason" if field == "reason" else "trigger_date"): messages for field, messages in error.error_dict.items()}
    )
