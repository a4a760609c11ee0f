"""A partnership's own timescales: local rules, its choice between alternative national rules, and its
closure days. National rules are changed by system administrators (Django admin), not here."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import access, audit, clock, kinds
from .models import ClosureDay, Partnership, Process, RuleChoice, TimescaleRule


def _open_processes(partnership: Partnership, kind: str):
    return Process.objects.filter(case__partnership=partnership, kind=kind).exclude(status=Process.Status.CLOSED)


def _next_local_code(partnership: Partnership) -> str:
    taken = set(TimescaleRule.objects.filter(partnership=partnership).values_list("code", flat=True))
    number = len(taken) + 1
    while f"{partnership.code}-{number}" in taken:
        number += 1
    return f"{partnership.code}-{number}"


@transaction.atomic
def local_rule_add(*, actor, partnership: Partnership, process_kind: str, **fields) -> TimescaleRule:
    """Add a partnership's own rule; processes already under way get its milestone if its trigger has happened."""
    access.require_manage_partnership(actor, partnership)
    # A partnership's own rule is its local practice. Statute and guidance are national rules: they come from
    # the law and are corrected by a system administrator, so a partnership cannot make one.
    if fields.setdefault("force", TimescaleRule.Force.LOCAL) != TimescaleRule.Force.LOCAL:
        raise ValidationError({"force": "A partnership's own rule is local practice, not statute or guidance."})
    if not kinds.exists(process_kind):
        raise ValidationError({"process_kind": "Choose a kind of process."})
    kind = kinds.get(process_kind)
    valid_triggers = {value for _, group in kind.trigger_choices() for value, _ in group}
    errors = {}
    if fields.get("trigger") not in valid_triggers:
        errors["trigger"] = f"Choose where the clock starts for a {kind.label}."
    if fields.get("completed_by_stage") and not kind.has_stage(fields["completed_by_stage"]):
        errors["completed_by_stage"] = f"Choose a stage of the {kind.label} process."
    if fields.get("direction") == TimescaleRule.Direction.BEFORE and fields.get("count_trigger_day"):
        errors["count_trigger_day"] = "A date counted back from a planned date does not count the planned day."
    if errors:
        raise ValidationError(errors)
    # A partnership's own rule is as written in its own procedures, so it is verified by definition.
    fields.setdefault("verification", TimescaleRule.Verification.VERIFIED)
    rule = TimescaleRule(
        partnership=partnership, process_kind=process_kind, code=_next_local_code(partnership), **fields
    )
    rule.full_clean()
    rule.save()
    audit.record(
        action="create", actor=actor, obj=rule, object_label=rule.code, changes={"milestone": [None, rule.milestone]}
    )
    for process in _open_processes(partnership, process_kind):
        clock.sync_process(actor=actor, process=process)
    return rule


@transaction.atomic
def alternative_choose(*, actor, partnership: Partnership, rule: TimescaleRule) -> RuleChoice:
    """Choose which of a group of alternative rules the partnership follows. Open milestones of the rules
    not chosen are waived with the reason, and processes under way get the chosen rule's milestone."""
    access.require_manage_partnership(actor, partnership)
    if not rule.alternative_group or (rule.partnership_id not in (None, partnership.pk)):
        raise ValidationError("That rule is not one of a group of alternatives.")
    choice, _ = RuleChoice.objects.update_or_create(
        partnership=partnership,
        alternative_group=rule.alternative_group,
        defaults={"rule": rule, "chosen_by": actor, "chosen_at": timezone.now()},
    )
    family = rule.edition_of or rule.code
    # The choice covers every edition of the chosen rule (e.g. its Working Together 2018 edition).
    others = (
        TimescaleRule.objects.filter(alternative_group=rule.alternative_group)
        .exclude(code=family)
        .exclude(edition_of=family)
    )
    for process in _open_processes(partnership, rule.process_kind):
        for milestone in process.milestones.filter(clock.OPEN, rule__in=others):
            clock.milestone_waive(
                actor=actor, milestone=milestone, reason=f"The partnership now follows rule {rule.code} instead."
            )
        clock.sync_process(actor=actor, process=process)
    audit.record(
        action="change", actor=actor, obj=choice, object_label=partnership.code,
        changes={rule.alternative_group: [None, rule.code]},
    )  # fmt: skip
    return choice


@transaction.atomic
def closure_day_add(*, actor, partnership: Partnership, date: dt.date, name: str) -> ClosureDay:
    access.require_manage_partnership(actor, partnership)
    if not name.strip():
        raise ValidationError({"name": "Name the closure, e.g. “Council closure day”."})
    if ClosureDay.objects.filter(Q(partnership=partnership) | Q(partnership=None), date=date).exists():
        raise ValidationError({"date": f"{date:%-d %B %Y} is already a closure day."})
    closure = ClosureDay.objects.create(partnership=partnership, date=date, name=name.strip())
    audit.record(action="create", actor=actor, obj=closure, object_label=partnership.code,
                 changes={"closure_day": [None, date.isoformat()]})  # fmt: skip
    return closure


def rules_of(partnership: Partnership) -> list[TimescaleRule]:
    return list(
        TimescaleRule.objects.filter(Q(partnership=None) | Q(partnership=partnership)).order_by(
            "subject_type", "process_kind", "partnership", "code"
        )
    )
