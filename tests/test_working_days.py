"""Deadline arithmetic for England and Wales (DOMAIN.md §2).

Every expected date below was worked out by hand from a printed calendar and the gov.uk bank-holiday
list, not by running the code. The dates that matter:

  2026  Good Friday Fri 3 Apr, Easter Monday Mon 6 Apr; Christmas Fri 25 Dec, Boxing Day Sat 26 Dec
        (substitute Mon 28 Dec)
  2027  New Year Fri 1 Jan; Good Friday Fri 26 Mar, Easter Monday Mon 29 Mar; early May Mon 3 May;
        spring Mon 31 May; Christmas Sat 25 / Boxing Day Sun 26 Dec (substitutes Mon 27, Tue 28 Dec)
  2028  New Year Sat 1 Jan (substitute Mon 3 Jan); 29 Feb exists
  2023  Coronation of Charles III, Mon 8 May (a one-off day)
"""

from datetime import date, datetime

import pytest

from coordination.working_days import (
    Direction,
    Roll,
    Unit,
    add_months,
    add_working_days,
    compute_due,
    is_working_day,
    non_working_reason,
    working_days_between,
)

OFFICE_MOVE = {date(2027, 6, 9): "Office move"}  # a Wednesday


@pytest.mark.parametrize(
    ("day", "closures", "reason"),
    [
        pytest.param(date(2026, 6, 6), (), "Saturday", id="saturday"),
        pytest.param(date(2026, 6, 7), (), "Sunday", id="sunday"),
        pytest.param(date(2026, 6, 8), (), None, id="ordinary-monday"),
        pytest.param(date(2026, 12, 25), (), "Christmas Day", id="christmas-day"),
        pytest.param(date(2026, 12, 28), (), "Boxing Day (observed)", id="boxing-day-substitute-2026"),
        pytest.param(date(2027, 12, 27), (), "Christmas Day (observed)", id="christmas-substitute-2027"),
        pytest.param(date(2027, 12, 28), (), "Boxing Day (observed)", id="boxing-day-substitute-2027"),
        pytest.param(date(2026, 4, 3), (), "Good Friday", id="good-friday-2026"),
        pytest.param(date(2027, 3, 29), (), "Easter Monday", id="easter-monday-2027"),
        pytest.param(date(2023, 5, 8), (), "Coronation of Charles III", id="one-off-coronation"),
        pytest.param(date(2027, 6, 9), OFFICE_MOVE, "Office move", id="named-closure"),
        pytest.param(date(2027, 6, 9), {date(2027, 6, 9)}, "Local closure day", id="unnamed-closure-set"),
        pytest.param(date(2027, 6, 9), {date(2027, 6, 9): ""}, "Local closure day", id="closure-with-blank-name"),
        pytest.param(date(2027, 6, 9), (), None, id="same-day-without-closure"),
    ],
)
def test_non_working_reason(day, closures, reason):
    assert non_working_reason(day, closures) == reason
    assert is_working_day(day, closures) is (reason is None)


@pytest.mark.parametrize(
    ("day", "n", "closures", "expected"),
    [
        pytest.param(date(2026, 6, 5), 1, (), date(2026, 6, 8), id="friday-plus-1-is-monday"),
        pytest.param(date(2026, 12, 24), 1, (), date(2026, 12, 29), id="christmas-eve-plus-1"),
        pytest.param(date(2026, 12, 29), -1, (), date(2026, 12, 24), id="backwards-over-christmas"),
        pytest.param(date(2027, 1, 4), -1, (), date(2026, 12, 31), id="backwards-over-new-year"),
        pytest.param(date(2026, 12, 26), 0, (), date(2026, 12, 26), id="zero-returns-day-even-if-holiday"),
        pytest.param(date(2027, 6, 8), 1, OFFICE_MOVE, date(2027, 6, 10), id="over-closure"),
    ],
)
def test_add_working_days(day, n, closures, expected):
    assert add_working_days(day, n, closures) == expected


@pytest.mark.parametrize(
    ("start", "end", "closures", "expected"),
    [
        pytest.param(date(2026, 6, 8), date(2026, 6, 15), (), 5, id="one-week"),
        pytest.param(date(2026, 6, 6), date(2026, 6, 8), (), 0, id="weekend-only"),
        pytest.param(date(2026, 12, 21), date(2027, 1, 4), (), 7, id="christmas-2026"),
        pytest.param(date(2026, 12, 22), date(2027, 1, 15), (), 15, id="matches-15-wd-deadline"),
        pytest.param(date(2027, 3, 25), date(2027, 4, 1), (), 3, id="easter-2027"),
        pytest.param(date(2027, 6, 7), date(2027, 6, 14), OFFICE_MOVE, 4, id="closure"),
        pytest.param(date(2026, 6, 8), date(2026, 6, 8), (), 0, id="empty-range"),
        pytest.param(date(2027, 1, 4), date(2026, 12, 21), (), 0, id="end-before-start"),
    ],
)
def test_working_days_between(start, end, closures, expected):
    assert working_days_between(start, end, closures) == expected


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        pytest.param(date(2026, 8, 31), 6, date(2027, 2, 28), id="31-aug-to-28-feb"),
        pytest.param(date(2027, 8, 31), 6, date(2028, 2, 29), id="31-aug-to-29-feb-leap"),
        pytest.param(date(2026, 11, 30), 3, date(2027, 2, 28), id="30-nov-plus-3"),
        pytest.param(date(2027, 11, 30), 3, date(2028, 2, 29), id="30-nov-plus-3-leap"),
        pytest.param(date(2026, 12, 31), 2, date(2027, 2, 28), id="across-year-end"),
        pytest.param(date(2028, 2, 29), 12, date(2029, 2, 28), id="leap-day-plus-a-year"),
        pytest.param(date(2027, 3, 31), -1, date(2027, 2, 28), id="backwards-clamps"),
        pytest.param(date(2027, 1, 15), -2, date(2026, 11, 15), id="backwards-across-year"),
        pytest.param(date(2027, 6, 15), 0, date(2027, 6, 15), id="zero"),
    ],
)
def test_add_months(day, n, expected):
    assert add_months(day, n) == expected


AFTER, BEFORE = Direction.AFTER, Direction.BEFORE


@pytest.mark.parametrize(
    ("trigger", "n", "direction", "count_trigger_day", "closures", "due", "skipped"),
    [
        pytest.param(date(2026, 6, 5), 1, AFTER, False, (), date(2026, 6, 8), (), id="friday-plus-1"),
        pytest.param(date(2026, 6, 5), 5, AFTER, False, (), date(2026, 6, 12), (), id="friday-plus-5"),
        pytest.param(date(2026, 6, 6), 1, AFTER, False, (), date(2026, 6, 8), (), id="saturday-trigger"),
        pytest.param(date(2026, 6, 6), 1, AFTER, True, (), date(2026, 6, 8), (), id="saturday-trigger-counted"),
        pytest.param(date(2026, 6, 8), 5, AFTER, False, (), date(2026, 6, 15), (), id="monday-plus-5"),
        pytest.param(date(2026, 6, 8), 5, AFTER, True, (), date(2026, 6, 12), (), id="monday-plus-5-counted"),
        pytest.param(date(2026, 6, 8), 1, AFTER, True, (), date(2026, 6, 8), (), id="counted-1-is-the-trigger"),
        pytest.param(
            date(2026, 12, 21),
            15,
            AFTER,
            False,
            (),
            date(2027, 1, 14),
            (date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)),
            id="christmas-2026",
        ),
        pytest.param(
            date(2026, 12, 21),
            15,
            AFTER,
            True,
            (),
            date(2027, 1, 13),
            (date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)),
            id="christmas-2026-counted",
        ),
        pytest.param(
            date(2026, 12, 25),
            1,
            AFTER,
            True,
            (),
            date(2026, 12, 29),
            (date(2026, 12, 28),),
            id="christmas-day-trigger-counted-changes-nothing",
        ),
        pytest.param(
            date(2027, 12, 23),
            5,
            AFTER,
            False,
            (),
            date(2028, 1, 4),
            (date(2027, 12, 27), date(2027, 12, 28), date(2028, 1, 3)),
            id="christmas-2027-weekend-substitutes",
        ),
        pytest.param(
            date(2026, 4, 2),
            1,
            AFTER,
            False,
            (),
            date(2026, 4, 7),
            (date(2026, 4, 3), date(2026, 4, 6)),
            id="easter-2026",
        ),
        pytest.param(
            date(2027, 3, 25),
            3,
            AFTER,
            False,
            (),
            date(2027, 4, 1),
            (date(2027, 3, 26), date(2027, 3, 29)),
            id="easter-2027",
        ),
        pytest.param(
            date(2023, 5, 5), 1, AFTER, False, (), date(2023, 5, 9), (date(2023, 5, 8),), id="coronation-2023"
        ),
        pytest.param(date(2027, 6, 4), 5, AFTER, False, (), date(2027, 6, 11), (), id="no-closure"),
        pytest.param(
            date(2027, 6, 4), 5, AFTER, False, OFFICE_MOVE, date(2027, 6, 14), (date(2027, 6, 9),), id="closure"
        ),
        pytest.param(date(2027, 6, 14), 7, BEFORE, False, (), date(2027, 6, 3), (), id="before-publication"),
        pytest.param(
            date(2027, 4, 1),
            7,
            BEFORE,
            False,
            (),
            date(2027, 3, 19),
            (date(2027, 3, 26), date(2027, 3, 29)),
            id="before-across-easter-2027",
        ),
        pytest.param(
            date(2026, 4, 10),
            7,
            BEFORE,
            False,
            (),
            date(2026, 3, 30),
            (date(2026, 4, 3), date(2026, 4, 6)),
            id="before-across-easter-2026",
        ),
        pytest.param(
            date(2027, 1, 4), 1, BEFORE, False, (), date(2026, 12, 31), (date(2027, 1, 1),), id="before-new-year"
        ),
    ],
)
def test_working_day_deadlines(trigger, n, direction, count_trigger_day, closures, due, skipped):
    result = compute_due(trigger, n, Unit.WORKING_DAYS, direction, count_trigger_day, closures=closures)
    assert (result.due, result.skipped) == (due, skipped)
    assert result.rolled_from is None


def test_working_day_deadlines_ignore_roll():
    # Roll.NONE must not leave a working-day count on a holiday: the count already lands on a working day.
    result = compute_due(date(2026, 12, 24), 1, Unit.WORKING_DAYS, roll=Roll.NONE)
    assert result.due == date(2026, 12, 29)


NEXT, PREVIOUS, NONE = Roll.NEXT, Roll.PREVIOUS, Roll.NONE
DAYS, WEEKS, MONTHS = Unit.CALENDAR_DAYS, Unit.WEEKS, Unit.MONTHS


@pytest.mark.parametrize(
    ("trigger", "n", "unit", "direction", "count", "roll", "due", "rolled_from", "skipped"),
    [
        pytest.param(
            date(2027, 3, 3), 56, DAYS, AFTER, False, NEXT, date(2027, 4, 28), None, (), id="pfd-56-days-wednesday"
        ),
        pytest.param(
            date(2027, 3, 6),
            56,
            DAYS,
            AFTER,
            False,
            NEXT,
            date(2027, 5, 4),
            date(2027, 5, 1),
            (date(2027, 5, 3),),
            id="56-days-saturday-next-over-may-day",
        ),
        pytest.param(
            date(2027, 3, 6),
            56,
            DAYS,
            AFTER,
            False,
            PREVIOUS,
            date(2027, 4, 30),
            date(2027, 5, 1),
            (),
            id="56-days-saturday-previous",
        ),
        pytest.param(
            date(2027, 3, 6), 56, DAYS, AFTER, False, NONE, date(2027, 5, 1), None, (), id="56-days-saturday-none"
        ),
        pytest.param(
            date(2027, 6, 5),
            182,
            DAYS,
            AFTER,
            False,
            PREVIOUS,
            date(2027, 12, 3),
            date(2027, 12, 4),
            (),
            id="ctl-182-saturday-previous",
        ),
        pytest.param(
            date(2027, 6, 5),
            182,
            DAYS,
            AFTER,
            False,
            NEXT,
            date(2027, 12, 6),
            date(2027, 12, 4),
            (),
            id="ctl-182-saturday-next",
        ),
        pytest.param(
            date(2027, 6, 5), 182, DAYS, AFTER, False, NONE, date(2027, 12, 4), None, (), id="ctl-182-saturday-none"
        ),
        pytest.param(
            date(2026, 9, 28),
            182,
            DAYS,
            AFTER,
            False,
            PREVIOUS,
            date(2027, 3, 25),
            date(2027, 3, 29),
            (date(2027, 3, 26), date(2027, 3, 29)),
            id="ctl-182-easter-monday-previous-over-good-friday",
        ),
        pytest.param(
            date(2026, 9, 28),
            182,
            DAYS,
            AFTER,
            False,
            NEXT,
            date(2027, 3, 30),
            date(2027, 3, 29),
            (date(2027, 3, 29),),
            id="ctl-182-easter-monday-next",
        ),
        pytest.param(date(2027, 6, 7), 5, DAYS, AFTER, True, NEXT, date(2027, 6, 11), None, (), id="calendar-counted"),
        pytest.param(
            date(2027, 6, 7),
            5,
            DAYS,
            AFTER,
            False,
            NEXT,
            date(2027, 6, 14),
            date(2027, 6, 12),
            (),
            id="calendar-not-counted-rolls",
        ),
        pytest.param(
            date(2027, 6, 10),
            10,
            DAYS,
            BEFORE,
            False,
            PREVIOUS,
            date(2027, 5, 28),
            date(2027, 5, 31),
            (date(2027, 5, 31),),
            id="calendar-before-spring-bank-holiday",
        ),
        pytest.param(date(2026, 6, 3), 4, WEEKS, AFTER, False, NEXT, date(2026, 7, 1), None, (), id="4-weeks"),
        pytest.param(date(2026, 6, 3), 4, WEEKS, AFTER, True, NEXT, date(2026, 6, 30), None, (), id="4-weeks-counted"),
        pytest.param(
            date(2026, 12, 18),
            1,
            WEEKS,
            AFTER,
            False,
            NEXT,
            date(2026, 12, 29),
            date(2026, 12, 25),
            (date(2026, 12, 25), date(2026, 12, 28)),
            id="1-week-lands-on-christmas",
        ),
        pytest.param(
            date(2026, 8, 31),
            6,
            MONTHS,
            AFTER,
            False,
            NEXT,
            date(2027, 3, 1),
            date(2027, 2, 28),
            (),
            id="6-months-to-sunday-28-feb",
        ),
        pytest.param(
            date(2026, 8, 31), 6, MONTHS, AFTER, False, NONE, date(2027, 2, 28), None, (), id="6-months-no-roll"
        ),
        pytest.param(
            date(2027, 8, 31), 6, MONTHS, AFTER, False, NEXT, date(2028, 2, 29), None, (), id="6-months-to-leap-day"
        ),
        pytest.param(date(2027, 3, 10), 6, MONTHS, AFTER, False, NEXT, date(2027, 9, 10), None, (), id="6-months"),
        pytest.param(
            date(2027, 3, 10), 6, MONTHS, AFTER, True, NEXT, date(2027, 9, 9), None, (), id="6-months-counted"
        ),
        pytest.param(
            date(2027, 8, 31),
            3,
            MONTHS,
            BEFORE,
            False,
            PREVIOUS,
            date(2027, 5, 28),
            date(2027, 5, 31),
            (date(2027, 5, 31),),
            id="3-months-before-lands-on-bank-holiday",
        ),
    ],
)
def test_calendar_deadlines(trigger, n, unit, direction, count, roll, due, rolled_from, skipped):
    result = compute_due(trigger, n, unit, direction, count, roll)
    assert (result.due, result.rolled_from, result.skipped) == (due, rolled_from, skipped)


def test_rule_settings_stored_as_strings_are_accepted():
    assert compute_due(date(2026, 6, 3), 4, "weeks", "after", roll="previous").due == date(2026, 7, 1)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"amount": 0}, ValueError, id="zero-amount"),
        pytest.param({"amount": -3}, ValueError, id="negative-amount"),
        pytest.param({"direction": BEFORE, "count_trigger_day": True}, ValueError, id="counted-before"),
        pytest.param({"trigger": datetime(2026, 6, 8, 23, 30)}, TypeError, id="datetime-trigger"),
    ],
)
def test_invalid_deadlines_are_refused(kwargs, error):
    arguments = {"trigger": date(2026, 6, 8), "amount": 5, "unit": Unit.WORKING_DAYS} | kwargs
    with pytest.raises(error):
        compute_due(**arguments)


@pytest.mark.parametrize(
    ("arguments", "label", "expected"),
    [
        pytest.param(
            (date(2026, 12, 21), 15, Unit.WORKING_DAYS),
            "notification",
            "15 working days after Mon 21 Dec 2026 (notification), skipping 25 and 28 Dec and 1 Jan",
            id="christmas-skips",
        ),
        pytest.param(
            (date(2026, 12, 21), 15, Unit.WORKING_DAYS, AFTER, True),
            "notification",
            "15 working days after Mon 21 Dec 2026 (notification), counting 21 Dec 2026 as day 1, "
            "skipping 25 and 28 Dec and 1 Jan",
            id="counted-trigger-day",
        ),
        pytest.param(
            (date(2027, 6, 14), 7, Unit.WORKING_DAYS, BEFORE),
            "planned publication",
            "7 working days before Mon 14 Jun 2027 (planned publication)",
            id="before",
        ),
        pytest.param(
            (date(2026, 8, 31), 6, MONTHS),
            "decision to review",
            "6 months after Mon 31 Aug 2026 (decision to review), "
            "moved from Sun 28 Feb 2027 to the next working day, Mon 1 Mar 2027",
            id="months-rolled",
        ),
        pytest.param(
            (date(2027, 3, 6), 56, DAYS),
            "PFD report",
            "56 days after Sat 6 Mar 2027 (PFD report), "
            "moved from Sat 1 May 2027 to the next working day, Tue 4 May 2027, skipping 3 May (May Day)",
            id="rolled-over-bank-holiday",
        ),
        pytest.param(
            (date(2026, 9, 28), 182, DAYS, AFTER, False, PREVIOUS),
            "first appearance",
            "182 days after Mon 28 Sep 2026 (first appearance), moved from Mon 29 Mar 2027 to the preceding working "
            "day, Thu 25 Mar 2027, skipping 26 Mar (Good Friday) and 29 Mar (Easter Monday)",
            id="custody-time-limit-rolled-back",
        ),
        pytest.param(
            (date(2027, 6, 5), 182, DAYS, AFTER, False, NONE),
            "charge",
            "182 days after Sat 5 Jun 2027 (charge), on Sat 4 Dec 2027, not a working day (Saturday): "
            "this rule does not move it",
            id="not-rolled",
        ),
        pytest.param(
            (date(2027, 6, 8), 1, DAYS, AFTER, False, NEXT, OFFICE_MOVE),
            "meeting",
            "1 day after Tue 8 Jun 2027 (meeting), moved from Wed 9 Jun 2027 to the next working day, Thu 10 Jun 2027, "
            "skipping 9 Jun (Office move)",
            id="closure-named",
        ),
        pytest.param(
            (date(2026, 12, 24), 1, Unit.WORKING_DAYS),
            "referral",
            "1 working day after Thu 24 Dec 2026 (referral), skipping 25 and 28 Dec",
            id="singular-working-day",
        ),
        pytest.param((date(2026, 6, 3), 1, WEEKS), "x", "1 week after Wed 3 Jun 2026 (x)", id="singular-week"),
        pytest.param((date(2027, 1, 15), 1, MONTHS), "x", "1 month after Fri 15 Jan 2027 (x)", id="singular-month"),
    ],
)
def test_explanation(arguments, label, expected):
    assert compute_due(*arguments).explanation(label) == expected
