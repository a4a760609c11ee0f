"""Who is reminded of a deadline comes from the access layer: a process's lead only while still a member of the
organisation that owns the process, and the partnership's managers as `access.managers_of` names them."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from coordination import rules
from coordination.models import Membership, Milestone, Notification, Process, ReminderSent
from coordination.reminders import dispatch
from tests.factories import add_process, member, test_rule


@pytest.fixture
def due_today(world):
    """A deadline due today on a process the council owns, led by one of the council's people."""
    test_rule(amount=5, process_kind="lcspr", trigger="stage:commissioning", trigger_label="commissioned")
    lead = member(world.council, Membership.Role.AGENCY_REPRESENTATIVE, username="lead", email="lead@example.org")
    process = add_process(world, "lcspr", lead=lead)
    milestone = Milestone.objects.get(process=process, rule__code="T1")
    Milestone.objects.filter(pk=milestone.pk).update(due_date=timezone.localdate())
    return process, lead


def _told(user) -> bool:
    return (
        ReminderSent.objects.filter(recipient=user).exists()
        or Notification.objects.filter(user=user).exists()
        or any(user.email in message.to for message in mail.outbox)
    )


def test_a_lead_who_left_the_owning_organisation_is_not_reminded_and_the_new_lead_is(world, due_today):
    process, lead = due_today
    Membership.objects.filter(user=lead).delete()  # left the council; the account is still active
    successor = member(world.council, Membership.Role.AGENCY_REPRESENTATIVE, username="successor",
                       email="successor@example.org")  # fmt: skip
    dispatch()
    assert not _told(lead)
    assert _told(world.manager)  # the partnership's manager still is

    Process.objects.filter(pk=process.pk).update(lead=successor)
    ReminderSent.objects.all().delete()
    mail.outbox.clear()
    dispatch()
    assert _told(successor) and not _told(lead)


def test_a_lead_who_is_still_a_member_is_reminded(world, due_today):
    _process, lead = due_today
    dispatch()
    assert _told(lead)
    assert Notification.objects.get(user=lead, kind="reminder").milestone.due_date == timezone.localdate()


def test_a_partnership_adds_only_local_rules_whatever_the_caller_sends(world):
    """Statute and guidance come from the law (national rules, corrected by a system administrator); the service
    refuses a partnership's rule claiming either, so no page, API call or script can make one."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        rules.local_rule_add(actor=world.manager, partnership=world.partnership, process_kind="lcspr",
                             milestone="Chronologies", trigger="stage:commissioning", trigger_label="commissioned",
                             amount=10, unit="working_days", source="Procedures", force="statute",
                             effective_from=dt.date(2024, 1, 1))  # fmt: skip
    assert "local practice" in refused.value.message_dict["force"][0]
    rule = rules.local_rule_add(actor=world.manager, partnership=world.partnership, process_kind="lcspr",
                                milestone="Chronologies", trigger="stage:commissioning", trigger_label="commissioned",
                                amount=10, unit="working_days", source="Procedures",
                                effective_from=dt.date(2024, 1, 1))  # fmt: skip
    assert rule.force == "local"
