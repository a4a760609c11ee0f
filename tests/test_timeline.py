"""The case page's picture of parallel processes: geometry from prefetched rows (and no queries), and an
SVG that is well-formed, script-free and followed by a text equivalent."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from coordination import selectors, services
from coordination.clock import Status
from coordination.models import Milestone, Relationship
from coordination.timeline import PLOT_LEFT, PLOT_RIGHT, build_timeline
from tests.factories import add_process

D = dt.date
TODAY = D(2027, 1, 14)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def today_is(monkeypatch):
    """Fix 'today' so dates and statuses do not depend on when the suite runs."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def case(world):
    case = world.case
    case.incident_date, case.la_aware_date = D(2026, 11, 30), D(2026, 12, 1)
    case.save()
    return case


@pytest.fixture
def processes(world, case):
    """A criminal investigation opened first and moved on once, a notification whose deadlines have
    passed, and an LCSPR opened later that is paused and waits for the trial."""
    criminal = add_process(world, "criminal_investigation", opened_on=D(2026, 12, 1))
    criminal = services.process_move(
        actor=world.manager,
        process=criminal,
        to_stage="suspect_identified",
        expected_stage="investigation_opened",
        effective_on=D(2026, 12, 15),
    )
    notification = add_process(world, "serious_incident_notification", opened_on=D(2026, 12, 1))
    lcspr = add_process(world, "lcspr", opened_on=D(2026, 12, 20))
    services.process_pause(
        actor=world.manager,
        process=lcspr,
        reason="criminal_proceedings",
        explanation="Held while the police investigate.",
        caused_by=criminal,
        paused_on=D(2027, 1, 4),
    )
    services.relationship_record(
        actor=world.manager,
        case=case,
        kind=Relationship.Kind.WAITS_FOR,
        from_process=lcspr,
        from_activity="publication",
        to_process=criminal,
        awaited_stage="concluded",
        reason="Publishing before the trial could prejudice it.",
    )
    return {"criminal": criminal, "notification": notification, "lcspr": lcspr}


def page_case(world):
    """The case as its page reads it: everything the timeline needs prefetched."""
    return selectors.case_for_page(user=world.manager, reference=world.case.reference)


def timeline_for(world, today=TODAY):
    case = page_case(world)
    return build_timeline(
        processes=case.processes.all(),
        relationships=case.relationships.all(),
        today=today,
        incident_date=case.incident_date,
    )


def lanes(timeline):
    return {lane.process.pk: lane for lane in timeline.lanes}


def svg_of(html: str) -> ET.Element:
    return ET.fromstring(html[html.index("<svg") : html.index("</svg>") + len("</svg>")])


# --- Geometry ------------------------------------------------------------------------------------


def test_one_lane_per_process_and_one_opened_earlier_starts_further_left(world, processes):
    timeline = timeline_for(world)
    by_process = lanes(timeline)
    assert [lane.process.pk for lane in timeline.lanes] == [
        processes["criminal"].pk,
        processes["notification"].pk,
        processes["lcspr"].pk,
    ]
    criminal, lcspr = by_process[processes["criminal"].pk], by_process[processes["lcspr"].pk]
    assert PLOT_LEFT <= criminal.segments[0].x < lcspr.segments[0].x
    assert criminal.y < lcspr.y  # lanes stack without overlapping
    assert lcspr.label == "Local child safeguarding practice review"
    assert lcspr.sublabel == "Paused since 4 Jan 2027"


def test_the_axis_runs_from_before_the_first_opening_to_after_today_and_the_last_deadline(world, processes):
    timeline = timeline_for(world)
    latest_due = max(m.due_date for m in Milestone.objects.all())
    assert timeline.start < D(2026, 11, 30)  # the incident, the earliest date
    assert timeline.end > max(TODAY, latest_due)
    assert PLOT_LEFT < timeline.today_x < PLOT_RIGHT
    xs = [tick.x for tick in timeline.ticks]
    assert xs == sorted(xs) and all(PLOT_LEFT <= x <= PLOT_RIGHT for x in xs)
    months = [tick for tick in timeline.ticks if "15" not in tick.label]  # a short span also ticks the 15th
    assert [(tick.label, tick.year) for tick in months][:2] == [("Dec", "2026"), ("Jan", "2027")]


def test_a_segment_per_stage_each_ending_where_the_next_begins(world, processes):
    timeline = timeline_for(world)
    criminal = lanes(timeline)[processes["criminal"].pk]
    first, second = criminal.segments
    assert (first.stage, second.stage) == ("investigation_opened", "suspect_identified")
    assert (first.start, first.end, second.start, second.end) == (
        D(2026, 12, 1),
        D(2026, 12, 15),
        D(2026, 12, 15),
        None,
    )
    assert first.x + first.width == pytest.approx(second.x, abs=0.2)
    assert second.current and not first.current
    assert second.x + second.width == pytest.approx(timeline.today_x, abs=0.2)  # the current stage runs to today
    assert second.title == "Suspect identified: since 15 Dec 2026"
    assert not any(segment.paused for segment in criminal.segments)


def test_a_closed_process_ends_with_its_closing_stage(world, processes):
    services.process_move(
        actor=world.manager,
        process=processes["criminal"],
        to_stage="no_further_action",
        expected_stage="suspect_identified",
        effective_on=D(2027, 1, 8),
    )
    timeline = timeline_for(world)
    criminal = lanes(timeline)[processes["criminal"].pk]
    assert [s.stage for s in criminal.segments] == ["investigation_opened", "suspect_identified"]
    assert criminal.segments[-1].end == D(2027, 1, 8) and not criminal.segments[-1].current
    assert criminal.end.on == D(2027, 1, 8) and criminal.end.label == "No further action"
    assert criminal.sublabel == "Ended 8 Jan 2027"


def test_a_pause_is_drawn_from_the_day_it_was_held_to_today_then_to_the_day_it_resumed(world, processes):
    lcspr = lanes(timeline_for(world))[processes["lcspr"].pk]
    (pause,) = lcspr.pauses
    assert pause.paused and pause.start == D(2027, 1, 4) and pause.end is None
    assert pause.fill == "url(#timeline-hatch)"
    assert pause.title.startswith("Paused since 4 Jan 2027: Pending criminal proceedings")
    assert "waiting on the criminal investigation" in pause.title

    services.process_resume(actor=world.manager, process=processes["lcspr"], resumed_on=D(2027, 1, 11))
    timeline = timeline_for(world)
    (pause,) = lanes(timeline)[processes["lcspr"].pk].pauses
    assert pause.end == D(2027, 1, 11)
    assert pause.x + pause.width < timeline.today_x


def test_an_overdue_deadline_has_the_overdue_class_and_says_so(world, processes):
    timeline = timeline_for(world)
    notification = lanes(timeline)[processes["notification"].pk]
    assert notification.markers
    overdue = [m for m in notification.markers if m.status == Status.OVERDUE]
    assert overdue, [m.title for m in notification.markers]
    marker = overdue[0]
    assert "status-overdue" in marker.css_class.split()
    assert marker.shape == "triangle" and marker.fill == "#d4351c"
    assert marker.x < timeline.today_x
    milestone = Milestone.objects.get(process=processes["notification"], rule__milestone=marker.label)
    assert (
        marker.title
        == f"{marker.label}: due {milestone.due_date:%a} {milestone.due_date.day} {milestone.due_date:%b %Y}, overdue"
    )
    assert "overdue" in timeline.description


def test_a_met_deadline_sits_where_it_was_met_as_a_diamond(world, processes):
    services.process_move(
        actor=world.manager,
        process=processes["notification"],
        to_stage="notified",
        expected_stage="incident_identified",
        effective_on=D(2026, 12, 3),
    )
    met = Milestone.objects.get(process=processes["notification"], rule__code="L1")  # met by "notified"
    assert met.completed_on == D(2026, 12, 3)
    timeline = timeline_for(world)
    scale_left, per_day = (
        timeline.plot_left,
        (timeline.plot_right - timeline.plot_left) / (timeline.end - timeline.start).days,
    )
    marker = next(m for m in timeline.markers if m.label == met.rule.milestone)
    assert marker.status == Status.MET and marker.shape == "diamond" and "status-met" in marker.css_class
    assert marker.x == pytest.approx(scale_left + (met.completed_on - timeline.start).days * per_day, abs=0.2)
    assert marker.title.endswith(", met on Thu 3 Dec 2026")


def test_statuses_worked_out_for_the_page_are_used_as_given(world, processes):
    case = page_case(world)
    listed = list(case.processes.all())
    for process in listed:
        process.milestone_rows = [selectors.MilestoneRow(m, Status.UPCOMING) for m in process.milestones.all()]
    timeline = build_timeline(processes=listed, relationships=[], today=TODAY)
    assert {m.status for m in timeline.markers} == {Status.UPCOMING}


def test_a_relationship_is_an_arrow_from_the_waiting_lane_to_the_awaited_one(world, processes):
    timeline = timeline_for(world)
    by_process = lanes(timeline)
    criminal, lcspr = by_process[processes["criminal"].pk], by_process[processes["lcspr"].pk]
    (arrow,) = timeline.arrows
    assert (arrow.from_process_id, arrow.to_process_id) == (processes["lcspr"].pk, processes["criminal"].pk)
    assert arrow.y1 == lcspr.bar_mid
    assert criminal.y < arrow.y2 < criminal.y + criminal.height  # it points at the criminal lane
    assert not arrow.reached and arrow.on == TODAY
    assert timeline.today_x <= arrow.x < timeline.today_x + 10  # just after the today line
    assert arrow.label == "publication waits for: Criminal proceedings concluded"
    assert arrow.sentence == (
        "LCSPR publication waits for the criminal investigation: Criminal proceedings concluded (not yet reached)."
    )


def test_an_arrow_stands_at_the_date_the_awaited_stage_was_reached_and_ended_ones_are_left_out(world, processes):
    reached = services.relationship_record(
        actor=world.manager,
        case=world.case,
        kind=Relationship.Kind.WAITS_FOR,
        from_process=processes["notification"],
        to_process=processes["criminal"],
        awaited_stage="suspect_identified",
        reason="Named once a suspect is identified.",
    )
    timeline = timeline_for(world)
    arrow = next(a for a in timeline.arrows if a.from_process_id == processes["notification"].pk)
    assert arrow.reached and arrow.on == D(2026, 12, 15)
    assert arrow.x == lanes(timeline)[processes["criminal"].pk].segments[1].x
    assert arrow.sentence.endswith("(reached 15 Dec 2026).")

    services.relationship_end(actor=world.manager, relationship=reached, reason="No longer relevant.")
    assert [a.from_process_id for a in timeline_for(world).arrows] == [processes["lcspr"].pk]


def test_building_the_timeline_from_the_page_s_prefetched_case_costs_no_queries(
    world, processes, django_assert_num_queries
):
    case = page_case(world)
    listed, relationships = list(case.processes.all()), list(case.relationships.all())
    with django_assert_num_queries(0):
        timeline = build_timeline(
            processes=listed, relationships=relationships, today=TODAY, incident_date=case.incident_date
        )
        render_to_string("cases/timeline.html", {"timeline": timeline})
    assert len(timeline.lanes) == 3 and timeline.arrows


# --- Rendering -----------------------------------------------------------------------------------


def test_the_svg_is_well_formed_accessible_and_free_of_script(world, processes):
    html = render_to_string("cases/timeline.html", {"timeline": timeline_for(world)})
    svg = svg_of(html)
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    assert title.get("id") == svg.get("aria-labelledby")
    assert title.text == "Timeline of the 3 processes on this case"
    assert svg.find(f"{SVG}desc").get("id") == svg.get("aria-describedby")
    assert svg.get("viewBox").startswith("0 0 1060 ") and svg.get("width") == "100%"
    elements = list(svg.iter())
    assert not [e for e in elements if e.tag in (f"{SVG}script", f"{SVG}foreignObject")]
    assert not [(e.tag, a) for e in elements for a in e.attrib if a.lower().startswith("on") or a == "style"]
    assert svg.find(f".//{SVG}marker") is not None  # the arrowheads
    assert svg.find(f".//{SVG}pattern[@id='timeline-hatch']") is not None
    today_lines = [e for e in svg.iter(f"{SVG}line") if e.get("stroke-dasharray") == "4 3"]
    assert today_lines, "a dashed line for today"
    overdue = [g for g in svg.iter(f"{SVG}g") if "status-overdue" in (g.get("class") or "").split()]
    assert overdue and overdue[0].find(f"{SVG}title").text.endswith(", overdue")
    texts = " ".join(t for e in svg.iter() for t in [e.text] if t)
    assert "Suspect identified" in texts and "Local child safeguarding" in texts
    assert "Today, 14 Jan 2027" in texts
    assert "<figure" in html and "<figcaption" in html and "<script" not in html


def test_the_text_equivalent_lists_stages_pauses_deadlines_and_relationships(world, processes):
    timeline = timeline_for(world)
    html = render_to_string("cases/timeline.html", {"timeline": timeline})
    text = html[html.index("</svg>") :]
    assert "Text description of the timeline" in text
    assert "Investigation opened: 1 Dec 2026 to 15 Dec 2026" in text
    assert "Suspect identified: since 15 Dec 2026 (current stage)" in text
    assert "Paused since 4 Jan 2027: Pending criminal proceedings" in text
    for marker in timeline.markers:
        assert marker.title.replace("'", "&#x27;") in text
    assert (
        "LCSPR publication waits for the criminal investigation: Criminal proceedings concluded (not yet reached)."
        in text
    )


def test_text_from_users_is_escaped_in_the_picture_and_the_description(world, processes):
    services.relationship_record(
        actor=world.manager,
        case=world.case,
        kind=Relationship.Kind.INFORMS,
        from_process=processes["notification"],
        from_activity='<script>alert("x")</script> & more',
        to_process=processes["lcspr"],
        reason="Testing escaping.",
    )
    html = render_to_string("cases/timeline.html", {"timeline": timeline_for(world)})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    svg = svg_of(html)  # still well-formed
    titles = [e.text for e in svg.iter(f"{SVG}title")]
    assert any('<script>alert("x")</script> & more' in (t or "") for t in titles)


def test_nothing_is_drawn_for_a_case_without_processes(world, case):
    timeline = timeline_for(world)
    assert timeline.lanes == []
    assert render_to_string("cases/timeline.html", {"timeline": timeline}).strip() == ""
