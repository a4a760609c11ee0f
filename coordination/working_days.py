"""Date arithmetic for statutory deadlines in England and Wales.

The rules this product tracks count time in different ways: working days (Coroners Rules, Police
Conduct Regs), calendar days and weeks (PFD responses, PCMR), calendar months (reviews), and they
count forwards from a trigger or backwards from a planned date. Where a date lands on a day the
offices are shut, some rules move it later and others (custody time limits) move it earlier.
Where the instruments define a working day, they define it this way (Coroners (Inquests) Rules 2013 r2, Police
Super-complaints Regs 2018 reg 2).

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
    "BeyondKnownHolidays",
    "Direction",
    "DueDate",
    "PauseEffect",
    "Paused",
    "Roll",
    "Unit",
    "add_months",
    "add_working_days",
    "compute_due",
    "is_working_day",
    "moved_by_pauses",
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

# The years for which the `holidays` package knows England and Wales holidays. Outside them it answers with
# no holidays at all, which would make every bank holiday a working day without saying so.
_CALENDAR = holidays.country_holidays("GB", subdiv="ENG")
FIRST_KNOWN_YEAR, LAST_KNOWN_YEAR = _CALENDAR.start_year, _CALENDAR.end_year


class BeyondKnownHolidays(ValueError):
    """A count or roll needs to know the holidays of a year the calendar does not cover."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"Working days can only be counted from {FIRST_KNOWN_YEAR} to {LAST_KNOWN_YEAR}: England and Wales "
            f"bank holidays are not known for {year}, so a date then cannot be worked out."
        )


@cache
def _holidays_in(year: int) -> Mapping[date, str]:
    """England and Wales holidays for one year, built once per year.

    Building a `holidays` calendar is slow, and the library's own object fills itself in lazily on
    lookup, which is not safe to share between threads; a frozen dict per year is.
    """
    if not FIRST_KNOWN_YEAR <= year <= LAST_KNOWN_YEAR:
        raise BeyondKnownHolidays(year)
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


@dataclass(frozen=True)
class Paused:
    """A period in which a process was held: its clock does not count the days `start` .. `resumed` - 1."""

    start: date
    resumed: date
    label: str = ""


@dataclass(frozen=True)
class PauseEffect:
    """A pause as one clock saw it: how many of the days it would have counted were held."""

    pause: Paused
    days: int


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
    # The pauses that fell while the clock ran, each with the days of the count it held (0 when it held
    # none: a weekend, or the trigger day).
    pauses: tuple[PauseEffect, ...] = ()

    def explanation(self, trigger_label: str) -> str:
        """Plain English, e.g. "15 working days after Mon 21 Dec 2026 (notification), skipping 25 and 28 Dec and
        1 Jan", with "; paused 4–8 Jan 2027 (Awaiting information), 5 working days; due Thu 21 Jan 2027" added when
        a pause held the clock."""
        singular, plural = _UNIT_WORDS[self.unit]
        text = f"{self.amount} {singular if self.amount == 1 else plural} {self.direction} "
        text += f"{dated(self.trigger)} ({trigger_label})"
        if self.counted_trigger_day:
            text += f", counting {long_date(self.trigger)} as day 1"
        if self.rolled_from is None and self.skipped:
            text += f", skipping {compact_days(self.skipped)}"
        for effect in self.pauses:
            text += f"; {_paused_phrase(effect, self.unit)}"
        if self.rolled_from is not None:
            way = "next" if self.due > self.rolled_from else "preceding"
            text += f"{';' if self.pauses else ','} moved from {dated(self.rolled_from)} to the {way} working day, "
            text += dated(self.due)
            if self.skipped:
                named = [
                    f"{short_date(day)} ({why})" for day, why in zip(self.skipped, self.skipped_reasons, strict=True)
                ]
                text += f", skipping {and_join(named)}"
        if self.due_reason:
            text += f", on {dated(self.due)}, not a working day ({self.due_reason}): this rule does not move it"
        if self.pauses and self.rolled_from is None and not self.due_reason:
            text += f"; due {dated(self.due)}"
        return text


def _paused_phrase(effect: PauseEffect, unit: Unit) -> str:
    pause = effect.pause
    text = f"paused {day_range(pause.start, pause.resumed - _ONE_DAY)}"
    if pause.label:
        text += f" ({pause.label})"
    if effect.days == 0:
        return text + f", on no {'working ' if unit == Unit.WORKING_DAYS else ''}day the clock counted"
    noun = "working day" if unit == Unit.WORKING_DAYS else "day"
    return text + f", {effect.days} {noun}{'' if effect.days == 1 else 's'}"


def day_range(first: date, last: date) -> str:
    """'7–8 Jul 2027', '28 Jun–2 Jul 2027', '28 Dec 2026–4 Jan 2027', or one day."""
    if first == last:
        return long_date(first)
    if first.year != last.year:
        return f"{long_date(first)}–{long_date(last)}"
    if first.month != last.month:
        return f"{short_date(first)}–{long_date(last)}"
    return f"{first.day}–{long_date(last)}"


def long_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def dated(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {long_date(day)}"


def short_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]}"


def and_join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def compact_days(days: tuple[date, ...]) -> str:
    """'25 and 28 Dec and 1 Jan': days grouped by month; years shown only if a month would otherwise repeat."""
    groups: dict[tuple[int, int], list[int]] = {}
    for day in days:
        groups.setdefault((day.year, day.month), []).append(day.day)
    with_year = len({month for _, month in groups}) < len(groups)
    parts = []
    for (year, month), numbers in groups.items():
        part = f"{and_join([str(n) for n in numbers])} {_MONTHS[month - 1]}"
        parts.append(f"{part} {year}" if with_year else part)
    return and_join(parts)


def compute_due(
    trigger: date,
    amount: int,
    unit: Unit | str,
    direction: Direction | str = Direction.AFTER,
    count_trigger_day: bool = False,
    roll: Roll | str = Roll.NEXT,
    closures: Closures = (),
    pauses: Collection[Paused] = (),
) -> DueDate:
    """The date a rule falls due, counted from `trigger` (an event, or a planned date when counting BEFORE).

    WORKING_DAYS count only working days, so the result is always one and `roll` is ignored: AFTER,
    day 1 is the first working day after the trigger, or the trigger itself when `count_trigger_day`
    and it is a working day; BEFORE, the nth working day before the planned date. CALENDAR_DAYS,
    WEEKS (7 days each) and MONTHS (clamped to month end) count every day; `count_trigger_day` makes
    the trigger day 1, so the result is one day earlier; then `roll` moves a non-working result.
    `count_trigger_day` is only defined for AFTER (counting back from a planned date, there is no trigger day
    to count) and is refused for BEFORE.

    `pauses` stop the clock: a day inside one is not counted, and only days the clock would have counted
    matter (never the trigger day, a day before it or, for working days, a non-working day). The pauses move
    the unrolled end of the count, and the result is then rolled once. A calendar-month period held by a pause
    runs on by one day for each calendar day held. A count back from a planned date has no running clock to
    stop, so pauses are refused there.
    """
    _check_date(trigger)
    unit, direction, roll = Unit(unit), Direction(direction), Roll(roll)
    if amount < 1:
        raise ValueError(f"amount must be at least 1, not {amount}")
    if count_trigger_day and direction == Direction.BEFORE:
        raise ValueError("count_trigger_day applies only when counting after a trigger")
    if pauses and direction == Direction.BEFORE:
        raise ValueError("a count back from a planned date is not stopped by pauses")
    names = _closure_names(closures)
    spans = _merged(pauses)
    sign = 1 if direction == Direction.AFTER else -1
    rolled_from = None
    effects: tuple[PauseEffect, ...] = ()

    if unit == Unit.WORKING_DAYS:
        counted = count_trigger_day and _reason(trigger, names) is None
        if direction == Direction.AFTER:
            first = trigger if counted else trigger + _ONE_DAY
            due, effects = _run_clock(first, amount, spans, working_days_only=True, closures=names)
        else:
            due = _nth_working_day(trigger, -amount, names)
        low, high = sorted((trigger, due))
        passed = [day for day in _days_strictly_between(low, high) if not _in_any(day, spans)]
    else:
        counted = count_trigger_day
        if unit == Unit.MONTHS:
            due = add_months(trigger, sign * amount)
        else:
            due = trigger + timedelta(days=sign * amount * (7 if unit == Unit.WEEKS else 1))
        if counted:
            due -= _ONE_DAY
        if spans:
            first = trigger if counted else trigger + _ONE_DAY
            due, effects = _run_clock(first, (due - first).days + 1, spans, working_days_only=False, closures=names)
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
        pauses=effects,
    )


def moved_by_pauses(
    day: date, unit: Unit | str, roll: Roll | str, *, since: date, pauses: Collection[Paused], closures: Closures = ()
) -> tuple[date, int]:
    """A date fixed by someone (an extension) moved on by the days the clock was held from `since` up to it,
    and how many days that was. Unmoved, the date stays as it was given, even on a non-working day."""
    unit, names = Unit(unit), _closure_names(closures)
    working_days_only = unit == Unit.WORKING_DAYS
    spans = _merged(pauses)
    need = _clock_days(since, day, working_days_only, names)
    if need == 0:
        return day, 0
    end, effects = _run_clock(since, need, spans, working_days_only=working_days_only, closures=names)
    held = sum(effect.days for effect in effects)
    if held == 0:
        return day, 0
    return (end if working_days_only else roll_to_working_day(end, roll, names)), held


def _merged(pauses: Collection[Paused]) -> list[Paused]:
    """Pauses in date order with overlapping or touching ones joined, so no held day is counted twice."""
    merged: list[Paused] = []
    for pause in sorted(pauses, key=lambda p: (p.start, p.resumed)):
        _check_date(pause.start)
        _check_date(pause.resumed)
        if pause.resumed <= pause.start:
            continue  # resumed the day it paused: no day was held
        if merged and pause.start <= merged[-1].resumed:
            last = merged[-1]
            label = last.label if pause.label in ("", last.label) else f"{last.label}; {pause.label}"
            merged[-1] = Paused(last.start, max(last.resumed, pause.resumed), label)
        else:
            merged.append(pause)
    return merged


def _in_any(day: date, spans: list[Paused]) -> bool:
    return any(span.start <= day < span.resumed for span in spans)


def _clock_days(first: date, last: date, working_days_only: bool, closures: Mapping[date, str]) -> int:
    """How many days from `first` to `last`, both included, a clock counts."""
    if last < first:
        return 0
    if working_days_only:
        return working_days_between(first, last + _ONE_DAY, closures)
    return (last - first).days + 1


def _run_clock(
    first: date, need: int, spans: list[Paused], *, working_days_only: bool, closures: Mapping[date, str]
) -> tuple[date, tuple[PauseEffect, ...]]:
    """The day on which a clock that starts counting on `first` has counted `need` days, stopped by `spans`
    (merged, in order); and each span that held it, with the days it held."""
    cursor, remaining, effects = first, need, []
    for span in spans:
        if span.resumed <= cursor:
            continue  # over before the clock started
        held_from = max(span.start, cursor)
        running = _clock_days(cursor, held_from - _ONE_DAY, working_days_only, closures)
        if running >= remaining:
            break  # the clock runs out before this pause
        remaining -= running
        held = _clock_days(held_from, span.resumed - _ONE_DAY, working_days_only, closures)
        effects.append(PauseEffect(span, held))
        cursor = span.resumed
    if working_days_only:
        end = _nth_working_day(cursor - _ONE_DAY, remaining, closures)
    else:
        end = cursor + timedelta(days=remaining - 1)
    return end, tuple(effects)


def _days_strictly_between(low: date, high: date) -> list[date]:
    return [low + timedelta(days=offset) for offset in range(1, (high - low).days)]
