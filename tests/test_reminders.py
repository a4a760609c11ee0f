"""Reminders: the 10/3/0 schedule, weekly while overdue, escalation to partnership managers, one digest per
person per run, in-app notifications, and exactly once under repeats, dead workers and two dispatchers.

The rules here are local rules the tests create, with a trigger that is never recorded, so the seeded
national rules (and whatever another kind declares) add nothing to what is asserted.
"""

import contextlib
import datetime as dt
import email
import email.policy
import json
import os
import signal
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination import reminders, services, tasks
from coordination.celery import app
from coordination.models import (
    ChildIdentity,
    ClosureDay,
    Membership,
    Milestone,
    Notification,
    Partnership,
    ReminderSent,
    TimescaleRule,
)
from coordination.reminders import dispatch, reminder_key, reminder_offsets, unread_count
from tests.factories import PartnershipFactory, add_process, member, open_case, verified_login

D = dt.date
DUE = D(2027, 3, 4)  # a Thursday; ten working days before it is Thu 18 Feb, three is Mon 1 Mar
IDENTITY = {"full_name": "Jayden Marcus Oyelaran", "nhs_number": "9434765919", "address": "14 Larchfield Road"}


def make_rule(world, code="R1", **fields) -> TimescaleRule:
    values = {
        "code": code,
        "partnership": world.partnership,
        "process_kind": "lcspr",
        "milestone": "LCSPR completed and published",
        "trigger": "event:never_recorded",
        "trigger_label": "a test trigger",
        "amount": 6,
        "unit": TimescaleRule.Unit.MONTHS,
        "force": TimescaleRule.Force.GUIDANCE,
        "source": "A test source",
        "verification": TimescaleRule.Verification.VERIFIED,
        "effective_from": D(2018, 6, 29),
        "escalate_after_working_days": None,
    }
    values.update(fields)
    return TimescaleRule.objects.create(**values)


def make_process(world, kind="lcspr", lead="agency"):
    """A process led by the council's agency user, with none of the milestones the national rules give it."""
    process = add_process(world, kind, lead=world.agency_user if lead == "agency" else lead)
    process.milestones.all().delete()
    return process


def make_milestone(process, rule, due: dt.date, occurrence: int = 1) -> Milestone:
    return Milestone.objects.create(
        case_id=process.case_id,
        process=process,
        subject_id=process.pk,
        rule=rule,
        occurrence=occurrence,
        trigger_date=due - dt.timedelta(days=60),
        base_due_date=due,
        due_date=due,
        explanation="Set by the test.",
        created_at=timezone.now(),
    )


def days(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def keys_sent_each_day(start: dt.date, end: dt.date) -> dict[dt.date, set[str]]:
    """Run the dispatcher once a day from start to end; which reminder keys went out on which day."""
    seen = set(ReminderSent.objects.exclude(sent_at=None).values_list("pk", flat=True))
    sent: dict[dt.date, set[str]] = {}
    for day in days(start, end):
        dispatch(today=day)
        new = ReminderSent.objects.exclude(pk__in=seen).exclude(sent_at=None)
        if new:
            sent[day] = {row.key for row in new}
            seen.update(row.pk for row in new)
    return sent


def bodies(message) -> tuple[str, str]:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return message.body, html


@pytest.fixture
def identity(world):
    return ChildIdentity.objects.create(case=world.case, date_of_birth=D(2015, 5, 1), **IDENTITY)


# --- Which reminder is due ----------------------------------------------------------------------------


def test_offsets_are_parsed_nearest_first_and_junk_is_ignored():
    assert reminder_offsets("10,3,0") == (0, 3, 10)
    assert reminder_offsets(" 5, 1 ,x,,-2, 5") == (1, 5)
    assert reminder_offsets("") == ()


def test_the_key_is_the_nearest_offset_whose_day_has_come():
    offsets = (0, 3, 10)
    assert reminder_key(DUE, D(2027, 2, 17), offsets) is None
    assert reminder_key(DUE, D(2027, 2, 18), offsets) == "before-10"
    assert reminder_key(DUE, D(2027, 2, 26), offsets) == "before-10"
    assert reminder_key(DUE, D(2027, 3, 1), offsets) == "before-3"
    assert reminder_key(DUE, DUE, offsets) == "due"
    assert reminder_key(DUE, D(2027, 3, 5), offsets) == "overdue-0"
    assert reminder_key(DUE, D(2027, 3, 11), offsets) == "overdue-1"


# --- (a) the schedule and the digest -------------------------------------------------------------------


def test_reminders_go_out_10_and_3_working_days_before_on_the_day_then_weekly(world):
    process = make_process(world)
    make_milestone(process, make_rule(world), DUE)

    sent = keys_sent_each_day(D(2027, 2, 10), D(2027, 3, 25))

    assert sent == {
        D(2027, 2, 18): {"before-10"},
        D(2027, 3, 1): {"before-3"},
        D(2027, 3, 4): {"due"},
        D(2027, 3, 5): {"overdue-0"},
        D(2027, 3, 11): {"overdue-1"},
        D(2027, 3, 18): {"overdue-2"},
        D(2027, 3, 25): {"overdue-3"},
    }
    # The lead and the partnership manager, once on each of those days.
    assert len(mail.outbox) == 2 * len(sent)
    assert Counter(tuple(m.to) for m in mail.outbox) == {
        (world.agency_user.email,): len(sent),
        (world.manager.email,): len(sent),
    }


def test_a_rule_can_choose_its_own_reminder_days(world):
    process = make_process(world)
    make_milestone(process, make_rule(world, reminder_working_days="5"), DUE)
    sent = keys_sent_each_day(D(2027, 2, 10), DUE)
    assert sent == {D(2027, 2, 25): {"before-5"}}


def test_a_local_closure_day_moves_the_reminder_day(world):
    ClosureDay.objects.create(date=D(2027, 3, 2), name="Office move", partnership=world.partnership)
    process = make_process(world)
    make_milestone(process, make_rule(world, reminder_working_days="3"), DUE)
    # Three working days before Thu 4 Mar, not counting Tue 2 Mar: Fri 26 Feb.
    assert keys_sent_each_day(D(2027, 2, 20), DUE) == {D(2027, 2, 26): {"before-3"}}


def test_a_reminder_day_missed_is_not_sent_late_once_a_nearer_one_has_come(world):
    process = make_process(world)
    make_milestone(process, make_rule(world), DUE)
    # The dispatcher first sees the milestone two working days before it is due.
    assert keys_sent_each_day(D(2027, 3, 2), DUE) == {D(2027, 3, 2): {"before-3"}, DUE: {"due"}}
    assert not ReminderSent.objects.filter(key="before-10").exists()


def test_each_person_gets_one_digest_with_every_milestone_and_no_identifying_details(world, identity):
    process = make_process(world)
    make_milestone(process, make_rule(world, "R1"), DUE)
    make_milestone(process, make_rule(world, "R2", milestone="Final report to the Panel"), DUE)
    make_milestone(process, make_rule(world, "R3", milestone="Not yet due"), D(2027, 6, 1))

    result = dispatch(today=D(2027, 2, 18))

    assert result.claimed == 4 and result.emails_sent == 2 and result.notifications == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.manager.email, world.agency_user.email])
    reference = world.case.reference
    for message in mail.outbox:
        assert message.subject == "Parallel: 2 deadlines need attention"
        for body in bodies(message):
            assert reference in body
            assert "Child Q" in body
            assert "LCSPR completed and published" in body
            assert "Final report to the Panel" in body
            assert "Not yet due" not in body
            assert "Thu 4 Mar 2027" in body
            assert "due in 10 working days" in body
            assert f"http://127.0.0.1:8000/cases/{reference}/processes/{process.pk}/" in body
            for value in IDENTITY.values():
                assert value not in body
            assert "2015" not in body  # the date of birth


def test_links_use_the_site_address(world, settings):
    settings.SITE_URL = "https://parallel.example.gov.uk/"
    process = make_process(world)
    make_milestone(process, make_rule(world), DUE)
    dispatch(today=DUE)
    text, html = bodies(mail.outbox[0])
    link = f"https://parallel.example.gov.uk/cases/{world.case.reference}/processes/{process.pk}/"
    assert link in text and f'href="{link}"' in html
    assert "due today" in text


# --- (b) exactly once ------------------------------------------------------------------------------------


def test_running_twice_on_the_same_day_sends_nothing_the_second_time(world):
    process = make_process(world)
    make_milestone(process, make_rule(world), DUE)

    first = dispatch(today=DUE)
    second = dispatch(today=DUE)

    assert (first.claimed, first.emails_sent, first.notifications) == (2, 2, 2)
    assert (second.claimed, second.emails_sent, second.notifications) == (0, 0, 0)
    assert len(mail.outbox) == 2
    assert ReminderSent.objects.count() == 2
    assert not ReminderSent.objects.filter(sent_at=None).exists()


def test_the_task_uses_today(world, monkeypatch):
    process = make_process(world)
    make_milestone(process, make_rule(world), DUE)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: DUE)
    assert tasks.dispatch_reminders() == {
        "claimed": 2, "emails_sent": 2, "notifications": 2, "emails_failed": 0, "taken_over": 0,
    }  # fmt: skip
    assert tasks.dispatch_reminders()["claimed"] == 0
    assert set(ReminderSent.objects.values_list("key", flat=True)) == {"due"}


# --- (c) weekly while overdue ------------------------------------------------------------------------------


def test_overdue_reminders_go_once_a_week_from_the_first_overdue_day(world):
    process = make_process(world)
    make_milestone(process, make_rule(world), DUE)
    make_milestone(process, make_rule(world, "LATE", milestone="Found late"), D(2027, 2, 22))

    sent = keys_sent_each_day(D(2027, 3, 5), D(2027, 3, 26))

    assert sent == {
        D(2027, 3, 5): {"overdue-0", "overdue-1"},  # DUE's first overdue day; the late one, seen 11 days overdue
        D(2027, 3, 8): {"overdue-2"},  # the late one, two weeks
        D(2027, 3, 11): {"overdue-1"},
        D(2027, 3, 15): {"overdue-3"},
        D(2027, 3, 18): {"overdue-2"},
        D(2027, 3, 22): {"overdue-4"},
        D(2027, 3, 25): {"overdue-3"},
    }
    overdue = [m for m in mail.outbox if m.to == [world.manager.email]]
    assert len(overdue) == len(sent)  # one digest a day, with both milestones on 5 Mar
    assert "overdue by 1 working day" in overdue[0].body
    assert "Found late" in overdue[0].body and "LCSPR completed and published" in overdue[0].body


def test_a_completed_or_waived_milestone_gets_no_more_reminders(world):
    process = make_process(world)
    met = make_milestone(process, make_rule(world, "R1"), DUE)
    waived = make_milestone(process, make_rule(world, "R2"), DUE)
    Milestone.objects.filter(pk=met.pk).update(completed_on=D(2027, 3, 3))
    Milestone.objects.filter(pk=waived.pk).update(waived_at=timezone.now())
    assert dispatch(today=D(2027, 3, 11)).claimed == 0


# --- (d) escalation ------------------------------------------------------------------------------------------


@pytest.fixture
def other_managers(world):
    """A manager at the partnership's ICB (also a statutory partner), and one of another partnership."""
    icb_manager = member(world.partnership.icb, Membership.Role.PARTNERSHIP_MANAGER, username="icbmanager")
    elsewhere = PartnershipFactory(code="OSCP")
    stranger = member(elsewhere.local_authority, Membership.Role.PARTNERSHIP_MANAGER, username="stranger")
    return icb_manager, stranger


@pytest.mark.parametrize("force", [TimescaleRule.Force.STATUTE, TimescaleRule.Force.STATUTORY_GUIDANCE])
def test_a_statutory_milestone_overdue_long_enough_is_escalated_to_the_partnership_managers(
    world, other_managers, force
):
    icb_manager, stranger = other_managers
    process = make_process(world)
    milestone = make_milestone(process, make_rule(world, force=force, escalate_after_working_days=5), DUE)

    # Overdue by 4 working days on Wed 10 Mar (5, 8, 9, 10): no escalation yet.
    keys_sent_each_day(D(2027, 3, 5), D(2027, 3, 10))
    assert not ReminderSent.objects.filter(key=reminders.ESCALATION).exists()
    mail.outbox.clear()

    dispatch(today=D(2027, 3, 11))  # 5 working days overdue

    escalated = ReminderSent.objects.filter(key=reminders.ESCALATION)
    assert set(escalated.values_list("recipient", flat=True)) == {world.manager.pk, icb_manager.pk}
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {world.manager.email, icb_manager.email, world.agency_user.email}
    for manager in (world.manager, icb_manager):
        message = by_person[manager.email]
        assert message.subject == "Parallel: 1 deadline needs attention (1 escalated)"
        assert "ESCALATION: overdue by 5 working days" in message.body
        notification = Notification.objects.get(user=manager, milestone=milestone, kind=Notification.Kind.ESCALATION)
        assert "overdue" not in notification.message  # the same plain line as a reminder
    lead_message = by_person[world.agency_user.email]
    assert "ESCALATION" not in lead_message.body and "overdue by 5 working days" in lead_message.body
    assert Notification.objects.filter(user=world.agency_user, kind=Notification.Kind.ESCALATION).count() == 0
    assert not Notification.objects.filter(user=stranger).exists()

    # Escalated once; the weekly reminders carry on.
    assert keys_sent_each_day(D(2027, 3, 12), D(2027, 3, 18)) == {D(2027, 3, 18): {"overdue-2"}}
    assert escalated.count() == 2


def test_a_guidance_milestone_is_never_escalated(world, other_managers):
    process = make_process(world)
    make_milestone(process, make_rule(world, force=TimescaleRule.Force.GUIDANCE, escalate_after_working_days=5), DUE)
    make_milestone(process, make_rule(world, "NOESC", force=TimescaleRule.Force.STATUTE), DUE)  # no threshold
    keys_sent_each_day(D(2027, 3, 5), D(2027, 4, 30))
    assert not ReminderSent.objects.filter(key=reminders.ESCALATION).exists()
    assert not Notification.objects.filter(kind=Notification.Kind.ESCALATION).exists()


# --- (e) paused ------------------------------------------------------------------------------------------------


def test_a_paused_process_gets_no_reminders(world):
    process = make_process(world)
    make_milestone(process, make_rule(world), DUE)
    services.process_pause(
        actor=world.manager, process=process, reason="criminal_proceedings", explanation="Awaiting the trial."
    )
    assert keys_sent_each_day(D(2027, 2, 15), D(2027, 3, 20)) == {}
    assert mail.outbox == []


def test_a_closed_case_gets_no_reminders(world):
    process = make_process(world)
    make_milestone(process, make_rule(world), DUE)
    world.case.status = "closed"
    world.case.save(update_fields=["status"])
    assert dispatch(today=DUE).claimed == 0


# --- (f) notifications ------------------------------------------------------------------------------------------


def test_notifications_are_added_with_an_unread_count(world):
    process = make_process(world)
    make_milestone(process, make_rule(world, "R1"), DUE)
    make_milestone(process, make_rule(world, "R2", milestone="Final report to the Panel"), DUE)

    dispatch(today=D(2027, 3, 1))

    reference = world.case.reference
    messages = set(Notification.objects.filter(user=world.agency_user).values_list("message", flat=True))
    assert messages == {
        f"{reference} (Child Q): LCSPR completed and published due Thu 4 Mar 2027",
        f"{reference} (Child Q): Final report to the Panel due Thu 4 Mar 2027",
    }
    notification = Notification.objects.filter(user=world.agency_user).first()
    assert notification.kind == Notification.Kind.REMINDER
    assert notification.case == world.case and notification.milestone.process == process
    assert unread_count(world.agency_user) == 2
    assert unread_count(world.manager) == 2
    assert unread_count(world.outsider) == 0

    notification.read_at = timezone.now()
    notification.save(update_fields=["read_at"])
    assert unread_count(world.agency_user) == 1


def test_a_person_without_an_email_address_still_gets_notifications(world):
    world.agency_user.email = ""
    world.agency_user.save(update_fields=["email"])
    process = make_process(world)
    make_milestone(process, make_rule(world), DUE)
    result = dispatch(today=DUE)
    assert (result.emails_sent, result.notifications) == (1, 2)
    assert unread_count(world.agency_user) == 1
    assert not ReminderSent.objects.filter(sent_at=None).exists()


# --- (g) a dead worker's claim is picked up; a live one's is not ----------------------------------------------------


def claim(milestone, recipient, *, run, lease_expires_at, key="due") -> ReminderSent:
    """A claim another run made an hour ago and holds (or held) until `lease_expires_at`."""
    return ReminderSent.objects.create(milestone=milestone, recipient=recipient, key=key, run=run,
                                       claimed_at=timezone.now() - dt.timedelta(hours=1),
                                       lease_expires_at=lease_expires_at)  # fmt: skip


def test_a_claim_whose_lease_lapsed_is_sent_by_the_next_run_exactly_once_and_a_renewed_one_is_left(world):
    process = make_process(world)
    milestone = make_milestone(process, make_rule(world), DUE)
    now = timezone.now()
    dead_run, live_run = uuid.uuid4(), uuid.uuid4()
    # A run claimed the manager's reminder and died: its lease lapsed a second ago.
    dead = claim(milestone, world.manager, run=dead_run, lease_expires_at=now - dt.timedelta(seconds=1))
    # Another claimed the lead's just as long ago and is still working, renewing its lease: not ours to take.
    live = claim(milestone, world.agency_user, run=live_run, lease_expires_at=now + dt.timedelta(seconds=20))

    result = dispatch(today=DUE)

    assert (result.claimed, result.taken_over, result.emails_sent) == (1, 1, 1)
    assert [m.to for m in mail.outbox] == [[world.manager.email]]
    assert "LCSPR completed and published" in mail.outbox[0].body
    dead.refresh_from_db()
    live.refresh_from_db()
    assert dead.sent_at is not None and dead.run != dead_run
    assert live.sent_at is None and live.run == live_run

    assert dispatch(today=DUE).claimed == 0
    assert len(mail.outbox) == 1
    assert ReminderSent.objects.count() == 2


def test_beat_dispatches_at_once_when_a_lease_lapses_and_costs_one_query_when_none_has(world):
    process = make_process(world)
    milestone = make_milestone(process, make_rule(world), DUE)
    renewed_until = timezone.now() + dt.timedelta(seconds=30)
    live = claim(milestone, world.agency_user, run=uuid.uuid4(), lease_expires_at=renewed_until)
    with CaptureQueriesContext(connection) as queries:
        assert reminders.take_over(today=DUE) == reminders.TakeoverResult(lapsed=0)
    assert len(queries) == 1 and mail.outbox == []

    ReminderSent.objects.filter(pk=live.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    result = reminders.take_over(today=DUE)
    assert result.lapsed == 1 and result.released == 0
    # The dispatch it ran took the lapsed claim over and claimed the manager's reminder, not yet claimed by anyone.
    assert (result.dispatch.claimed, result.dispatch.taken_over, result.dispatch.emails_sent) == (2, 1, 2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.manager.email, world.agency_user.email])
    assert reminders.take_over(today=DUE).lapsed == 0
    assert tasks.take_over_reminders() == {"lapsed": 0, "dispatch": None, "released": 0}


def test_a_lapsed_claim_no_longer_due_is_let_go_so_beat_stops_finding_it(world):
    process = make_process(world)
    milestone = make_milestone(process, make_rule(world), DUE)
    # A run died on the due date holding the manager's "due" reminder; the next day "overdue-0" supersedes it.
    old = claim(milestone, world.manager, run=uuid.uuid4(), lease_expires_at=timezone.now() - dt.timedelta(hours=1))
    next_day = DUE + dt.timedelta(days=1)

    result = reminders.take_over(today=next_day)

    assert (result.lapsed, result.released) == (1, 1)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.manager.email, world.agency_user.email])
    assert all("overdue" in m.body for m in mail.outbox)
    old.refresh_from_db()
    assert old.sent_at is None and old.lease_expires_at is None
    assert reminders.take_over(today=next_day).lapsed == 0  # not found again, every half minute, for ever


class Clock:
    """timezone.now(), moved on by the test: a run slower than its lease, without waiting for it."""

    def __init__(self, monkeypatch):
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, seconds: float):
        self.now += dt.timedelta(seconds=seconds)


def slow_digests(monkeypatch, clock: Clock, seconds: float, during=None) -> list[list[str]]:
    """Every digest takes `seconds` of the clock to send; `during(to)` runs meanwhile, as another worker would."""
    sent = []

    def send(message, *args, **kwargs):
        clock.advance(seconds)
        if during:
            during(message.to)
        sent.append(message.to)
        return 1

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    return sent


def many_people(world, n: int) -> list:
    """n more leads, each of a process with a milestone due: with the managers, n + 2 digests."""
    leads = [member(world.council, Membership.Role.AGENCY_REPRESENTATIVE, username=f"lead{i}") for i in range(n)]
    for i, lead in enumerate(leads):
        make_milestone(make_process(world, lead=lead), make_rule(world, f"L{i}", milestone=f"Deadline {i}"), DUE)
    return leads


def test_a_live_run_slower_than_its_lease_renews_it_and_is_never_overtaken(world, monkeypatch, settings):
    """Seven digests of 25 seconds each: the run lasts three lease lengths. Beat's takeover and a second dispatcher
    look while every digest is being sent, and find nothing to take."""
    lease = settings.REMINDER_CLAIM_LEASE_SECONDS
    many_people(world, 6)  # the six leads and the manager: seven digests
    clock = Clock(monkeypatch)
    looks = []

    def another_worker(to):
        looks.append((reminders.take_over(today=DUE).lapsed, dispatch(today=DUE).claimed))

    sent = slow_digests(monkeypatch, clock, seconds=lease * 5 / 12, during=another_worker)
    started = clock.now
    result = dispatch(today=DUE)

    assert clock.now - started > 2 * dt.timedelta(seconds=lease)
    assert (result.claimed, result.taken_over, result.emails_sent) == (12, 0, 7)
    assert looks == [(0, 0)] * 7
    assert sorted(to for [to] in sent) == sorted(set(ReminderSent.objects.values_list("recipient__email", flat=True)))
    assert not ReminderSent.objects.filter(sent_at=None).exists()


def test_a_run_stalled_past_its_lease_sends_nothing_more_of_what_another_run_took_over(world, monkeypatch, settings):
    lease = settings.REMINDER_CLAIM_LEASE_SECONDS
    many_people(world, 3)  # four digests: the manager's (three deadlines) and one to each lead
    clock = Clock(monkeypatch)
    rescued, stalled = [], []

    def stall_then_another_worker(to):
        if not stalled:
            stalled.append(to)
            clock.advance(lease)  # the first digest hangs for a whole lease: the run's claims lapse meanwhile
            rescued.append(dispatch(today=DUE))

    sent = slow_digests(monkeypatch, clock, seconds=1, during=stall_then_another_worker)
    result = dispatch(today=DUE)

    [other] = rescued
    # The other run took over every claim not yet sent (all but the stalled digest's own, which it is sending).
    assert other.emails_sent == 4 and other.taken_over == other.claimed
    # The stalled run sent its first digest and then nothing it had lost.
    assert result.emails_sent == 1
    recipients = [to for [to] in sent]
    assert len(recipients) == 5 and len(set(recipients)) == 4  # the digest in flight went twice, as documented
    assert not ReminderSent.objects.filter(sent_at=None).exists()
    assert Notification.objects.count() == ReminderSent.objects.count() == 6  # but each reminder notified once


def test_a_digest_the_mail_server_refuses_is_retried_ten_minutes_later(world, monkeypatch):
    process = make_process(world)
    make_milestone(process, make_rule(world), DUE)
    real_send = EmailMultiAlternatives.send

    def refuse_the_manager(message, *args, **kwargs):
        if message.to == [world.manager.email]:
            raise ConnectionRefusedError("mail server down")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_the_manager)
    result = dispatch(today=DUE)
    assert (result.emails_sent, result.emails_failed, result.notifications) == (1, 1, 1)
    unsent = ReminderSent.objects.get(sent_at=None)
    assert unsent.recipient == world.manager
    assert unsent.lease_expires_at - timezone.now() > dt.timedelta(minutes=9)
    # Not taken over by the next beat look or the next dispatch: the mail server is not asked again every minute.
    assert reminders.take_over(today=DUE).lapsed == 0
    assert dispatch(today=DUE).claimed == 0

    monkeypatch.undo()
    ReminderSent.objects.filter(pk=unsent.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    result = reminders.take_over(today=DUE).dispatch
    assert (result.claimed, result.emails_sent, result.notifications) == (1, 1, 1)
    assert [m.to for m in mail.outbox] == [[world.agency_user.email], [world.manager.email]]
    assert not ReminderSent.objects.filter(sent_at=None).exists()


def test_a_claim_taken_over_before_sending_is_left_to_the_run_that_took_it(world, monkeypatch):
    """A run so slow that another took its claims for dead sends only what it still holds."""
    process = make_process(world)
    make_milestone(process, make_rule(world), DUE)
    thief = uuid.uuid4()
    real_deliver = reminders._deliver

    def deliver_late(recipient, *args, **kwargs):
        if recipient.user == world.manager:
            ReminderSent.objects.filter(recipient=world.manager).update(run=thief)
        return real_deliver(recipient, *args, **kwargs)

    monkeypatch.setattr(reminders, "_deliver", deliver_late)
    result = dispatch(today=DUE)
    assert (result.claimed, result.emails_sent) == (2, 1)
    assert [m.to for m in mail.outbox] == [[world.agency_user.email]]
    assert ReminderSent.objects.get(recipient=world.manager).sent_at is None


def test_the_lease_must_leave_room_for_one_email(tmp_path):
    """A lease too short for one e-mail would let a live run be overtaken mid-send: settings refuse it."""
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coordination.settings", "VAR_DIR": str(tmp_path),
           "EMAIL_TIMEOUT": "30", "REMINDER_CLAIM_LEASE_SECONDS": "45"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True,
                          text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    assert done.returncode != 0
    assert "REMINDER_CLAIM_LEASE_SECONDS must be more than 1.5 times EMAIL_TIMEOUT" in done.stderr


# --- (j) the query count does not grow with the milestones --------------------------------------------------------


def test_the_query_count_is_the_same_for_5_and_60_due_milestones(world):
    process = make_process(world)
    rule = make_rule(world)

    def measure(n: int, due: dt.date, first_occurrence: int) -> int:
        Milestone.objects.filter(process=process).update(completed_on=D(2027, 1, 1))
        for i in range(n):
            make_milestone(process, rule, due, occurrence=first_occurrence + i)
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as queries:
            result = dispatch(today=due, batch_size=100)
        assert (result.claimed, result.emails_sent, result.notifications) == (2 * n, 2, 2 * n)
        assert all(len(message.alternatives) == 1 for message in mail.outbox)
        return len(queries)

    five = measure(5, D(2027, 3, 4), first_occurrence=1)
    sixty = measure(60, D(2027, 3, 11), first_occurrence=100)
    print(f"\nqueries for one dispatch: 5 milestones {five}, 60 milestones {sixty}")
    assert five == sixty


def test_batches_are_taken_by_id_and_each_person_still_gets_one_digest(world):
    process = make_process(world)
    rule = make_rule(world)
    for i in range(12):
        make_milestone(process, rule, DUE, occurrence=i + 1)
    result = dispatch(today=DUE, batch_size=5)
    assert (result.claimed, result.emails_sent, result.notifications) == (24, 2, 24)
    assert all("12 deadlines need attention" in m.subject for m in mail.outbox)


# --- (h) two dispatchers at the same moment --------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_the_same_moment_send_each_reminder_once(world):
    process = make_process(world)
    names = {i: f"Deadline {i:02d}" for i in range(1, 21)}
    milestones = {
        names[i]: make_milestone(process, make_rule(world, f"R{i}", milestone=names[i]), DUE + dt.timedelta(days=i % 3))
        for i in names
    }
    manager2 = member(world.partnership.police, Membership.Role.PARTNERSHIP_MANAGER, username="policemanager")
    people = [world.manager.email, manager2.email, world.agency_user.email]

    results, errors = [], []
    for day in (D(2027, 2, 18), D(2027, 3, 1), DUE, D(2027, 3, 8)):
        barrier = threading.Barrier(2)
        first = len(mail.outbox)

        def run(day=day, barrier=barrier):
            try:
                barrier.wait(timeout=10)
                results.append(dispatch(today=day, batch_size=7))
            except Exception as exc:  # reported below; a thread's exception would otherwise vanish
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors

        # Every milestone due a reminder today reaches every person exactly once, in one digest or split
        # between the two runs' digests (each run sends a person one digest of what it won).
        due_today = {name for name, m in milestones.items() if reminder_key(m.due_date, day, (0, 3, 10))}
        assert due_today
        todays = mail.outbox[first:]
        for person in people:
            digests = [message.body for message in todays if message.to == [person]]
            assert 1 <= len(digests) <= 2
            named = Counter(name for body in digests for name in due_today if name in body)
            assert named == dict.fromkeys(due_today, 1), (day, person)

    rows = ReminderSent.objects.all()
    assert rows.count() == sum(r.claimed for r in results)
    assert len(mail.outbox) == sum(r.emails_sent for r in results)
    assert not rows.filter(sent_at=None).exists()
    assert Notification.objects.count() == rows.count()


# --- (i) a real worker through Redis ----------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # committed, so the worker's connection sees the milestone
def test_a_worker_runs_the_dispatcher_sent_through_redis_and_writes_the_email(world, identity, tmp_path):
    from tests.test_celery_worker import REPO_ROOT, celery_worker, database_url_for_this_test_run, worker_env

    process = make_process(world)
    make_milestone(process, make_rule(world), timezone.localdate())  # the worker's today: due today
    queue = f"test-reminders-{uuid.uuid4().hex}"
    env = worker_env(
        DATABASE_URL=database_url_for_this_test_run(),
        REDIS_URL=os.environ["REDIS_URL"],
        VAR_DIR=str(tmp_path),
        EMAIL_HOST="",  # no mail server: the worker writes e-mail to files under VAR_DIR/mail
    )

    with celery_worker(env, cwd=REPO_ROOT, log_path=tmp_path / "worker.log", queue=queue) as worker:
        try:
            worker.wait_until_ready()
            result = tasks.dispatch_reminders.apply_async(queue=queue)
            deadline = time.monotonic() + 30
            while True:
                try:
                    outcome = result.get(timeout=1)
                    break
                except CeleryTimeoutError:
                    worker.check_alive()
                    if time.monotonic() > deadline:
                        worker.fail(f"no result for task {result.id} within 30 s")
        finally:
            with contextlib.suppress(Exception), app.connection_for_write() as conn:
                one_off = app.amqp.queues[queue](conn.default_channel)
                one_off.declare()
                one_off.delete()
        result.forget()

    assert outcome == {"claimed": 2, "emails_sent": 2, "notifications": 2, "emails_failed": 0, "taken_over": 0}, (
        worker.output()
    )
    files = sorted(Path(tmp_path, "mail").glob("*.log"))
    assert files, worker.output()
    written = "".join(path.read_text(errors="replace") for path in files)
    assert written.count("Subject: Parallel: 1 deadline needs attention") == 2
    assert world.case.reference in written and "Child Q" in written
    assert IDENTITY["full_name"] not in written
    assert ReminderSent.objects.filter(sent_at__isnull=False).count() == 2


def test_another_partnerships_cases_go_to_its_own_managers_only(world, other_managers):
    icb_manager, stranger = other_managers
    elsewhere = Partnership.objects.get(code="OSCP")
    case = open_case(manager=stranger, partnership=elsewhere, pseudonym="Child R")
    process = services.process_add(
        actor=stranger, case=case, kind="lcspr", owner=elsewhere.local_authority, opened_on=timezone.localdate()
    )
    process.milestones.all().delete()
    make_milestone(process, make_rule(world, partnership=elsewhere), DUE)
    dispatch(today=DUE)
    assert [m.to for m in mail.outbox] == [[stranger.email]]
    assert "Child R" in mail.outbox[0].body


def test_the_header_shows_the_unread_count_and_the_list_marks_them_read(client, world):
    from coordination.models import Notification

    for n in range(2):
        Notification.objects.create(
            user=world.manager, kind="reminder", case=world.case, message=f"Reminder {n}", created_at=timezone.now()
        )
    verified_login(client, world.manager)
    page = client.get(reverse("notifications")).content.decode()
    assert "Reminder 0" in page and "Reminder 1" in page
    assert '<span class="count-badge">2' in page
    client.post(reverse("notifications-read"))
    assert '<span class="count-badge">' not in client.get(reverse("notifications")).content.decode()


# --- (k) a worker killed mid-run and restarted ---------------------------------------------------------------------


def mail_digests(paths) -> list[tuple[str, str]]:
    """(To, plain-text body) of each message Django's file backend wrote to these files."""
    digests = []
    for path in paths:
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                message = email.message_from_bytes(chunk, policy=email.policy.default)
                digests.append((message["To"], message.get_body(preferencelist=("plain",)).get_content()))
    return digests


LEASE_SECONDS = 4  # the workers' claim lease in the test below; beat's takeover looks every half of it


class Beat:
    """Plays beat for the test: sends the takeover look to a queue every half lease, as the schedule does."""

    def __init__(self, queue: str, every: float):
        self.queue, self.every = queue, every
        self.sent: list = []  # AsyncResult of each look, in the order sent
        self._next = time.monotonic()

    def tick(self):
        if time.monotonic() >= self._next:
            self.sent.append(tasks.take_over_reminders.apply_async(queue=self.queue))
            self._next += self.every


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # committed, so the workers' connections see the milestones
def test_a_worker_killed_mid_run_is_taken_over_within_a_lease_and_a_half_losing_and_duplicating_nothing(
    world, tmp_path
):
    """Two real workers on Redis: one runs the dispatch, the other beat's takeover look, sent every half lease. The
    dispatch sends eight digests of a second each, so it runs for longer than its lease, renewing it; no look finds
    anything lapsed while it lives. It is SIGKILLed while it sends its sixth: its claims lapse at most a lease later,
    the next look takes them over and sends what the first run did not, and nothing it had sent and marked.

    The workers write e-mail through tests/slow_mail_backend.py, which notes each send as it begins and takes a
    second over it, so the kill lands while a digest is being sent, before it is written. The one duplicate the
    dispatcher allows (a kill after the e-mail went but before its claims were marked: see reminders.py) can only
    be the digest in flight, and the assertions allow it for that recipient alone.
    """
    from tests.test_celery_worker import REPO_ROOT, celery_worker, database_url_for_this_test_run, worker_env

    today = timezone.localdate()  # the workers' today: every milestone is due today
    manager = Membership.Role.PARTNERSHIP_MANAGER
    managers = [
        world.manager,
        member(world.partnership.icb, manager, username="icbmanager"),
        member(world.partnership.police, manager, username="policemanager"),
    ]
    leads = [world.agency_user] + [
        member(world.council, Membership.Role.AGENCY_REPRESENTATIVE, username=f"lead{i}") for i in range(2, 6)
    ]
    names = [f"Deadline {letter}" for letter in "ABCDE"]
    due: dict[str, set[str]] = {person.email: set() for person in managers + leads}  # e-mail -> milestones
    for name, lead in zip(names, leads, strict=True):
        make_milestone(make_process(world, lead=lead), make_rule(world, f"K{name[-1]}", milestone=name), today)
        for person in [*managers, lead]:
            due[person.email].add(name)
    assert len(due) == 8  # eight digests in one run: three managers with five milestones, five leads with one

    mail_dir, started_log = tmp_path / "mail", tmp_path / "sending.log"
    env = worker_env(
        DATABASE_URL=database_url_for_this_test_run(),
        REDIS_URL=os.environ["REDIS_URL"],
        VAR_DIR=str(tmp_path),  # e-mail files under tmp_path/mail, sends begun in tmp_path/sending.log
        EMAIL_HOST="",
        EMAIL_BACKEND="tests.slow_mail_backend.EmailBackend",
        SLOW_MAIL_SECONDS="1",
        REMINDER_CLAIM_LEASE_SECONDS=str(LEASE_SECONDS),
        EMAIL_TIMEOUT="2",  # settings want one e-mail to fit in two thirds of the lease
    )
    suffix = uuid.uuid4().hex
    dispatch_queue, beat_queue = f"test-reminders-killed-{suffix}", f"test-reminders-beat-{suffix}"
    beat = Beat(beat_queue, every=LEASE_SECONDS / 2)
    worker_logs = [tmp_path / "worker-killed.log", tmp_path / "worker-beat.log"]

    def logs() -> str:
        present = [path for path in worker_logs if path.exists()]
        return "".join(f"\n--- {path.name} ---\n{path.read_text(errors='replace')}" for path in present)

    def mail_files() -> set[Path]:
        return set(mail_dir.glob("*.log"))

    def sends_begun() -> list[str]:
        return started_log.read_text().splitlines() if started_log.exists() else []

    def wait_for(condition, workers, what: str, timeout: float = 30):
        """Until `condition()`, beat ticking meanwhile; fail saying `what` after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not condition():
            for worker in workers:
                worker.check_alive()
            if time.monotonic() > deadline:
                workers[0].fail(f"{what} within {timeout} s{logs()}")
            beat.tick()
            time.sleep(0.05)

    started_workers = []
    killed_task = None
    try:
        with (
            celery_worker(env, cwd=REPO_ROOT, log_path=worker_logs[1], queue=beat_queue) as beat_worker,
            celery_worker(env, cwd=REPO_ROOT, log_path=worker_logs[0], queue=dispatch_queue) as first,
        ):
            started_workers += [beat_worker, first]
            beat_worker.wait_until_ready()
            first.wait_until_ready()
            killed_task = tasks.dispatch_reminders.apply_async(queue=dispatch_queue)
            dispatch_sent = time.monotonic()
            # Five digests written (and so marked sent), the sixth begun and not yet written: kill it now.
            wait_for(
                lambda: len(mail_files()) >= 5 and len(sends_begun()) > len(mail_files()),
                [first, beat_worker],
                "the worker had not written five digests and begun a sixth",
            )
            os.killpg(first.process.pid, signal.SIGKILL)  # the whole group: no warm shutdown, no clean-up
            first.process.wait(timeout=10)
            killed_at = time.monotonic()
            looks_while_alive = [look for look in beat.sent if look.ready()]

            files_before = mail_files()
            written_before = mail_digests(sorted(files_before))
            in_flight = sends_begun()[-1]  # the recipient whose digest was being sent when the worker died
            rows = ReminderSent.objects.all()
            assert rows.count() == 20, logs()  # every reminder was claimed before the first digest went
            unsent = list(rows.filter(sent_at=None))
            recipients_before = {to for to, _ in written_before}
            assert 5 <= len(written_before) < 8 and len(recipients_before) == len(written_before), logs()
            assert 0 < len(unsent) < 20, logs()
            # Whatever was marked sent was written; whatever was written was marked, bar the digest in flight.
            marked = set(rows.exclude(sent_at=None).values_list("recipient__email", flat=True))
            assert marked <= recipients_before and recipients_before - {in_flight} <= marked, logs()
            # The dead run's claims: one run, one lease for all of them, still running when it was killed.
            [(dead_run, lapses_at)] = {(row.run, row.lease_expires_at) for row in unsent}
            assert lapses_at > timezone.now(), logs()

            # The run had been going for longer than its lease, and no look found anything lapsed meanwhile.
            assert killed_at - dispatch_sent > LEASE_SECONDS, logs()
            assert len(looks_while_alive) >= 2, logs()
            assert [look.get(timeout=10)["lapsed"] for look in looks_while_alive] == [0] * len(looks_while_alive)

            wait_for(
                lambda: not ReminderSent.objects.filter(sent_at=None, run=dead_run).exists(),
                [beat_worker],
                "the dead run's claims were not taken over",
            )
            taken_over_after = time.monotonic() - killed_at
            wait_for(
                lambda: not ReminderSent.objects.filter(sent_at=None).exists(),
                [beat_worker],
                "the reminders taken over were not all sent",
            )
            outcomes = [look.get(timeout=30) for look in beat.sent]
    finally:
        for worker in started_workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.process.pid, signal.SIGKILL)  # anything of the group still about
        with contextlib.suppress(Exception), app.connection_for_write() as conn:
            channel = conn.default_channel
            for queue in (dispatch_queue, beat_queue):
                one_off = app.amqp.queues[queue](channel)
                one_off.declare()
                one_off.delete()
            # The killed worker's message was never acknowledged: kombu would hand it back to a worker on this
            # Redis database an hour from now. Nobody needs it, so drop it.
            for tag, raw in channel.client.hgetall(channel.unacked_key).items():
                if json.loads(raw)[2] == dispatch_queue:
                    channel.client.zrem(channel.unacked_index_key, tag)
                    channel.client.hdel(channel.unacked_key, tag)
        for task in [killed_task, *beat.sent]:
            if task is not None:
                task.forget()

    # Taken over once the lease had lapsed, never before, and within a lease and a half of the kill (a lease to
    # lapse, half a lease until beat looks), with a little over for the look to reach the worker and claim.
    print(f"\ntaken over {taken_over_after:.1f} s after the kill (lease {LEASE_SECONDS} s, beat every "
          f"{LEASE_SECONDS / 2:g} s)")  # fmt: skip
    assert taken_over_after <= LEASE_SECONDS * 1.5 + 3, logs()
    assert all(row.claimed_at >= lapses_at for row in ReminderSent.objects.filter(pk__in=[r.pk for r in unsent]))

    written_after = mail_digests(sorted(mail_files() - files_before))
    recipients_after = [to for to, _ in written_after]
    # The looks that found lapsed claims took over exactly those the dead run left unsent, and sent each person one
    # digest; the rest found nothing to do.
    dispatched = [outcome["dispatch"] for outcome in outcomes if outcome["dispatch"]]
    assert dispatched == [{
        "claimed": len(unsent), "emails_sent": len(written_after), "notifications": len(unsent), "emails_failed": 0,
        "taken_over": len(unsent),
    }], (outcomes, logs())  # fmt: skip
    assert f"Took over {len(unsent)} of {len(unsent)} reminder claims whose lease had lapsed" in logs()
    assert len(set(recipients_after)) == len(recipients_after), logs()

    # Nothing lost: each person's digests name every milestone due to them.
    # Nothing duplicated: each person got one digest, bar (at most) the one whose digest was in flight, and only if
    # it had been written before the kill (the documented window) -- then it went twice, the same both times.
    everything = written_before + written_after
    for person, their_names in due.items():
        digests = [body for to, body in everything if to == person]
        allowed = 2 if person == in_flight and person in recipients_before else 1
        assert 1 <= len(digests) <= allowed, (person, in_flight, recipients_before, recipients_after, logs())
        for body in digests:
            assert {name for name in names if name in body} == their_names, person
    assert set(recipients_after) >= set(due) - recipients_before, logs()
    assert len(everything) - len(due) <= 1
    print(
        f"killed with {len(written_before)} of 8 digests written, {in_flight}'s in flight; "
        f"the takeover sent {len(written_after)}; {len(everything) - len(due)} sent twice"
    )

    # Every claim ends marked sent, and every reminder notified once.
    assert not ReminderSent.objects.filter(sent_at=None).exists()
    pairs = set(ReminderSent.objects.values_list("recipient__email", "milestone__rule__milestone"))
    assert pairs == {(person, name) for person, their_names in due.items() for name in their_names}
    assert Notification.objects.count() == 20


def test_a_notification_about_a_case_no_longer_granted_is_neither_shown_nor_counted(client, world, sign_in):
    from coordination import grants
    from coordination.models import CaseUserObjectPermission, Notification

    grants.grant(actor=world.manager, case=world.case, scope="case", user=world.outsider, reason="For a while.")
    Notification.objects.create(
        user=world.outsider, kind="reminder", case=world.case, message=f"{world.case.reference}: due soon",
        created_at=timezone.now(),
    )  # fmt: skip
    sign_in(client, world.outsider)
    assert world.case.reference in client.get(reverse("notifications")).content.decode()
    assert unread_count(world.outsider) == 1
    CaseUserObjectPermission.objects.filter(user=world.outsider).delete()  # revoked
    assert world.case.reference not in client.get(reverse("notifications")).content.decode()
    assert unread_count(world.outsider) == 0
