"""Deadlines once real life adjusts them: pauses, rolls, repeats, extensions and corrections.

Each test names the rule of the clock it pins and the law behind it; every date was worked out by hand from the
calendar (England and Wales bank holidays: 25, 28 Dec 2026 and 1 Jan 2027; Good Friday 26 Mar 2027, Easter
Monday 29 Mar 2027).
"""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coordination import clock, corrections, services
from coordination.clock import Status
from coordination.models import Milestone, MilestoneAdjustment, Pause, Process, StageChange, TimescaleRule
from sharing import deadlines as sharing_deadlines
from tests.factories import REQUIRED_DETAILS, open_case, test_rule, verified_login

D = dt.date
JSON = "application/json"


@pytest.fixture(autouse=True)
def today_is(monkeypatch):
    """Fix the day (and the clock, at noon that day), so what is recorded "now" is recorded on that day."""

    def set_today(day: dt.date):
        noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        monkeypatch.setattr(timezone, "now", lambda: noon)

    set_today(D(2027, 9, 1))
    return set_today


def case_aware_on(world, day: dt.date, *, pseudonym="Child A"):
    return open_case(
        manager=world.manager,
        partnership=world.partnership,
        pseudonym=pseudonym,
        incident_date=day - dt.timedelta(1),
        la_aware_date=day,
    )


def notification(world, case, *, opened_on):
    return services.process_add(
        actor=world.manager, case=case, kind="serious_incident_notification", owner=world.council, opened_on=opened_on
    )


def process_since(world, kind: str, day: dt.date, **details):
    """A process of the kind opened on `day`, on a case of its own whose incident was that day."""
    case = case_aware_on(world, day + dt.timedelta(1), pseudonym=f"Child {kind}")
    return services.process_add(
        actor=world.manager,
        case=case,
        kind=kind,
        owner=world.council,
        opened_on=day,
        details=details or REQUIRED_DETAILS.get(kind),
    )


def pause(world, process, start, resumed=None, reason=Pause.Reason.AWAITING_INFORMATION):
    services.process_pause(actor=world.manager, process=process, reason=reason, explanation="Held.", paused_on=start)
    if resumed:
        services.process_resume(actor=world.manager, process=process, resumed_on=resumed)


def the(process, code, occurrence=1) -> Milestone:
    return Milestone.objects.get(process=process, rule__code=code, occurrence=occurrence)


def move(world, process, *stages_and_dates):
    for stage, on in stages_and_dates:
        services.process_move(
            actor=world.manager,
            process=process,
            to_stage=stage,
            expected_stage=Process.objects.get(pk=process.pk).stage,
            effective_on=on,
        )


# --- 1. The trigger day never counts; a pause holds only days the clock would count -------------------------------


def test_a_pause_holds_only_the_working_days_the_clock_counts_and_says_so(world):
    """Rule 1 (DOMAIN.md §2: the trigger day is excluded, as in the Police Conduct Regs 2020 regs 31 and 33).
    5 working days after Tue 6 Jul 2027 are 7, 8, 9, 12 and 13 Jul; paused 7-8 Jul, they are 9, 12, 13, 14, 15."""
    test_rule(amount=5)
    process = notification(world, case_aware_on(world, D(2027, 7, 6)), opened_on=D(2027, 7, 6))
    assert the(process, "T1").due_date == D(2027, 7, 13)
    pause(world, process, D(2027, 7, 7), D(2027, 7, 9))
    m = the(process, "T1")
    assert m.due_date == D(2027, 7, 15)
    assert m.explanation.startswith(
        "5 working days after Tue 6 Jul 2027 (local authority aware); paused 7–8 Jul 2027 (Awaiting information), "
        "2 working days; due Thu 15 Jul 2027. Working Together 2023 ch.5; partly verified."
    )
    shift = m.adjustments.get()
    assert (shift.kind, shift.from_date, shift.to_date) == (
        MilestoneAdjustment.Kind.PAUSE,
        D(2027, 7, 13),
        D(2027, 7, 15),
    )


@pytest.mark.parametrize(
    ("paused", "resumed", "due", "why"),
    [
        (D(2027, 7, 6), D(2027, 7, 7), D(2027, 7, 13), "only the trigger day, which never counts"),
        (D(2027, 7, 6), D(2027, 7, 8), D(2027, 7, 14), "the trigger day and Wed 7 Jul: one counted day"),
        (D(2027, 7, 10), D(2027, 7, 12), D(2027, 7, 13), "a weekend: no working day"),
        (D(2027, 7, 14), D(2027, 7, 20), D(2027, 7, 13), "after the clock had run out"),
    ],
)
def test_a_pause_moves_the_date_only_by_days_that_were_on_the_clock(world, paused, resumed, due, why):
    """Rule 1: a pause from P to R holds P .. R-1, and only days the clock would have counted."""
    test_rule(amount=5)
    process = notification(world, case_aware_on(world, D(2027, 7, 6)), opened_on=D(2027, 7, 6))
    pause(world, process, paused, resumed)
    assert the(process, "T1").due_date == due, why


def test_a_calendar_clock_is_rolled_once_after_the_pause_is_counted(world):
    """Rule 1, calendar days: 12 days after Mon 21 Dec 2026 end on Sat 2 Jan 2027, which rolls to Mon 4 Jan.
    Paused 28-29 Dec, the count ends two days later on Mon 4 Jan itself, a working day: no second roll."""
    test_rule(amount=12, unit="calendar_days")
    process = notification(world, case_aware_on(world, D(2026, 12, 21)), opened_on=D(2026, 12, 21))
    assert the(process, "T1").due_date == D(2027, 1, 4)
    pause(world, process, D(2026, 12, 28), D(2026, 12, 30))
    m = the(process, "T1")
    assert m.due_date == D(2027, 1, 4)
    assert "paused 28–29 Dec 2026 (Awaiting information), 2 days; due Mon 4 Jan 2027" in m.explanation


# --- 2. A trigger inside a pause -------------------------------------------------------------------------------------


def test_a_clock_started_while_its_process_is_paused_loses_only_the_days_after_its_trigger(world, today_is):
    """Rule 2: the process is paused from Fri 2 Jul 2027; the event is recorded for Tue 6 Jul; it resumes on
    Fri 9 Jul. Only Wed 7 and Thu 8 were on this clock, so 5 working days fall on Thu 15 Jul."""
    test_rule(code="T2", trigger="event:looked_after_child_death", trigger_label="death of the looked-after child")
    case = case_aware_on(world, D(2027, 7, 1))
    process = notification(world, case, opened_on=D(2027, 7, 1))
    today_is(D(2027, 7, 6))
    pause(world, process, D(2027, 7, 2))
    clock.process_record_event(
        actor=world.manager, process=process, key="looked_after_child_death", occurred_on=D(2027, 7, 6)
    )
    m = the(process, "T2")
    assert m.due_date == D(2027, 7, 13)
    assert clock.status_of(m, today=D(2027, 7, 6), process_paused=True) == Status.PAUSED
    today_is(D(2027, 7, 9))
    services.process_resume(actor=world.manager, process=process, resumed_on=D(2027, 7, 9))
    assert the(process, "T2").due_date == D(2027, 7, 15)


# --- 3. Fixed-period series run from the anchor's anniversaries -----------------------------------------------------


def test_the_iopc_12_and_6_monthly_reports_run_from_the_same_day_whatever_happened_to_earlier_ones(world, today_is):
    """Rule 3, PCMR 2020 reg 13: a report at the end of 12 months, then of every 6 months, from Sat 5 Mar 2022.
    The first falls on Sun 5 Mar 2023 and rolls to Mon 6 Mar; it is extended to Fri 31 Mar and given on 30 Mar.
    The second is still Tue 5 Sep 2023 (18 months), the third Tue 5 Mar 2024 (24 months)."""
    today_is(D(2024, 6, 1))
    iopc = process_since(world, "iopc_investigation", D(2022, 3, 5))
    clock.process_record_event(
        actor=world.manager, process=iopc, key="matter_came_to_attention", occurred_on=D(2022, 3, 5)
    )
    first = the(iopc, "I7")
    assert first.due_date == D(2023, 3, 6)
    clock.milestone_extend(
        actor=world.manager,
        milestone=first,
        new_due_date=D(2023, 3, 31),
        reason="Complex.",
        authorised_by="Director General",
        basis="PCMR 2020 reg 13",
    )
    clock.milestone_complete(actor=world.manager, milestone=the(iopc, "I7"), completed_on=D(2023, 3, 30))
    second = the(iopc, "I7", 2)
    assert (second.trigger_date, second.due_date) == (D(2022, 3, 5), D(2023, 9, 5))
    assert second.explanation.startswith("18 months after Sat 5 Mar 2022")
    clock.milestone_complete(actor=world.manager, milestone=second, completed_on=D(2023, 9, 5))
    assert the(iopc, "I7", 3).due_date == D(2024, 3, 5)


# --- 4. "At most N days apart" series -----------------------------------------------------------------------------


def test_progress_updates_are_never_more_than_four_weeks_apart(world, today_is):
    """Rule 4, PCMR 2020 reg 34(2)(a): within four weeks of the start of handling, then of the previous update.
    Handling started Sun 10 Jan 2027: 28 days later is Sun 7 Feb, which moves back to Fri 5 Feb. The next counts
    from the day an update was actually given (Mon 1 Mar): Mon 29 Mar is Easter Monday, so Thu 25 Mar (Good Friday
    is not a working day either)."""
    today_is(D(2027, 3, 2))
    iopc = process_since(world, "iopc_investigation", D(2027, 1, 4))
    clock.process_record_event(actor=world.manager, process=iopc, key="handling_started", occurred_on=D(2027, 1, 10))
    first = the(iopc, "I5")
    assert first.due_date == D(2027, 2, 5)
    clock.milestone_complete(actor=world.manager, milestone=first, completed_on=D(2027, 2, 5))
    second = the(iopc, "I5", 2)
    assert (second.trigger_date, second.due_date) == (D(2027, 2, 5), D(2027, 3, 5))
    clock.milestone_complete(actor=world.manager, milestone=second, completed_on=D(2027, 3, 1))
    third = the(iopc, "I5", 3)
    assert (third.trigger_date, third.due_date) == (D(2027, 3, 1), D(2027, 3, 25))
    for m in (first, second, third):
        assert (the(iopc, "I5", m.occurrence).due_date - m.trigger_date).days <= 28

    # Correcting when the previous update was given is correcting where the next one counts from.
    corrections.milestone_trigger_correct(
        actor=world.manager, milestone=third, trigger_date=D(2027, 2, 26), reason="The letter went on the Friday."
    )
    third = the(iopc, "I5", 3)
    assert (third.trigger_date, third.due_date) == (D(2027, 2, 26), D(2027, 3, 25))  # Fri 26 Mar is Good Friday
    assert the(iopc, "I5", 2).completed_on == D(2027, 2, 26)


# --- 5. Which clocks a pause stops ----------------------------------------------------------------------------------


def test_a_pause_does_not_move_a_limit_the_statute_keeps_running(world):
    """Rule 5: the coroner's 12-month notice (CJA 2009) and 6-month inquest (Coroners (Inquests) Rules 2013 r8)
    run from Mon 3 May 2027 whatever happens to the inquest: suspended from 1 Jun to 1 Aug 2027, they stay
    Wed 3 Nov 2027 and Wed 3 May 2028, and say why."""
    inquest = process_since(world, "coronial_investigation", D(2027, 5, 3), coroner_aware_date=D(2027, 5, 3))
    pause(world, inquest, D(2027, 6, 1), reason=Pause.Reason.CORONER_SUSPENSION)
    c5 = the(inquest, "C5")
    assert clock.status_of(c5, today=D(2027, 9, 1), process_paused=True) == Status.UPCOMING
    services.process_resume(actor=world.manager, process=inquest, resumed_on=D(2027, 8, 1))
    assert (the(inquest, "C3").due_date, the(inquest, "C5").due_date) == (D(2027, 11, 3), D(2028, 5, 3))
    assert "keeps running while the process is paused: set by statute" in the(inquest, "C5").explanation
    assert not the(inquest, "C5").adjustments.exists()


def test_a_custody_time_limit_keeps_running_while_the_prosecution_is_paused(world):
    """Rule 5: a custody time limit is the court's (POA 1985 s22); 182 days from sending on Mon 5 Jul 2027 end on
    Mon 3 Jan 2028, a bank holiday (New Year's Day falls on a Saturday), so the limit expires on the preceding working
    day, Fri 31 Dec 2027 (CTL Regs 1987 reg 2(5))."""
    criminal = process_since(world, "criminal_investigation", D(2027, 6, 1))
    kind = criminal.kind_def
    path, stage = [], kind.first_stage.key
    while stage != "sent_to_crown_court":
        stage = next(s for s in kind.stage(stage).next if s in _path_to(kind, "sent_to_crown_court"))
        path.append((stage, D(2027, 7, 5)))
    move(world, criminal, *path)
    assert the(criminal, "K1").due_date == D(2027, 12, 31)
    pause(world, criminal, D(2027, 7, 6), D(2027, 8, 20), reason=Pause.Reason.OTHER)
    assert the(criminal, "K1").due_date == D(2027, 12, 31)


def _path_to(kind, target: str) -> set[str]:
    """Stages from which `target` can be reached (itself included)."""
    reach, grown = {target}, True
    while grown:
        grown = False
        for stage in kind.stages:
            if stage.key not in reach and reach & set(stage.next):
                reach.add(stage.key)
                grown = True
    return reach


# --- 6. An extension never makes a date earlier than the law's -----------------------------------------------------


def test_an_extension_overtaken_by_a_corrected_trigger_gives_way_to_the_law_and_is_flagged(world, client):
    """Rule 6: 5 working days after Mon 21 Dec 2026 are 22, 23, 24, 29 and 30 Dec. Extended to Mon 4 Jan 2027, then
    the trigger is corrected to Mon 4 Jan: the law now gives Mon 11 Jan, which stands, and the extension is flagged.
    Corrected back, the extension stands again."""
    test_rule(amount=5)
    case = case_aware_on(world, D(2026, 12, 21))
    process = notification(world, case, opened_on=D(2026, 12, 21))
    m = the(process, "T1")
    assert m.due_date == D(2026, 12, 30)
    clock.milestone_extend(
        actor=world.manager,
        milestone=m,
        new_due_date=D(2027, 1, 4),
        reason="Panel agreed.",
        authorised_by="Panel secretariat",
        basis="Letter of 29 Dec 2026",
    )
    corrections.milestone_trigger_correct(
        actor=world.manager,
        milestone=the(process, "T1"),
        trigger_date=D(2027, 1, 4),
        reason="The referral was found later.",
    )
    m = the(process, "T1")
    assert (m.due_date, m.extension_overtaken) == (D(2027, 1, 11), True)
    assert "an extension to Mon 4 Jan 2027 is now earlier than the law's date" in m.explanation
    verified_login(client, world.manager)
    page = client.get(reverse("process-detail", args=[case.reference, process.pk])).content.decode()
    assert "Extension to review" in page and "The referral was found later." in page

    corrections.milestone_trigger_correct(
        actor=world.manager, milestone=m, trigger_date=D(2026, 12, 21), reason="It was the 21st after all."
    )
    m = the(process, "T1")
    assert (m.due_date, m.extension_overtaken) == (D(2027, 1, 4), False)
    assert "extended to Mon 4 Jan 2027 (authorised by Panel secretariat)" in m.explanation
    kinds = list(m.adjustments.values_list("kind", "from_date", "to_date"))
    assert kinds == [
        ("extension", D(2026, 12, 30), D(2027, 1, 4)),
        ("trigger_corrected", D(2027, 1, 4), D(2027, 1, 11)),
        ("trigger_corrected", D(2027, 1, 11), D(2027, 1, 4)),
    ]


def test_a_pause_after_an_extension_moves_the_extended_date_by_the_days_it_held(world, today_is):
    """Rule 6 with rule 1: extended on 30 Dec 2026 to Mon 11 Jan 2027, then paused Tue 5 to Thu 7 Jan (resumed
    Thu 7): two working days held, so the extended date moves to Wed 13 Jan."""
    test_rule(amount=5)
    process = notification(world, case_aware_on(world, D(2026, 12, 21)), opened_on=D(2026, 12, 21))
    today_is(D(2026, 12, 30))
    clock.milestone_extend(
        actor=world.manager,
        milestone=the(process, "T1"),
        new_due_date=D(2027, 1, 11),
        reason="More time.",
        authorised_by="Chair",
        basis="Agreed",
    )
    today_is(D(2027, 1, 7))
    pause(world, process, D(2027, 1, 5), D(2027, 1, 7))
    m = the(process, "T1")
    assert m.due_date == D(2027, 1, 13)
    assert "then moved on by 2 working days paused since, to Wed 13 Jan 2027" in m.explanation


# --- 7. No met date in the future, none before the trigger ---------------------------------------------------------


def test_a_notice_sent_before_the_planned_date_is_met_on_the_day_it_was_sent(world):
    """Rule 7: the pre-publication notice is 7 working days before the planned publication (Fri 1 Oct 2027), i.e.
    Wed 22 Sep. Sending it on Wed 1 Sep meets it on 1 Sep, not on the planned date in the future."""
    lcspr = process_since(
        world, "lcspr", D(2027, 3, 1), decision_date=D(2027, 3, 1), planned_publication_date=D(2027, 10, 1)
    )
    assert the(lcspr, "L10").due_date == D(2027, 9, 22)
    on = D(2027, 9, 1)
    move(
        world,
        lcspr,
        ("reviewer_appointed", on),
        ("information_gathering", on),
        ("analysis", on),
        ("draft_report", on),
        ("quality_assurance", on),
        ("final_report_agreed", on),
        ("pre_publication_notice_sent", on),
    )
    assert the(lcspr, "L10").completed_on == D(2027, 9, 1)


def test_a_milestone_cannot_be_met_in_the_future_or_before_its_clock_started(world):
    """Rule 7, by hand: both refusals say why."""
    test_rule(amount=5)
    process = notification(world, case_aware_on(world, D(2027, 7, 6)), opened_on=D(2027, 7, 6))
    with pytest.raises(ValidationError) as refused:
        clock.milestone_complete(actor=world.manager, milestone=the(process, "T1"), completed_on=D(2027, 9, 2))
    assert refused.value.message_dict == {"completed_on": ["The date it was met cannot be in the future."]}
    with pytest.raises(ValidationError) as refused:
        clock.milestone_complete(actor=world.manager, milestone=the(process, "T1"), completed_on=D(2027, 7, 5))
    assert refused.value.message_dict == {"completed_on": ["Its clock started on 6 July 2027."]}


def test_a_clock_counted_forward_cannot_start_on_a_day_still_to_come(world):
    """Rule 7: the LCSPR's 6 months run from the decision to review, which must have been made."""
    lcspr = process_since(world, "lcspr", D(2027, 3, 1))
    with pytest.raises(ValidationError) as refused:
        services.process_details_update(actor=world.manager, process=lcspr, details={"decision_date": D(2027, 9, 8)})
    assert "is in the future: rule L9" in str(refused.value)


# --- 8. Every trigger can be corrected ------------------------------------------------------------------------------


def test_a_clock_started_by_a_stage_is_corrected_with_the_stage_date_and_both_dates_kept(world, client):
    """Rule 8, Police (Conduct) Regs 2020 reg 31(4): witness lists 3 working days after the officer's response.
    Recorded as reached on Mon 2 Aug 2027 (due Thu 5 Aug), corrected to Fri 30 Jul (due Wed 4 Aug)."""
    misconduct = process_since(world, "misconduct_proceedings", D(2027, 6, 1))
    move(
        world,
        misconduct,
        ("severity_assessment", D(2027, 6, 2)),
        ("investigation", D(2027, 6, 3)),
        ("investigation_report", D(2027, 7, 1)),
        ("case_to_answer_decision", D(2027, 7, 5)),
        ("referred", D(2027, 7, 6)),
        ("officer_response", D(2027, 8, 2)),
    )
    assert the(misconduct, "M8").due_date == D(2027, 8, 5)
    with pytest.raises(ValidationError) as refused:
        corrections.milestone_trigger_correct(
            actor=world.manager, milestone=the(misconduct, "M8"), trigger_date=D(2027, 7, 5), reason="Typo."
        )
    assert refused.value.message_dict["trigger_date"] == [
        "It reached “Referred to proceedings (regulation 30 notice)” on 6 July 2027, so it cannot have reached "
        "“Officer's response” before then."
    ]
    corrections.milestone_trigger_correct(
        actor=world.manager,
        milestone=the(misconduct, "M8"),
        trigger_date=D(2027, 7, 30),
        reason="The response came on the Friday.",
    )
    m = the(misconduct, "M8")
    assert (m.trigger_date, m.due_date) == (D(2027, 7, 30), D(2027, 8, 4))
    correction = m.adjustments.get()
    assert (correction.from_date, correction.to_date) == (D(2027, 8, 5), D(2027, 8, 4))
    assert (
        correction.reason
        == "Officer's response corrected from 2 Aug 2027 to 30 Jul 2027. The response came on the Friday."
    )
    change = StageChange.objects.get(process=misconduct, to_stage="officer_response")
    assert (change.effective_on, change.corrected_from) == (D(2027, 7, 30), D(2027, 8, 2))
    verified_login(client, world.manager)
    history = client.get(reverse("process-detail", args=[misconduct.case.reference, misconduct.pk]))
    assert "Date corrected from 2 Aug 2027: The response came on the Friday." in history.content.decode()


def test_a_clock_started_by_another_process_is_corrected_at_that_process(world):
    """Rule 8 with L4-SIN (Working Together 2023 ch.5): 15 working days from the notification. Notified Mon 21 Dec
    2026 gives Thu 14 Jan 2027; the notification's date corrected to Tue 22 Dec gives Fri 15 Jan."""
    case = case_aware_on(world, D(2026, 12, 21))
    sin = notification(world, case, opened_on=D(2026, 12, 21))
    review = services.process_add(
        actor=world.manager, case=case, kind="rapid_review", owner=world.council, opened_on=D(2026, 12, 21)
    )
    move(world, sin, ("notified", D(2026, 12, 21)))
    assert the(review, "L4-SIN").due_date == D(2027, 1, 14)
    corrections.milestone_trigger_correct(
        actor=world.manager,
        milestone=the(review, "L4-SIN"),
        trigger_date=D(2026, 12, 22),
        reason="Sent after midnight.",
    )
    assert the(review, "L4-SIN").due_date == D(2027, 1, 15)
    assert StageChange.objects.get(process=sin, to_stage="notified").effective_on == D(2026, 12, 22)


# --- 9. The calendar has edges ---------------------------------------------------------------------------------------


def test_a_count_past_the_known_bank_holidays_is_refused_in_the_form_and_the_api(world, client):
    """Rule 9: England and Wales bank holidays are known to 2100; a pre-publication notice counted back from a
    date in 2101 cannot be worked out, and saying so beats a date that silently ignores the holidays."""
    lcspr = process_since(world, "lcspr", D(2027, 3, 1))
    with pytest.raises(ValidationError) as refused:
        services.process_details_update(
            actor=world.manager, process=lcspr, details={"planned_publication_date": D(2101, 1, 14)}
        )
    assert "bank holidays are not known for 2101" in str(refused.value)

    verified_login(client, world.manager)
    url = reverse("process-details", args=[lcspr.case.reference, lcspr.pk])
    response = client.post(url, {"decision_date": "2027-03-01", "planned_publication_date": "2101-01-14"})
    assert response.status_code == 200 and "bank holidays are not known for 2101" in response.content.decode()

    services.process_details_update(
        actor=world.manager, process=lcspr, details={"planned_publication_date": D(2027, 10, 1)}
    )
    api = client.post(
        f"/api/v1/milestones/{the(lcspr, 'L10').pk}/correct-trigger/",
        {"trigger_date": "2101-01-14", "reason": "Moved."},
        content_type=JSON,
        headers={"If-Match": client.get(f"/api/v1/milestones/{the(lcspr, 'L10').pk}/")["ETag"]},
    )
    assert api.status_code == 400 and "bank holidays are not known for 2101" in api.content.decode()
    assert the(lcspr, "L10").due_date == D(2027, 9, 22)  # nothing saved was lost


# --- 10. Cases from before Working Together 2023 --------------------------------------------------------------------


def test_an_older_case_gets_its_milestones_under_the_guidance_then_in_force(world, today_is):
    """Rule 10: the notification's 5 working days stood under Working Together 2018 too. Aware Mon 4 Mar 2019:
    due Mon 11 Mar 2019, citing the 2018 edition. Corrected to Mon 8 Jan 2024, the 2023 edition applies instead."""
    today_is(D(2024, 2, 1))
    case = case_aware_on(world, D(2019, 3, 4))
    sin = notification(world, case, opened_on=D(2019, 3, 4))
    old = the(sin, "L1-2018")
    assert old.due_date == D(2019, 3, 11)
    assert "Working Together 2018 ch.4" in old.explanation
    assert not sin.milestones.filter(rule__code="L1").exists()
    services.case_correct_dates(
        actor=world.manager, case=case, incident_date=D(2024, 1, 7), la_aware_date=D(2024, 1, 8), reason="Wrong year."
    )
    old = the(sin, "L1-2018")
    assert old.waived_at is not None and "rule then in force applies instead" in old.waiver_reason
    new = the(sin, "L1")
    assert new.due_date == D(2024, 1, 15) and "Working Together 2023 ch.5" in new.explanation


def test_the_rapid_review_choice_covers_the_2018_edition(world, today_is):
    """Rule 10: a partnership that counts the rapid review from awareness does so for older cases too."""
    today_is(D(2024, 2, 1))
    from_awareness = TimescaleRule.objects.get(code="L4")
    from coordination import rules

    rules.alternative_choose(actor=world.manager, partnership=world.partnership, rule=from_awareness)
    case = case_aware_on(world, D(2019, 3, 4))
    review = services.process_add(
        actor=world.manager, case=case, kind="rapid_review", owner=world.council, opened_on=D(2019, 3, 4)
    )
    assert list(review.milestones.values_list("rule__code", flat=True)) == ["L4-2018"]


# --- 11. Tags tell the truth ----------------------------------------------------------------------------------------


def test_every_seeded_rules_tags_match_what_its_source_says(world):
    """Rule 11: force and [V]/[P]/[U] as DOMAIN.md §1 gives them for the source cited."""
    sharing_deadlines.seed_rules()
    rules = {rule.code: rule for rule in TimescaleRule.objects.filter(partnership=None)}
    assert (rules["L3"].force, rules["L3"].verification) == ("statute", "U")  # MUST; provision and clock unverified
    assert rules["C5"].verification == "P"  # the duty verified, the section number not
    assert (rules["IS1"].force, rules["IS1"].verification) == ("local", "U")  # Parallel's default, an assumption
    assert rules["K1"].effective_from == rules["K1-56"].effective_from == D(1987, 4, 1)
    assert rules["I5"].roll == "previous"
    for rule in rules.values():
        rule.full_clean()  # within every column's limits, so PostgreSQL stores what SQLite would
        if rule.verification == "V":
            assert "not verified" not in rule.source and "believed" not in rule.source.lower(), rule.code
        assert rule.stops_for_pauses == (rule.force != "statute" and rule.direction == "after"), rule.code


# --- The same dates through the browser and the API ---------------------------------------------------------------


def test_the_browser_and_the_api_give_the_same_dates_as_the_services(world, client):
    """A pause, an extension and a trigger correction made through the pages and through the API land on the
    dates the services give (worked by hand: 5 working days after Tue 6 Jul 2027, paused 7-8 Jul: Thu 15 Jul;
    extended to Fri 23 Jul; trigger corrected to Fri 9 Jul: the law gives Fri 16 Jul, the extension stands)."""
    test_rule(amount=5)
    by_service, by_page, by_api = (
        notification(world, case_aware_on(world, D(2027, 7, 6), pseudonym=f"Child {n}"), opened_on=D(2027, 7, 6))
        for n in "SPA"
    )
    pause(world, by_service, D(2027, 7, 7), D(2027, 7, 9))
    clock.milestone_extend(
        actor=world.manager,
        milestone=the(by_service, "T1"),
        new_due_date=D(2027, 7, 23),
        reason="More time.",
        authorised_by="Chair",
        basis="Agreed",
    )
    corrections.milestone_trigger_correct(
        actor=world.manager, milestone=the(by_service, "T1"), trigger_date=D(2027, 7, 9), reason="Logged late."
    )

    verified_login(client, world.manager)
    ref, pk = by_page.case.reference, by_page.pk
    assert (
        client.post(
            reverse("process-pause", args=[ref, pk]),
            {"reason": "awaiting_information", "explanation": "Held.", "paused_on": "2027-07-07"},
        ).status_code
        == 302
    )
    assert client.post(reverse("process-resume", args=[ref, pk]), {"resumed_on": "2027-07-09"}).status_code == 302
    milestone = the(by_page, "T1").pk
    assert (
        client.post(
            reverse("milestone-action", args=[ref, milestone, "extend"]),
            {"new_due_date": "2027-07-23", "reason": "More time.", "authorised_by": "Chair", "basis": "Agreed"},
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("milestone-action", args=[ref, milestone, "correct"]),
            {"trigger_date": "2027-07-09", "reason": "Logged late."},
        ).status_code
        == 302
    )

    api = Client()
    verified_login(api, world.manager)
    url = f"/api/v1/processes/{by_api.pk}/"

    def post(resource, action, body):
        etag = api.get(resource)["ETag"]
        response = api.post(resource + action, body, content_type=JSON, headers={"If-Match": etag})
        assert response.status_code == 200, response.content
        return response

    post(url, "pause/", {"reason": "awaiting_information", "explanation": "Held.", "paused_on": "2027-07-07"})
    post(url, "resume/", {"resumed_on": "2027-07-09"})
    milestone_url = f"/api/v1/milestones/{the(by_api, 'T1').pk}/"
    post(
        milestone_url,
        "extend/",
        {"new_due_date": "2027-07-23", "reason": "More time.", "authorised_by": "Chair", "basis": "Agreed"},
    )
    answer = post(milestone_url, "correct-trigger/", {"trigger_date": "2027-07-09", "reason": "Logged late."}).json()

    expected = the(by_service, "T1")
    assert (expected.trigger_date, expected.due_date) == (D(2027, 7, 9), D(2027, 7, 23))
    for process in (by_page, by_api):
        m = the(process, "T1")
        assert (m.trigger_date, m.due_date, m.explanation) == (
            expected.trigger_date,
            expected.due_date,
            expected.explanation,
        )
    assert (answer["trigger_date"], answer["due_date"]) == ("2027-07-09", "2027-07-23")
    assert answer["explanation"].startswith(
        "5 working days after Fri 9 Jul 2027 (local authority aware); extended to Fri 23 Jul 2027 (authorised by Chair)"
    )


def test_recalculating_after_an_upgrade_corrects_old_dates_and_keeps_the_old_ones(world, today_is):
    """A 6-monthly report made by the old clock counted from the previous report's rolled date (Mon 6 Mar 2023 +
    6 months = Wed 6 Sep 2023); recalculated, it falls on Tue 5 Sep 2023, 18 months after Sat 5 Mar 2022."""
    today_is(D(2023, 6, 1))
    iopc = process_since(world, "iopc_investigation", D(2022, 3, 5))
    clock.process_record_event(actor=world.manager, process=iopc, key="matter_came_to_attention",
                               occurred_on=D(2022, 3, 5))  # fmt: skip
    clock.milestone_complete(actor=world.manager, milestone=the(iopc, "I7"), completed_on=D(2023, 3, 6))
    Milestone.objects.filter(pk=the(iopc, "I7", 2).pk).update(trigger_date=D(2023, 3, 6), due_date=D(2023, 9, 6))
    out = io.StringIO()
    call_command("recalculate_deadlines", "--as", world.manager.username, stdout=out)
    second = the(iopc, "I7", 2)
    assert (second.trigger_date, second.due_date) == (D(2022, 3, 5), D(2023, 9, 5))
    history = second.adjustments.get()
    assert (history.kind, history.from_date, history.to_date) == ("recalculated", D(2023, 9, 6), D(2023, 9, 5))
    assert out.getvalue() == "Checked 1 process with open deadlines; 1 date moved.\n"
    call_command("recalculate_deadlines", "--as", world.manager.username, stdout=io.StringIO())
    assert the(iopc, "I7", 2).adjustments.count() == 1  # nothing moves the second time
