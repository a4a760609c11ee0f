"""The clock against a deliberately naive reference: a walker that steps one day at a time.

The walker is the specification. It knows only the law's logic: the trigger day never counts (unless a rule
counts it as day 1); a pause from P to its resumption R holds the days P .. R-1; a working-day clock counts
only working days (not weekends, not England and Wales bank holidays); a calendar clock counts every day and
its last day, if it is not a working day, rolls once as the rule says. It shares no code with the clock: the
bank holidays come straight from the `holidays` package and months are added here by hand.

Hypothesis draws triggers from 2018 to 2035 and pauses around them (starting on the trigger day, over
weekends, over Christmas), and the clock must agree with the walker on every example, through the pure
arithmetic and through the services a partnership manager uses.
"""

import calendar
import datetime as dt
import itertools
from functools import cache

import holidays
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordination import clock, services
from coordination.models import Milestone, Pause
from coordination.working_days import Paused, compute_due, moved_by_pauses
from tests.factories import open_case, test_rule

D = dt.date
DAY = dt.timedelta(days=1)


# --- the walker -------------------------------------------------------------------------------------------------


@cache
def _bank_holidays(year: int) -> frozenset:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def working(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def held(day: dt.date, pauses) -> bool:
    return any(start <= day < resumed for start, resumed in pauses)


def months_later(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return D(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def period_end(trigger: dt.date, amount: int, unit: str) -> dt.date:
    """The last day of a calendar period that does not count the trigger day."""
    if unit == "months":
        return months_later(trigger, amount)
    return trigger + DAY * amount * (7 if unit == "weeks" else 1)


def walk(trigger, amount, unit, *, count_trigger_day=False, roll="next", pauses=()) -> dt.date:
    """The day the clock runs out, stepping one day at a time from the trigger."""
    if unit == "working_days":
        needed = amount
        counts = working
    else:
        needed = (period_end(trigger, amount, unit) - trigger).days
        counts = lambda day: True  # noqa: E731 - a calendar clock counts every day
    day, counted = trigger, 0
    if count_trigger_day and counts(trigger) and not held(trigger, pauses):
        counted = 1  # the trigger day is day 1 (a held or non-working trigger day is not)
    while counted < needed:
        day += DAY
        if counts(day) and not held(day, pauses):
            counted += 1
    if unit != "working_days" and roll != "none":
        while not working(day):
            day += DAY if roll == "next" else -DAY
    return day


def walk_extension(extended_to, unit, roll, *, since, pauses) -> dt.date:
    """An extension's date moved on by the clock days held from `since` up to it."""
    counts = working if unit == "working_days" else (lambda day: True)
    needed = sum(1 for n in range((extended_to - since).days + 1) if counts(since + DAY * n))
    days = [since + DAY * n for n in range((extended_to - since).days + 1)]
    moved = any(held(day, pauses) and counts(day) for day in days)
    if not moved:
        return extended_to
    day, counted = since - DAY, 0
    while counted < needed:
        day += DAY
        if counts(day) and not held(day, pauses):
            counted += 1
    if unit != "working_days" and roll != "none":
        while not working(day):
            day += DAY if roll == "next" else -DAY
    return day


# --- what Hypothesis draws ----------------------------------------------------------------------------------------

UNITS = st.sampled_from(["working_days", "calendar_days", "weeks", "months"])
ROLLS = st.sampled_from(["next", "previous", "none"])
# Triggers across 2018-2035 (from July 2018, when the test rules take effect), Christmas and Easter drawn often.
TRIGGERS = st.one_of(
    st.dates(min_value=D(2018, 7, 1), max_value=D(2035, 12, 31)),
    st.builds(lambda year, day: D(year, 12, 18) + DAY * day, st.integers(2018, 2035), st.integers(0, 14)),
    st.builds(lambda year, day: D(year, 3, 20) + DAY * day, st.integers(2019, 2035), st.integers(0, 30)),
)


@st.composite
def pauses_around(draw, trigger: dt.date):
    """Up to three pauses in date order, none overlapping: before the trigger, on it, after it, over weekends."""
    pauses, cursor = [], trigger - DAY * draw(st.integers(0, 20))
    for _ in range(draw(st.integers(0, 3))):
        start = cursor + DAY * draw(st.integers(0, 25))
        if draw(st.booleans()):
            start = max(start, trigger)  # often on or just after the trigger
        resumed = start + DAY * draw(st.integers(0, 40))
        pauses.append((start, resumed))
        cursor = resumed
    return pauses


def as_paused(pauses) -> list[Paused]:
    return [Paused(start, resumed) for start, resumed in pauses]


@st.composite
def clocks(draw):
    unit = draw(UNITS)
    amount = draw(st.integers(1, {"working_days": 40, "calendar_days": 90, "weeks": 12, "months": 14}[unit]))
    trigger = draw(TRIGGERS)
    return {
        "trigger": trigger,
        "amount": amount,
        "unit": unit,
        "count_trigger_day": draw(st.booleans()),
        "roll": draw(ROLLS),
        "pauses": draw(pauses_around(trigger)),
    }


# --- the arithmetic agrees with the walker ----------------------------------------------------------------------


@settings(max_examples=600, deadline=None)
@given(clocks())
def test_a_paused_clock_falls_due_where_the_walker_says(c):
    due = compute_due(
        c["trigger"], c["amount"], c["unit"], count_trigger_day=c["count_trigger_day"], roll=c["roll"],
        pauses=as_paused(c["pauses"]),
    )  # fmt: skip
    assert due.due == walk(**c)


@settings(max_examples=300, deadline=None)
@given(clocks(), st.integers(1, 60), st.integers(-10, 30))
def test_an_extension_moves_only_by_the_days_held_after_it_was_granted(c, later_by, granted_after):
    """An extension fixes a date as of the day it is granted; days held after that still move it."""
    extended_to = c["trigger"] + DAY * (30 + later_by)
    since = max(c["trigger"] + DAY, c["trigger"] + DAY * granted_after)
    moved, _ = moved_by_pauses(extended_to, c["unit"], c["roll"], since=since, pauses=as_paused(c["pauses"]))
    assert moved == walk_extension(extended_to, c["unit"], c["roll"], since=since, pauses=c["pauses"])


@settings(max_examples=200, deadline=None)
@given(TRIGGERS, st.integers(1, 6), st.sampled_from([("months", 12, 6), ("weeks", 4, 4), ("working_days", 10, 5)]))
def test_a_fixed_period_series_falls_on_the_anchors_anniversaries(anchor, occurrence, series):
    """PCMR 2020 reg 13: reports at the end of 12 months and of every 6 months after, from the same day."""
    unit, first, every = series
    rule = clock.TimescaleRule(amount=first, unit=unit, repeat_every=every, repeat_unit=unit, repeat_from="anchor")
    amount, counted_unit = clock.period(rule, occurrence)
    due = compute_due(anchor, amount, counted_unit)
    assert due.due == walk(anchor, first + (occurrence - 1) * every, unit)


# --- and so do the services ---------------------------------------------------------------------------------------

_EXAMPLE = itertools.count(1)  # each example's own rule and case: a failing example's rows stay behind
THE_FUTURE = D(2036, 6, 1)  # "today" for these examples, so every drawn trigger has happened


@pytest.fixture
def in_2036(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: THE_FUTURE)
    noon = timezone.make_aware(dt.datetime.combine(THE_FUTURE, dt.time(12)))
    monkeypatch.setattr(timezone, "now", lambda: noon)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(clocks(), st.data())
def test_pausing_extending_and_correcting_through_the_services_agrees_with_the_walker(world, in_2036, c, data):
    """A partnership manager records the trigger, pauses and resumes, extends the deadline, then corrects the
    trigger: every step's due date is the walker's, and the extension never undercuts the law's date."""
    n = next(_EXAMPLE)
    rule = test_rule(code=f"P{n}", amount=c["amount"], unit=c["unit"], count_trigger_day=c["count_trigger_day"],
                     roll=c["roll"], stops_for_pauses=True)  # fmt: skip
    opened = min([c["trigger"], *(start for start, _ in c["pauses"])])
    case = open_case(manager=world.manager, partnership=world.partnership, pseudonym=f"Child P{n}",
                     incident_date=opened, la_aware_date=c["trigger"])  # fmt: skip
    process = services.process_add(actor=world.manager, case=case, kind="serious_incident_notification",
                                   owner=world.council, opened_on=opened)  # fmt: skip

    def milestone() -> Milestone:
        return process.milestones.get(rule=rule)

    expected = {**c, "pauses": []}
    assert milestone().due_date == walk(**expected)
    for start, resumed in c["pauses"]:
        services.process_pause(actor=world.manager, process=process, reason=Pause.Reason.AWAITING_INFORMATION,
                               explanation="Held.", paused_on=start)  # fmt: skip
        services.process_resume(actor=world.manager, process=process, resumed_on=resumed)
        expected["pauses"].append((start, resumed))
        assert milestone().due_date == walk(**expected), f"after the pause {start}–{resumed}"

    extended_to = milestone().due_date + DAY * data.draw(st.integers(1, 40), label="extended by")
    clock.milestone_extend(actor=world.manager, milestone=milestone(), new_due_date=extended_to,
                           reason="More time.", authorised_by="Chair", basis="Agreed")  # fmt: skip
    assert milestone().due_date == extended_to

    corrected = c["trigger"] + DAY * data.draw(st.integers(-15, 60), label="trigger moved by")
    corrected = max(corrected, D(2018, 7, 1))
    if corrected == c["trigger"]:
        return
    services.case_correct_dates(actor=world.manager, case=case, incident_date=min(opened, corrected),
                                la_aware_date=corrected, reason="Logged on the wrong day.")  # fmt: skip
    law = walk(**{**expected, "trigger": corrected})
    m = milestone()
    assert m.due_date == max(law, extended_to), "an extension never makes the date earlier than the law's"
    assert m.extension_overtaken == (law > extended_to)
