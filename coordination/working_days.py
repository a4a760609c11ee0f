"""Date arithmetic for statutory deadlines in England and Wales.

The rules this product tracks count time in different ways: working days (Coroners Rules, Police
Conduct Regs), calendar days and weeks (PFD responses, PCMR), calendar months (reviews), and they
count forwards from a trigger or backwards from a planned date. Where a date lands on a day the
offices are shut, some rules move it later and others (custody time limits) move it earlier.
See DOMAIN.md §2.

Everything here is a pure function of dates, so a deadline can be recomputed, tested and explained
without touching the database. Local closure days live in the database; callers pass them in.

A working day is any day other than a Saturday, a Sunday, an England and Wales holiday (bank
holidays under the Banking and Financial Dealings Act 1971, substitute and one-off days by
proclamation, plus Christmas Day and Good Friday, which the statutory definitions name separately)
or a local closure day.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType

import holidays

__all__ = [
    "Direction",
    "DueDate",
    "Roll",
    "Unit",
    "add_months",
    "add_working_days",
    "compute_due",
    "is_working_day",
    "non_working_reason",
    "working_days_between",
]

Closures = Mapping[date, str] | Collection[date]

# What a closure is called when the admin gave it no name (or passed a bare collection of dates).
UNNAMED_CLOSURE = "Local closure day"

_ONE_DAY = timedelta(days=1)
# Our own abbreviations rather than strftime("%b"): strftime follows the process locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    WEEKS = "weeks"
    MONTHS = "months"


class Direction(StrEnum):
    AFTER = "after"
    BEFORE = "before"


class Roll(StrEnum):
    """Where a calendar-counted date goes when it lands on a non-working day. Rules differ, so each stores its own."""

    NEXT = "next"
    PREVIOUS = "previous"  # custody time limits expire on the preceding working day
    NONE = "none"


# (singular, plural) for the explanation.
_UNIT_WORDS = {
    Unit.WORKING_DAYS: ("working day", "working days"),
    Unit.CALENDAR_DAYS: ("day", "days"),
    Unit.WEEKS: ("week", "weeks"),
    Unit.MONTHS: ("month", "months"),
}


# --- the calendar -------------------------------------------------------------------------------


@cache
def _holidays_in(year: int) -> Mapping[date, str]:
    """England and Wales holidays for one year, built once per year.

    Building a `holidays` calendar is slow, and the library's own object fills itself in lazily on
    lookup, which is not safe to share between threads; a frozen dict per year is.
    """
    return MappingProxyType(dict(holidays.country_holidays("GB", subdiv="ENG", years=year)))


def _closure_names(closures: Closures) -> Mapping[date, str]:
    """Accept closures either as {date: name} (from the admin table) or as bare dates."""
    if isinstance(closures, Mapping):
        return {day: name or UNNAMED_CLOSURE for day, name in closures.items()}
    return dict.fromkeys(closures, UNNAMED_CLOSURE)


def _reason(day: date, closures: Mapping[date, str]) -> str | None:
    # Statutory reasons first (a Saturday Christmas Day is reported as Christmas Day), local ones last.
    holiday = _holidays_in(day.year).get(day)
    if holiday:
        return holiday
    if day.weekday() >= 5:
        return calendar.day_name[day.weekday()]
    return closures.get(day)


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def _check_date(day: date) -> None:
    # A datetime is a date subclass, so it would be accepted silently, and a UTC timestamp near
    # midnight is the wrong day in London. Make the caller decide which day they mean.
    if isinstance(day, datetime):
        raise TypeError("pass a date, not a datetime (use django.utils.timezone.localdate)")


def non_working_reason(day: date, closures: Closures = ()) -> str | None:
    """Why `day` is not a working day ("Saturday", "Christmas Day", a closure's name), or None if it is one."""
    _check_date(day)
    return _reason(day, _closure_names(closures))


def is_working_day(day: date, closures: Closures = ()) -> bool:
    return non_working_reason(day, closures) is None


def _working_days_from(day: date, step: int, closures: Mapping[date, str]) -> Iterator[date]:
    """Working days strictly after (step=1) or before (step=-1) `day`, nearest first."""
    delta = timedelta(days=step)
    while True:
        day += delta
        if _reason(day, closures) is None:
            yield day


def _nth_working_day(day: date, n: int, closures: Mapping[date, str]) -> date:
    if n == 0:
        return day
    days = _working_days_from(day, 1 if n > 0 else -1, closures)
    for _ in range(abs(n) - 1):
        next(days)
    return next(days)


def roll_to_working_day(day: date, roll: Roll | str, closures: Closures = ()) -> date:
    """A date that lands on a non-working day, moved as a rule says: to the next or the previous working
    day, or left where it is."""
    names = _closure_names(closures)
    if Roll(roll) == Roll.NONE or _reason(day, names) is None:
        return day
    return _nth_working_day(day, 1 if Roll(roll) == Roll.NEXT else -1, names)


def add_working_days(day: date, n: int, closures: Closures = ()) -> date:
    """The nth working day after `day` (before it when n is negative); `day` itself never counts.

    n=0 returns `day` unchanged, even when it is not a working day.
    """
    _check_date(day)
    return _nth_working_day(day, n, _closure_names(closures))


def working_days_between(start: date, end: date, closures: Closures = ()) -> int:
    """How many working days d have start <= d < end (0 when end <= start).

    Half-open like range(), so that working_days_between(a, b) + working_days_between(b, c) is the
    count from a to c, and "working days elapsed since the trigger" is between(trigger + 1 day, today + 1 day).
    """
    _check_date(start)
    _check_date(end)
    names = _closure_names(closures)
    return sum(1 for offset in range((end - start).days) if _reason(start + timedelta(days=offset), names) is None)


def add_months(day: date, n: int) -> date:
    """`day` moved by n calendar months, clamped to the end of a shorter month (31 Aug + 6 months = 28/29 Feb)."""
    _check_date(day)
    months = day.year * 12 + day.month - 1 + n
    year, month = divmod(months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- deadlines ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DueDate:
    """A computed deadline with enough of its working-out kept to explain it to a user."""

    due: date
    # Non-working weekdays (bank holidays, Christmas Day, Good Friday, closures) the count passed
    # over or the roll stepped over, oldest first. Weekends are left out: nobody needs telling.
    skipped: tuple[date, ...]
    # The date before rolling moved it; None when it did not move.
    rolled_from: date | None
    # Why each skipped day was skipped, in the same order (closure names can only come from the caller).
    skipped_reasons: tuple[str, ...]
    trigger: date
    amount: int
    unit: Unit
    direction: Direction
    roll: Roll
    # Whether the trigger day really was counted as day 1 (not when it was itself a non-working day).
    counted_trigger_day: bool
    # Why `due` is not a working day, when Roll.NONE left it on one; otherwise None.
    due_reason: str | None = None

    def explanation(self, trigger_label: str) -> str:
        """Plain English, e.g. "15 working days after 21 Dec 2026 (notification), skipping 25 and 28 Dec and 1 Jan"."""
        singular, plural = _UNIT_WORDS[self.unit]
        text = f"{self.amount} {singular if self.amount == 1 else plural} {self.direction} "
        text += f"{_long(self.trigger)} ({trigger_label})"
        if self.counted_trigger_day:
            text += f", counting {_long(self.trigger)} as day 1"
        if self.rolled_from is not None:
            way = "next" if self.due > self.rolled_from else "preceding"
            text += f", moved from {_dated(self.rolled_from)} to the {way} working day, {_dated(self.due)}"
            if self.skipped:
                named = [f"{_short(day)} ({why})" for day, why in zip(self.skipped, self.skipped_reasons, strict=True)]
                text += f", skipping {_and_join(named)}"
        elif self.skipped:
            text += f", skipping {_compact(self.skipped)}"
        if self.due_reason:
            text += f", on {_dated(self.due)}, not a working day ({self.due_reason}): this rule does not move it"
        return text


def _long(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _dated(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {_long(day)}"


def _short(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]}"


def _and_join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _compact(days: tuple[date, ...]) -> str:
    """'25 and 28 Dec and 1 Jan': days grouped by month; years shown only if a month would otherwise repeat."""
    groups: dict[tuple[int, int], list[int]] = {}
    for day in days:
        groups.setdefault((day.year, day.month), []).append(day.day)
    with_year = len({month for _, month in groups}) < len(groups)
    parts = []
    for (year, month), numbers in groups.items():
        part = f"{_and_join([str(n) for n in numbers])} {_MONTHS[month - 1]}"
        parts.append(f"{part} {year}" if with_year else part)
    return _and_join(parts)


def compute_due(
    trigger: date,
    amount: int,
    unit: Unit | str,
    direction: Direction | str = Direction.AFTER,
    count_trigger_day: bool = False,
    roll: Roll | str = Roll.NEXT,
    closures: Closures = (),
) -> DueDate:
    """The date a rule falls due, counted from `trigger` (an event, or a planned date when counting BEFORE).

    WORKING_DAYS count only working days, so the result is always one and `roll` is ignored: AFTER,
    day 1 is the first working day after the trigger, or the trigger itself when `count_trigger_day`
    and it is a working day; BEFORE, the nth working day before the planned date. CALENDAR_DAYS,
    WEEKS (7 days each) and MONTHS (clamped to month end) count every day; `count_trigger_day` makes
    the trigger day 1, so the result is one day earlier; then `roll` moves a non-working result.
    `count_trigger_day` is only defined for AFTER (see DOMAIN.md §2) and is refused for BEFORE.
    """
    _check_date(trigger)
    unit, direction, roll = Unit(unit), Direction(direction), Roll(roll)
    if amount < 1:
        raise ValueError(f"amount must be at least 1, not {amount}")
    if count_trigger_day and direction == Direction.BEFORE:
        raise ValueError("count_trigger_day applies only when counting after a trigger")
    names = _closure_names(closures)
    sign = 1 if direction == Direction.AFTER else -1
    rolled_from = None

    if unit == Unit.WORKING_DAYS:
        counted = count_trigger_day and _reason(trigger, names) is None
        due = _nth_working_day(trigger, sign * (amount - 1 if counted else amount), names)
        low, high = sorted((trigger, due))
        passed = _days_strictly_between(low, high)
    else:
        counted = count_trigger_day
        if unit == Unit.MONTHS:
            due = add_months(trigger, sign * amount)
        else:
            due = trigger + timedelta(days=sign * amount * (7 if unit == Unit.WEEKS else 1))
        if counted:
            due -= _ONE_DAY
        passed = []
        if roll != Roll.NONE and _reason(due, names) is not None:
            rolled_from = due
            due = roll_to_working_day(due, roll, names)
            low, high = sorted((rolled_from, due))
            passed = [rolled_from, *_days_strictly_between(low, high)]

    skipped = sorted(day for day in passed if not _is_weekend(day) and _reason(day, names) is not None)
    return DueDate(
        due=due,
        skipped=tuple(skipped),
        rolled_from=rolled_from,
        skipped_reasons=tuple(_reason(day, names) or "" for day in skipped),
        trigger=trigger,
        amount=amount,
        unit=unit,
        direction=direction,
        roll=roll,
        counted_trigger_day=counted,
        due_reason=_reason(due, names),
    )


def _days_strictly_between(low: date, high: date) -> list[date]:
    return [low + timedelta(days=offset) for offset in range(1, (high - low).days)]
