"""The statutory clock on real processes: milestones appear when their trigger is recorded, move with
corrections, pauses and extensions (kept as history), are met by stages, and repeat."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from coordination import clock, services
from coordination.clock import Status
from coordination.models import Milestone, MilestoneAdjustment, Pause, RuleChoice
from tests.factories import PartnershipFactory, add_process, member, open_case, test_rule

D = dt.date


rule = test_rule


def milestone(process, code="T1", occurrence=1) -> Milestone:
    return Milestone.objects.get(process=process, rule__code=code, occurrence=occurrence)


@pytest.fixture
def case(world):
    """A case the local authority learned of on Mon 21 Dec 2026, before Christmas."""
    case = world.case
    case.incident_date, case.la_aware_date = D(2026, 12, 20), D(2026, 12, 21)
    case.save()
    return case


@pytest.fixture(autouse=True)
def today_is(monkeypatch):
    """Fix 'today' so statuses and date checks do not depend on when the suite runs."""

    def set_today(day: dt.date):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    set_today(D(2027, 1, 4))
    return set_today


def test_a_milestone_appears_with_its_date_and_how_it_was_reached(world, case):
    rule(amount=15, milestone="Rapid review to the Panel")
    process = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    m = milestone(process)
    assert m.trigger_date == D(2026, 12, 21)
    assert m.due_date == D(2027, 1, 14)  # skipping 25 and 28 Dec and 1 Jan
    assert "15 working days after Mon 21 Dec 2026 (local authority aware)" in m.explanation
    assert "25 and 28 Dec and 1 Jan" in m.explanation
    assert "Working Together 2023 ch.5; partly verified" in m.explanation


def test_a_rule_not_yet_in_force_on_the_trigger_date_makes_no_milestone(world, case):
    rule(effective_from=D(2027, 1, 1))
    process = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    assert not process.milestones.filter(rule__code="T1").exists()


def test_correcting_the_trigger_recomputes_and_keeps_the_correction(world, case):
    rule()
    process = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    assert milestone(process).due_date == D(2026, 12, 30)  # 22, 23, 24, 29, 30 Dec
    services.case_correct_dates(
        actor=world.manager, case=case, incident_date=D(2026, 12, 20), la_aware_date=D(2026, 12, 22),
        reason="The referral was logged a day late.",
    )  # fmt: skip
    m = milestone(process)
    assert (m.trigger_date, m.due_date) == (D(2026, 12, 22), D(2026, 12, 31))
    correction = m.adjustments.get()
    assert correction.kind == MilestoneAdjustment.Kind.TRIGGER_CORRECTED
    assert (correction.from_date, correction.to_date) == (D(2026, 12, 30), D(2026, 12, 31))


def test_reaching_the_completing_stage_meets_it_on_time_or_late(world, case, today_is):
    rule(completed_by_stage="notified")
    on_time = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    services.process_move(
        actor=world.manager, process=on_time, to_stage="notified", expected_stage="incident_identified",
        effective_on=D(2026, 12, 24),
    )  # fmt: skip
    m = milestone(on_time)
    assert m.completed_on == D(2026, 12, 24)
    assert clock.status_of(m, today=D(2027, 1, 4), process_paused=False) == Status.MET

    late = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    services.process_move(
        actor=world.manager, process=late, to_stage="notified", expected_stage="incident_identified",
        effective_on=D(2027, 1, 4),
    )  # fmt: skip
    m = milestone(late)
    assert m.due_date == D(2026, 12, 30) and m.completed_on == D(2027, 1, 4)
    assert clock.status_of(m, today=D(2027, 1, 5), process_paused=False) == Status.MET_LATE


def test_a_pause_stops_the_clock_and_resuming_moves_the_date_by_the_working_days_paused(world, case, today_is):
    rule(amount=15)
    process = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    assert milestone(process).due_date == D(2027, 1, 14)
    services.process_pause(
        actor=world.manager, process=process, reason=Pause.Reason.AWAITING_INFORMATION,
        explanation="Waiting for police.", paused_on=D(2027, 1, 4),
    )  # fmt: skip
    m = milestone(process)
    assert clock.status_of(m, today=D(2027, 1, 4), process_paused=True) == Status.PAUSED
    today_is(D(2027, 1, 11))
    services.process_resume(actor=world.manager, process=process, resumed_on=D(2027, 1, 11))
    m = milestone(process)
    # Paused Mon 4 to Mon 11 Jan: five working days, so Thu 14 Jan becomes Thu 21 Jan.
    assert m.due_date == D(2027, 1, 21)
    assert m.base_due_date == D(2027, 1, 14)
    shift = m.adjustments.get()
    assert (shift.kind, shift.from_date, shift.to_date) == ("pause", D(2027, 1, 14), D(2027, 1, 21))
    assert "Awaiting information" in shift.reason


def test_an_extension_is_a_record_with_who_and_on_what_basis(world, case):
    rule()
    process = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    m = milestone(process)
    with pytest.raises(ValidationError) as refused:
        clock.milestone_extend(
            actor=world.manager, milestone=m, new_due_date=D(2026, 12, 29), reason="", authorised_by="", basis=""
        )
    assert set(refused.value.message_dict) == {"new_due_date", "reason", "authorised_by", "basis"}
    clock.milestone_extend(
        actor=world.manager, milestone=m, new_due_date=D(2027, 1, 18), reason="Panel agreed more time.",
        authorised_by="Panel secretariat", basis="Panel letter of 4 Jan 2027",
    )  # fmt: skip
    m.refresh_from_db()
    assert m.due_date == D(2027, 1, 18)
    extension = m.adjustments.get()
    assert (extension.authorised_by, extension.basis) == ("Panel secretariat", "Panel letter of 4 Jan 2027")


def test_a_repeating_rule_produces_the_next_occurrence_from_the_last_update(world, case):
    rule(
        code="T5", process_kind="iopc_investigation", milestone="Progress update", trigger="stage:matter_recorded",
        trigger_label="handling started", amount=4, unit="weeks", repeat_every=4, repeat_unit="weeks",
        repeat_from="completion", repeat_until_stage="outcome_notified",
    )  # fmt: skip
    process = add_process(world, "iopc_investigation", opened_on=D(2026, 12, 21))
    first = milestone(process, "T5")
    assert first.due_date == D(2027, 1, 18)  # 28 days after 21 Dec 2026
    clock.milestone_complete(actor=world.manager, milestone=first, completed_on=D(2027, 1, 4), note="Letter sent.")
    second = milestone(process, "T5", occurrence=2)
    assert (second.trigger_date, second.due_date) == (D(2027, 1, 4), D(2027, 2, 1))


def test_a_local_rule_applies_only_to_its_own_partnership(world, case):
    rule(code="NSCP-1", partnership=world.partnership, force="local")
    mine = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    assert mine.milestones.filter(rule__code="NSCP-1").exists()

    other = PartnershipFactory(code="WSCP")
    other_manager = member(other.local_authority, "partnership_manager")
    other_case = open_case(manager=other_manager, partnership=other)
    theirs = services.process_add(
        actor=other_manager, case=other_case, kind="serious_incident_notification", owner=other.local_authority,
        opened_on=other_case.la_aware_date,
    )  # fmt: skip
    assert not theirs.milestones.filter(rule__code="NSCP-1").exists()


def test_a_partnership_chooses_between_alternative_triggers(world, case):
    rule(code="A-aware", alternative_group="start", default_alternative=True)
    from_notification = rule(code="A-incident", alternative_group="start", trigger="case:incident_date")
    first = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    assert set(first.milestones.values_list("rule__code", flat=True)) >= {"A-aware"}
    assert not first.milestones.filter(rule__code="A-incident").exists()

    RuleChoice.objects.create(
        partnership=world.partnership, alternative_group="start", rule=from_notification, chosen_by=world.manager,
        chosen_at=timezone.now(),
    )  # fmt: skip
    second = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    assert second.milestones.filter(rule__code="A-incident").exists()
    assert not second.milestones.filter(rule__code="A-aware").exists()


@pytest.mark.parametrize(
    ("due", "today", "expected"),
    [
        (D(2027, 1, 4), D(2027, 1, 5), Status.OVERDUE),
        (D(2027, 1, 4), D(2027, 1, 4), Status.DUE_TODAY),
        (D(2027, 1, 11), D(2027, 1, 4), Status.DUE_SOON),  # 5 working days ahead
        (D(2027, 1, 12), D(2027, 1, 4), Status.UPCOMING),  # 6 working days ahead
        (D(2026, 12, 31), D(2026, 12, 23), Status.DUE_SOON),  # 24, 29, 30, 31 Dec: 25 and 28 Dec are holidays
    ],
)
def test_status_of_an_open_milestone(due, today, expected):
    m = Milestone(due_date=due)
    assert clock.status_of(m, today=today, process_paused=False) == expected


def test_met_late_and_waived_statuses(world, case):
    rule()
    process = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    m = clock.milestone_complete(actor=world.manager, milestone=milestone(process), completed_on=D(2026, 12, 30))
    assert clock.status_of(m, today=D(2027, 1, 4), process_paused=False) == Status.MET
    m.completed_on = D(2026, 12, 31)
    assert clock.status_of(m, today=D(2027, 1, 5), process_paused=False) == Status.MET_LATE
    other = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    waived = clock.milestone_waive(actor=world.manager, milestone=milestone(other), reason="Criteria not met.")
    assert clock.status_of(waived, today=D(2027, 1, 4), process_paused=False) == Status.WAIVED


def test_a_calendar_day_deadline_moved_by_a_pause_onto_a_weekend_rolls_as_its_rule_says(world, case):
    rule(amount=10, unit="calendar_days")
    process = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    assert milestone(process).due_date == D(2026, 12, 31)
    services.process_pause(
        actor=world.manager, process=process, reason="other", explanation="Held.", paused_on=D(2026, 12, 28)
    )
    services.process_resume(actor=world.manager, process=process, resumed_on=D(2026, 12, 30))
    # Two days later is Sat 2 Jan 2027, which rolls to the next working day.
    assert milestone(process).due_date == D(2027, 1, 4)


def test_the_rapid_review_counts_15_working_days_from_the_notification_by_default(world, case):
    """The issue's own example, worked out by hand: 22, 23, 24, 29, 30, 31 Dec, 4-8 and 11-14 Jan."""
    notification = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 21))
    review = add_process(world, "rapid_review", opened_on=D(2026, 12, 21))
    assert not review.milestones.filter(rule__code="L4-SIN").exists()
    services.process_move(
        actor=world.manager, process=notification, to_stage="notified", expected_stage="incident_identified",
        effective_on=D(2026, 12, 21),
    )  # fmt: skip
    m = review.milestones.get(rule__code="L4-SIN")
    assert m.due_date == D(2027, 1, 14)
    assert m.explanation.startswith(
        "15 working days after Mon 21 Dec 2026 (notification), skipping 25 and 28 Dec and 1 Jan"
    )
    assert not review.milestones.filter(rule__code="L4").exists()  # the alternative from awareness
