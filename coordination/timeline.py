"""A picture of a case's parallel processes over time, drawn on the server as SVG.

`build_timeline` turns processes (with their stage changes, pauses and milestones already prefetched, as
`selectors.case_for_page` gives them) and relationships into plain geometry: one lane per process, a
segment per stage, hatched overlays for pauses, a marker per milestone coloured by its status, an arrow
per current relationship, month ticks and a line for today. It reads only what it is given and never
queries the database; `templates/cases/timeline.html` draws the result and its text equivalent.

Coordinates are SVG user units in a viewBox WIDTH wide; the SVG scales to its container.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.utils import dateformat

from . import clock, kinds
from .clock import Status

WIDTH = 1060
LABEL_X = 4  # lane labels start here...
LABEL_WIDTH = 186  # ...and wrap to fit this
PLOT_LEFT = 200
PLOT_RIGHT = WIDTH - 14
HEADER = 40  # year and month labels above the lanes
LANE_PAD = 8  # space above each lane's bar
BAR_HEIGHT = 22
MARKER_ROW = 14  # each row of milestone markers below a bar
LANE_GAP = 8
FOOTER = 26  # the today label below the lanes
LEGEND_ROW = 20
FONT_SIZE = 12  # the SVG's base font size; stage labels use SMALL
SMALL = 11
MIN_DAYS = 42  # the narrowest span the axis shows
MIN_TICK_SPACING = 44  # px between month ticks, so their labels do not touch
MARKER_RADIUS = 5.5
ARROW_LABEL_MIN = 180  # the least room worth showing it in on the right
ARROW_LABEL_MAX = 340  # longer relationship labels are shortened; the tooltip and text description say it all

STAGE_FILLS = ("#dbe7f3", "#b8d0e6")  # past stages alternate, so neighbours can be told apart
CURRENT_FILL = "#1d70b8"  # white text on it: contrast 5.2:1
TEXT = "#0b0c0c"


@dataclass(frozen=True)
class MarkerStyle:
    fill: str
    stroke: str
    shape: str  # circle | triangle | diamond | square


# Colour and shape both carry the status, so it does not rest on colour alone.
MARKER_STYLES = {
    Status.OVERDUE: MarkerStyle("#d4351c", "#6b1a0e", "triangle"),
    Status.DUE_TODAY: MarkerStyle("#f47738", "#7a3c1c", "triangle"),
    Status.DUE_SOON: MarkerStyle("#ffdd00", "#594d00", "circle"),
    Status.UPCOMING: MarkerStyle("#1d70b8", "#0c2d4a", "circle"),
    Status.MET: MarkerStyle("#00703c", "#003a1f", "diamond"),
    Status.MET_LATE: MarkerStyle("#912b88", "#4a1646", "diamond"),
    Status.WAIVED: MarkerStyle("#ffffff", "#505a5f", "circle"),
    Status.PAUSED: MarkerStyle("#b1b4b6", "#505a5f", "square"),
}

ARROW_STYLES = {  # (stroke, dash pattern)
    "waiting": ("#0b0c0c", ""),
    "reached": ("#00703c", ""),
    "informs": ("#505a5f", "5 3"),
}


# --- What the template draws ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    x: float
    label: str  # the month, e.g. "Mar"
    year: str  # the year, on January and on the first tick only


@dataclass(frozen=True)
class Segment:
    """A stage from when it was reached until the next (paused=False), or a pause (paused=True)."""

    x: float
    y: float
    width: float
    height: float
    label: str
    stage: str  # the stage key; blank for a pause
    start: dt.date
    end: dt.date | None  # None while it continues
    title: str
    text: str = ""  # the label as it fits inside the segment; blank if nothing fits
    text_x: float = 0
    fill: str = ""
    text_fill: str = TEXT
    paused: bool = False
    current: bool = False


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    status: Status
    label: str  # the milestone, e.g. "Rapid review completed and sent to the Panel"
    title: str  # e.g. "Rapid review completed and sent to the Panel: due Thu 14 Jan 2027, overdue"
    due: dt.date
    completed_on: dt.date | None
    fill: str
    stroke: str
    shape: str
    points: str = ""  # for polygons

    @property
    def css_class(self) -> str:
        return f"timeline-marker status-{self.status.value}"

    @property
    def status_label(self) -> str:
        return self.status.label


@dataclass(frozen=True)
class EndMark:
    """Where a closed process ended, and the stage it ended at."""

    x: float
    y: float
    height: float
    on: dt.date
    label: str
    text: str = ""
    text_x: float = 0


@dataclass
class Lane:
    process: object
    label_lines: list[str]
    sublabel: str
    y: float  # top of the lane
    height: float
    bar_y: float
    segments: list[Segment] = field(default_factory=list)
    pauses: list[Segment] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    end: EndMark | None = None
    label: str = ""
    owner: str = ""
    status: str = ""

    @property
    def bar_mid(self) -> float:
        return self.bar_y + BAR_HEIGHT / 2

    @property
    def text_y(self) -> float:
        """Baseline of text inside the bar."""
        return _r(self.bar_mid + 4)

    @property
    def label_y(self) -> float:
        """Baseline of the first label line, so the label block sits level with the bar."""
        lines = len(self.label_lines) + 1
        return round(self.bar_mid - (lines - 1) * 7 + 4, 1)

    @property
    def label_lines_y(self) -> list[tuple[str, float]]:
        return [(line, round(self.label_y + 14 * i, 1)) for i, line in enumerate(self.label_lines)]

    @property
    def sublabel_y(self) -> float:
        return round(self.label_y + 14 * len(self.label_lines), 1)


@dataclass(frozen=True)
class Arrow:
    from_process_id: int
    to_process_id: int
    x: float
    y1: float
    y2: float
    label: str  # short, drawn beside the arrow
    sentence: str  # in full, for the tooltip and the text equivalent
    kind: str  # waits_for | informs
    state: str  # waiting | reached | informs
    reached: bool
    on: dt.date  # the date the arrow stands at
    stroke: str
    dash: str
    label_x: float
    label_y: float
    box_x: float  # the white box behind the label
    box_width: float

    @property
    def box_y(self) -> float:
        return _r(self.label_y - 11)


@dataclass(frozen=True)
class LegendItem:
    x: float
    y: float
    kind: str  # stage | current | pause | marker | today | arrow
    label: str
    fill: str = ""
    stroke: str = ""
    shape: str = ""
    points: str = ""
    dash: str = ""

    # Where the swatch and its text go (precomputed: the template's `add` filter truncates floats).
    @property
    def swatch_x(self) -> float:
        return _r(self.x + 8)

    @property
    def swatch_top(self) -> float:
        return _r(self.y - 6)

    @property
    def tick_top(self) -> float:
        return _r(self.y - 7)

    @property
    def tick_bottom(self) -> float:
        return _r(self.y + 7)

    @property
    def end_x(self) -> float:
        return _r(self.x + 7)

    @property
    def arrow_x2(self) -> float:
        return _r(self.x + 17)

    @property
    def text_x(self) -> float:
        return _r(self.x if self.kind == "heading" else self.x + 24)

    @property
    def text_y(self) -> float:
        return _r(self.y + 4)


@dataclass
class Timeline:
    width: int
    height: float
    start: dt.date
    end: dt.date
    today: dt.date
    today_x: float
    today_label_anchor: str  # start | middle | end, so the label stays inside the picture
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    ticks: list[Tick]
    lanes: list[Lane]
    arrows: list[Arrow]
    legend: list[LegendItem]
    title: str
    description: str

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {_r(self.height)}"

    @property
    def today_bottom(self) -> float:
        return _r(self.plot_bottom + 4)

    @property
    def today_label_y(self) -> float:
        return _r(self.plot_bottom + 18)

    @property
    def markers(self) -> list[Marker]:
        return [marker for lane in self.lanes for marker in lane.markers]


# --- Building it ---------------------------------------------------------------------------------


def build_timeline(
    *,
    processes: Iterable,
    relationships: Iterable,
    today: dt.date,
    incident_date: dt.date | None = None,
    closures=(),
) -> Timeline:
    """The geometry of the case picture, from prefetched rows only (no queries).

    Each process needs `stage_changes`, `pauses` and `milestones` (with `rule`) prefetched. If it has
    `milestone_rows` (as the case page sets) their statuses are used; otherwise each milestone's status is
    worked out for `today`, with `closures` for what counts as due soon. Ended relationships are left out.
    """
    processes = list(processes)
    relationships = [r for r in relationships if r.ended_at is None]
    stage_changes = {p.pk: list(p.stage_changes.all()) for p in processes}
    pauses = {p.pk: list(p.pauses.all()) for p in processes}
    rows = {p.pk: _milestone_rows(p, today=today, closures=closures) for p in processes}

    start, end = _axis(processes, stage_changes, pauses, rows, today, incident_date)
    scale = _Scale(start, end, PLOT_LEFT, PLOT_RIGHT)

    lanes: list[Lane] = []
    y = HEADER
    for process in processes:
        lane = _lane(process, stage_changes[process.pk], pauses[process.pk], rows[process.pk], scale, today, y)
        lanes.append(lane)
        y += lane.height
    plot_bottom = y
    by_id = {lane.process.pk: lane for lane in lanes}
    arrows = _arrows(relationships, by_id, stage_changes, scale, today)
    for lane in lanes:
        covered = [(pause.x, pause.x + pause.width) for pause in lane.pauses]
        covered += [
            (arrow.box_x, arrow.box_x + arrow.box_width)
            for arrow in arrows
            if lane.bar_y <= arrow.box_y + 7 <= lane.bar_y + BAR_HEIGHT
        ]
        lane.segments = [_place_text(segment, covered) for segment in lane.segments]

    today_x = scale.x(today)
    half = _text_width(f"Today, {_day(today)}", SMALL, bold=True) / 2
    anchor = "end" if today_x + half > WIDTH - 2 else "start" if today_x - half < PLOT_LEFT else "middle"

    legend, legend_height = _legend(lanes, arrows, plot_bottom + FOOTER + 6)
    markers = [m for lane in lanes for m in lane.markers]
    overdue = sum(1 for m in markers if m.status == Status.OVERDUE)
    count = len(lanes)
    title = f"Timeline of the {count} process{'es' if count != 1 else ''} on this case"
    description = (
        f"From {_day(start)} to {_day(end)}, one lane per process showing its stages, pauses and deadlines, "
        f"with arrows for how the processes depend on each other and a dashed line for today, {_day(today)}."
    )
    if overdue:
        description += f" {overdue} deadline{'s are' if overdue != 1 else ' is'} overdue."
    description += " A text description follows the picture."

    return Timeline(
        width=WIDTH,
        height=_r(plot_bottom + FOOTER + legend_height + 8),
        start=start,
        end=end,
        today=today,
        today_x=today_x,
        today_label_anchor=anchor,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        plot_top=HEADER - 6,
        plot_bottom=plot_bottom,
        ticks=_ticks(scale),
        lanes=lanes,
        arrows=arrows,
        legend=legend,
        title=title,
        description=description,
    )


class _Scale:
    def __init__(self, start: dt.date, end: dt.date, left: float, right: float):
        self.start, self.end, self.left, self.right = start, end, left, right
        self.days = max((end - start).days, 1)
        self.per_day = (right - left) / self.days

    def x(self, day: dt.date) -> float:
        return _r(self.left + (day - self.start).days * self.per_day)


def _milestone_rows(process, *, today: dt.date, closures) -> list[tuple[object, Status]]:
    given = getattr(process, "milestone_rows", None)
    if given is not None:
        return [(row.milestone, Status(row.status)) for row in given]
    paused = process.status == "paused"
    return [
        (m, clock.status_of(m, today=today, process_paused=paused, closures=closures)) for m in process.milestones.all()
    ]


def _axis(processes, stage_changes, pauses, rows, today, incident_date) -> tuple[dt.date, dt.date]:
    first: list[dt.date] = [p.opened_on for p in processes]
    first += [c.effective_on for changes in stage_changes.values() for c in changes]
    if incident_date:
        first.append(incident_date)
    last: list[dt.date] = [today]
    for milestones in rows.values():
        for milestone, _status in milestones:
            last.append(milestone.due_date)
            if milestone.completed_on:
                last.append(milestone.completed_on)
    last += [p.closed_on for p in processes if p.closed_on]
    last += [pause.resumed_on for ps in pauses.values() for pause in ps if pause.resumed_on]
    start, end = min(first, default=today), max(last)
    start = min(start, end)
    if (end - start).days < MIN_DAYS:
        end = start + dt.timedelta(days=MIN_DAYS)
    pad = dt.timedelta(days=max(5, math.ceil((end - start).days * 0.03)))
    return start - pad, end + pad


def _ticks(scale: _Scale) -> list[Tick]:
    """A tick on the first of every month (or every 2nd, 3rd, 6th or 12th when months are narrow), and on
    the 15th too when months are wide."""
    month_width = scale.per_day * 30.4
    months = (scale.end.year - scale.start.year) * 12 + scale.end.month - scale.start.month + 1
    step = next(
        (s for s in (1, 2, 3, 6, 12) if month_width * s >= MIN_TICK_SPACING),
        12 * math.ceil(months / 12 / 10),
    )
    days = (1, 15) if month_width >= 4 * MIN_TICK_SPACING else (1,)
    ticks: list[Tick] = []
    year, month = scale.start.year, scale.start.month
    while dt.date(year, month, 1) <= scale.end:
        for day_of_month in days if (month - 1) % step == 0 else ():
            day = dt.date(year, month, day_of_month)
            if scale.start < day <= scale.end:
                label = dateformat.format(day, "M" if day_of_month == 1 else "j M")
                show_year = day_of_month == 1 and (month == 1 or not any(t.year for t in ticks))
                ticks.append(Tick(scale.x(day), label, str(year) if show_year else ""))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return ticks


def _lane(process, changes, pauses, rows, scale: _Scale, today: dt.date, y: float) -> Lane:
    kind_def = kinds.get(process.kind) if kinds.exists(process.kind) else None

    def stage_label(key: str) -> str:
        return kind_def.stage_label(key) if kind_def else key

    label = process.kind_label
    if process.status == "closed" and process.closed_on:
        sublabel = f"Ended {_day(process.closed_on)}"
    elif process.status == "paused":
        open_pause = next((pause for pause in pauses if pause.resumed_on is None), None)
        sublabel = f"Paused since {_day(open_pause.paused_on)}" if open_pause else "Paused"
    else:
        sublabel = f"Active since {_day(process.opened_on)}"

    markers, rows_used = _markers(rows, scale, y + LANE_PAD + BAR_HEIGHT)
    height = LANE_PAD + BAR_HEIGHT + max(rows_used, 1) * MARKER_ROW + LANE_GAP
    lane = Lane(
        process=process,
        label=label,
        label_lines=_wrap(label, LABEL_WIDTH, FONT_SIZE, bold=True),
        sublabel=sublabel,
        y=y,
        height=height,
        bar_y=y + LANE_PAD,
        markers=markers,
        owner=str(process.owner) if _loaded(process, "owner") else "",
        status=process.get_status_display(),
    )

    # Stages: each from the day it was reached to the day of the next move (or today, or the end).
    if not changes:
        changes = [_Change(process.stage, process.stage_since)]
    closed_on = process.closed_on if process.status == "closed" else None
    for i, change in enumerate(changes):
        is_last = i == len(changes) - 1
        start = change.effective_on
        if is_last and closed_on:
            lane.end = _end_mark(lane, scale, closed_on, stage_label(change.to_stage))
            if closed_on <= start:
                continue
        end = changes[i + 1].effective_on if not is_last else (closed_on or None)
        name = stage_label(change.to_stage)
        current = is_last and not closed_on
        x1, x2 = scale.x(start), scale.x(end or today)
        until = f"{_day(start)} to {_day(end)}" if end else f"since {_day(start)}"
        lane.segments.append(
            _segment(
                x1,
                x2,
                lane.bar_y,
                BAR_HEIGHT,
                name,
                f"{name}: {until}",
                stage=change.to_stage,
                start=start,
                end=end,
                fill=CURRENT_FILL if current else STAGE_FILLS[len(lane.segments) % 2],
                text_fill="#ffffff" if current else TEXT,
                current=current,
            )
        )

    # Pauses: hatched over the stages, from the day it was held to the day it resumed (or today).
    for pause in pauses:
        reason = pause.get_reason_display()
        waiting = f", waiting on the {pause.caused_by.kind_def.short_label}" if _loaded(pause, "caused_by") else ""
        until = (
            f"{_day(pause.paused_on)} to {_day(pause.resumed_on)}"
            if pause.resumed_on
            else f"since {_day(pause.paused_on)}"
        )
        title = f"Paused {until}: {reason}{waiting}"
        if pause.resumed_on is None and pause.expected_resume_on:
            title += f"; expected to resume {_day(pause.expected_resume_on)}"
        x1, x2 = scale.x(pause.paused_on), scale.x(pause.resumed_on or today)
        lane.pauses.append(
            _segment(
                x1,
                x2,
                lane.bar_y - 3,
                BAR_HEIGHT + 6,
                f"Paused: {reason}",
                title,
                stage="",
                start=pause.paused_on,
                end=pause.resumed_on,
                fill="url(#timeline-hatch)",
                text_fill=TEXT,
                paused=True,
                text="Paused",
            )
        )
    return lane


def _place_text(segment: Segment, covered: list[tuple[float, float]]) -> Segment:
    """Put a stage's label where nothing covers the stage (pause hatching, an arrow's label): in the first
    clear stretch it fits in, or shortened in the longest one."""
    if not segment.text:
        return segment
    clear = [(segment.x, segment.x + segment.width)]
    for start, end in covered:
        clear = _subtract(clear, start, end)
    room = [(a, b - a - 8) for a, b in clear if b - a > 8]
    fits = next(((a, w) for a, w in room if _text_width(segment.label, SMALL) <= w), None)
    a, width = fits or max(room, key=lambda item: item[1], default=(segment.x, 0))
    return replace(segment, text=_fit(segment.label, width, SMALL), text_x=_r(a + 4))


def _subtract(intervals: list[tuple[float, float]], start: float, end: float) -> list[tuple[float, float]]:
    out = []
    for a, b in intervals:
        if end <= a or start >= b:
            out.append((a, b))
            continue
        if start > a:
            out.append((a, start))
        if end < b:
            out.append((end, b))
    return out


@dataclass(frozen=True)
class _Change:
    to_stage: str
    effective_on: dt.date


def _loaded(instance, name: str) -> bool:
    """Whether a foreign key is set and already loaded (select_related), so following it costs no query."""
    return getattr(instance, f"{name}_id", None) is not None and getattr(type(instance), name).is_cached(instance)


def _segment(x1, x2, y, height, label, title, *, text: str | None = None, **fields) -> Segment:
    width = max(x2 - x1, 2)
    shown = _fit(text if text is not None else label, width - 8, SMALL)
    return Segment(
        x=_r(x1),
        y=_r(y),
        width=_r(width),
        height=height,
        label=label,
        title=title,
        text=shown,
        text_x=_r(x1 + 4),
        **fields,
    )


def _end_mark(lane: Lane, scale: _Scale, on: dt.date, label: str) -> EndMark:
    x = scale.x(on)
    room = PLOT_RIGHT - (x + 6)
    return EndMark(
        x=_r(x - 1.5),
        y=lane.bar_y - 3,
        height=BAR_HEIGHT + 6,
        on=on,
        label=label,
        text=_fit(label, room, SMALL),
        text_x=_r(x + 6),
    )


def _markers(rows, scale: _Scale, top: float) -> tuple[list[Marker], int]:
    """A marker per milestone: at its due date while open or waived, at the day it was met once met.
    Markers that would touch go to a second row."""
    placed: list[tuple[float, object, Status, dt.date]] = []
    for milestone, status in rows:
        on = milestone.completed_on or milestone.due_date
        placed.append((scale.x(on), milestone, status, on))
    placed.sort(key=lambda item: item[0])
    last_x: list[float] = []  # the last marker's x in each row
    markers: list[Marker] = []
    for x, milestone, status, _on in placed:
        row = next((i for i, lx in enumerate(last_x) if x - lx >= 2 * MARKER_RADIUS + 2), None)
        if row is None and len(last_x) < 2:
            last_x.append(x)
            row = len(last_x) - 1
        elif row is None:  # crowded: overlap in the row that has had the most room
            row = min(range(len(last_x)), key=lambda i: last_x[i])
        last_x[row] = x
        cy = _r(top + MARKER_ROW * row + MARKER_ROW / 2 + 1)
        style = MARKER_STYLES[status]
        markers.append(
            Marker(
                x=x,
                y=cy,
                status=status,
                label=_milestone_name(milestone),
                title=_milestone_title(milestone, status),
                due=milestone.due_date,
                completed_on=milestone.completed_on,
                fill=style.fill,
                stroke=style.stroke,
                shape=style.shape,
                points=_points(style.shape, x, cy),
            )
        )
    return markers, max(len(last_x), 1)


def _points(shape: str, x: float, y: float, r: float = MARKER_RADIUS) -> str:
    if shape == "triangle":
        r += 1
        corners = [(x, y - r), (x + r, y + r * 0.8), (x - r, y + r * 0.8)]
    elif shape == "diamond":
        r += 0.5
        corners = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    elif shape == "square":
        r -= 1
        corners = [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
    else:
        return ""
    return " ".join(f"{_r(cx)},{_r(cy)}" for cx, cy in corners)


def _milestone_name(milestone) -> str:
    suffix = f" (#{milestone.occurrence})" if milestone.occurrence > 1 else ""
    return f"{milestone.rule.milestone}{suffix}"


def _milestone_title(milestone, status: Status) -> str:
    due = f"due {_weekday(milestone.due_date)}"
    if status == Status.MET:
        state = f"met on {_weekday(milestone.completed_on)}"
    elif status == Status.MET_LATE:
        state = f"met late on {_weekday(milestone.completed_on)}"
    else:
        state = status.label.lower()
    return f"{_milestone_name(milestone)}: {due}, {state}"


def _arrows(relationships, by_id: dict[int, Lane], stage_changes, scale: _Scale, today: dt.date) -> list[Arrow]:
    arrows: list[Arrow] = []
    used_x: dict[float, int] = {}
    labels_on_lane: dict[int, int] = {}
    for rel in relationships:
        source, target = by_id.get(rel.from_process_id), by_id.get(rel.to_process_id)
        if source is None or target is None:
            continue
        waits = rel.kind == "waits_for"
        reached_on = None
        if waits and rel.awaited_stage:
            reached_on = next(
                (c.effective_on for c in stage_changes[target.process.pk] if c.to_stage == rel.awaited_stage), None
            )
        on = reached_on or today
        base_x = scale.x(on)
        nudge = used_x.get(base_x, 0)
        used_x[base_x] = nudge + 1
        # Arrows at today stand just after the today line, so as not to hide it.
        x = _r(base_x + (5 if on == today else 0) + 7 * nudge)
        down = target.y > source.y
        y1 = source.bar_mid
        y2 = target.bar_y - 3 if down else target.bar_y + BAR_HEIGHT + 3

        label, sentence = _relationship_words(rel, source, target, reached_on)
        state = "reached" if reached_on else ("waiting" if waits else "informs")
        stroke, dash = ARROW_STYLES[state]
        # The label goes beside the arrow's start, on the waiting lane, where the future is usually empty.
        stacked = labels_on_lane.get(source.process.pk, 0)
        labels_on_lane[source.process.pk] = stacked + 1
        # Right of the arrow, in the waiting lane's future (usually empty), shortened if need be; if there
        # is too little room there, left of the line it stands by, clear of the other arrows there.
        right_start, left_end = x + 6, min(x, base_x) - 4
        room_right, room_left = WIDTH - 2 - right_start - 8, left_end - PLOT_LEFT - 8
        label = _fit(label, ARROW_LABEL_MAX, SMALL)
        full = _text_width(label, SMALL)
        if room_right >= min(full, ARROW_LABEL_MIN) or room_right >= room_left:
            label = _fit(label, room_right, SMALL)
            box_width = _r(_text_width(label, SMALL) + 8)
            box_x = right_start
        else:
            label = _fit(label, room_left, SMALL)
            box_width = _r(_text_width(label, SMALL) + 8)
            box_x = left_end - box_width
        label_y = _r(source.bar_mid + 4 + stacked * 15 * (1 if down else -1))
        arrows.append(
            Arrow(
                from_process_id=rel.from_process_id,
                to_process_id=rel.to_process_id,
                x=x,
                y1=y1,
                y2=y2,
                label=label,
                sentence=sentence,
                kind=rel.kind,
                state=state,
                reached=bool(reached_on),
                on=on,
                stroke=stroke,
                dash=dash,
                label_x=_r(box_x + 4),
                label_y=label_y,
                box_x=_r(box_x),
                box_width=box_width,
            )
        )
    return arrows


def _relationship_words(rel, source: Lane, target: Lane, reached_on: dt.date | None) -> tuple[str, str]:
    """A short label for the arrow and a full sentence, read from the lanes' processes (no queries)."""
    source_def = kinds.get(source.process.kind) if kinds.exists(source.process.kind) else None
    target_def = kinds.get(target.process.kind) if kinds.exists(target.process.kind) else None
    source_name = source_def.short_label if source_def else source.process.kind
    target_name = target_def.short_label if target_def else target.process.kind
    awaited = []
    if rel.awaited_stage:
        awaited.append(target_def.stage_label(rel.awaited_stage) if target_def else rel.awaited_stage)
    if rel.awaited_event:
        awaited.append(rel.awaited_event)
    awaited_text = "; ".join(awaited)
    kind_words = rel.get_kind_display()
    activity = rel.from_activity
    if rel.kind == "waits_for":
        label = f"{activity} {kind_words}: {awaited_text}" if activity else f"{kind_words}: {awaited_text}"
        sentence = f"{source_name} {activity} {kind_words} the {target_name}" if activity else None
        sentence = sentence or f"{source_name} {kind_words} the {target_name}"
        if awaited_text:
            sentence += f": {awaited_text}"
        if rel.awaited_stage:
            sentence += f" (reached {_day(reached_on)})" if reached_on else " (not yet reached)"
    else:
        label = f"{kind_words}: {activity}" if activity else f"{kind_words} the {target_name}"
        sentence = f"{source_name} {kind_words} the {target_name}"
        if activity:
            sentence += f": {activity}"
    sentence = sentence[:1].upper() + sentence[1:] + "."
    return label.strip(), sentence


def _legend(lanes: list[Lane], arrows: list[Arrow], top: float) -> tuple[list[LegendItem], float]:
    entries: list[dict] = [
        {"kind": "stage", "label": "Stage", "fill": STAGE_FILLS[0]},
        {"kind": "current", "label": "Current stage", "fill": CURRENT_FILL},
    ]
    if any(lane.pauses for lane in lanes):
        entries.append({"kind": "pause", "label": "Process paused", "fill": "url(#timeline-hatch)"})
    if any(lane.end for lane in lanes):
        entries.append({"kind": "end", "label": "Ended", "fill": TEXT})
    present = {m.status for lane in lanes for m in lane.markers}
    if present:
        entries.append({"kind": "heading", "label": "Deadlines:"})
    for status in Status:
        if status in present:
            style = MARKER_STYLES[status]
            entries.append(
                {
                    "kind": "marker",
                    "label": status.label,
                    "fill": style.fill,
                    "stroke": style.stroke,
                    "shape": style.shape,
                }
            )
    kinds_present = {arrow.state for arrow in arrows}
    arrow_labels = {"waiting": "Waits for", "reached": "Waited-for stage reached", "informs": "Informs"}
    for state in ("waiting", "reached", "informs"):
        if state in kinds_present:
            stroke, dash = ARROW_STYLES[state]
            entries.append(
                {"kind": "arrow", "label": arrow_labels[state], "stroke": stroke, "dash": dash, "shape": state}
            )
    entries.append({"kind": "today", "label": "Today", "stroke": TEXT, "dash": "4 3"})

    items: list[LegendItem] = []
    x, y = float(LABEL_X), top
    for entry in entries:
        swatch = 0 if entry["kind"] == "heading" else 24
        width = swatch + _text_width(entry["label"], SMALL) + (8 if entry["kind"] == "heading" else 18)
        if x + width > WIDTH and x > LABEL_X:
            x, y = float(LABEL_X), y + LEGEND_ROW
        points = _points(entry.get("shape", ""), x + 8, y) if entry["kind"] == "marker" else ""
        items.append(LegendItem(x=_r(x), y=_r(y), points=points, **entry))
        x += width
    return items, (y - top) + LEGEND_ROW


# --- Text ----------------------------------------------------------------------------------------


def _day(day: dt.date) -> str:
    return dateformat.format(day, "j M Y")


def _weekday(day: dt.date) -> str:
    return dateformat.format(day, "D j M Y")


def _r(value: float) -> float:
    return round(value, 1)


def _text_width(text: str, size: float, *, bold: bool = False) -> float:
    """An estimate of rendered width with no font metrics to hand, sized to DejaVu Sans (one of the widest
    system faces), so that in narrower faces text only leaves more room."""
    narrow = sum(1 for ch in text if ch in "iljtfrI.,:;'’() ")
    wide = sum(1 for ch in text if ch in "mwMW")
    upper = sum(1 for ch in text if ch.isupper() and ch not in "IMW")
    rest = len(text) - narrow - wide - upper
    em = narrow * 0.32 + wide * 0.9 + upper * 0.72 + rest * 0.63
    return em * size * (1.15 if bold else 1)


def _fit(text: str, width: float, size: float) -> str:
    """The text, or as much of it as fits with an ellipsis; blank if not even a few letters fit."""
    if _text_width(text, size) <= width:
        return text
    for end in range(len(text) - 1, 2, -1):
        candidate = text[:end].rstrip(" ,;:–-") + "…"
        if _text_width(candidate, size) <= width:
            return candidate if end >= 4 else ""
    return ""


def _wrap(text: str, width: float, size: float, *, bold: bool = False, lines: int = 2) -> list[str]:
    """Break the text into at most `lines` lines that fit; the last line is shortened if need be."""
    words, out, line = text.split(), [], ""
    for i, word in enumerate(words):
        candidate = f"{line} {word}".strip()
        if _text_width(candidate, size, bold=bold) <= width or not line:
            line = candidate
            continue
        out.append(line)
        line = word
        if len(out) == lines - 1:
            line = " ".join(words[i:])
            break
    out.append(line)
    last = out[-1]
    if _text_width(last, size, bold=bold) > width:
        out[-1] = _fit(last, width / (1.15 if bold else 1), size)
    return out
