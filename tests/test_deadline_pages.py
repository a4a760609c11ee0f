"""The deadlines dashboard and the pages that act on milestones."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination.models import Milestone
from tests.factories import add_process, open_case, test_rule, verified_login

D = dt.date


rule = test_rule


@pytest.fixture
def manager_client(client, world):
    verified_login(client, world.manager)
    return client


def _ours(response) -> list[str]:
    """The test rules' milestones on the dashboard page (seeded national rules may add others)."""
    return [row.milestone.rule.code for row in response.context["rows"] if row.milestone.rule.code.startswith("T")]


def test_the_dashboard_is_home_and_shows_what_is_overdue_or_due_soon(manager_client, world):
    today = timezone.localdate()
    rule(code="T-overdue", trigger="case:incident_date", amount=1, unit="calendar_days", roll="none")
    rule(code="T-later", amount=3, unit="months")
    add_process(world, "serious_incident_notification", opened_on=world.case.la_aware_date)
    assert world.case.incident_date < today - dt.timedelta(days=2)

    response = manager_client.get(reverse("home"))
    assert _ours(response) == ["T-overdue"]
    assert "Overdue" in response.content.decode()
    everything = manager_client.get(reverse("home"), {"show": "open"})
    assert sorted(_ours(everything)) == ["T-later", "T-overdue"]
    latest_first = manager_client.get(reverse("home"), {"show": "open", "sort": "-due"})
    assert _ours(latest_first) == ["T-later", "T-overdue"]


def test_the_dashboard_filters_by_force_process_agency_and_case(manager_client, world):
    rule(code="T-guidance", force="guidance", trigger="case:incident_date", amount=1, unit="calendar_days")
    rule(code="T-statute", force="statute", trigger="case:incident_date", amount=1, unit="calendar_days")
    add_process(world, "serious_incident_notification", opened_on=world.case.la_aware_date)
    home = reverse("home")
    assert _ours(manager_client.get(home, {"force": "statute"})) == ["T-statute"]
    assert _ours(manager_client.get(home, {"kind": "lcspr"})) == []
    assert len(_ours(manager_client.get(home, {"agency": world.council.pk}))) == 2
    assert len(_ours(manager_client.get(home, {"agency": world.outside_agency.pk}))) == 0
    assert len(_ours(manager_client.get(home, {"q": world.case.pseudonym}))) == 2
    assert _ours(manager_client.get(home, {"q": "no such case"})) == []


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def test_the_dashboard_costs_the_same_queries_for_one_row_or_fifty(manager_client, world):
    rule(trigger="case:incident_date", amount=1, unit="calendar_days")
    add_process(world, "serious_incident_notification", opened_on=world.case.la_aware_date)
    one = _queries(manager_client, reverse("home"), {"show": "open"})
    for n in range(49):
        case = open_case(manager=world.manager, partnership=world.partnership, pseudonym=f"Child {n}")
        world.case = case
        add_process(world, "serious_incident_notification", opened_on=case.la_aware_date)
    assert Milestone.objects.filter(rule__code="T1").count() == 50
    assert _queries(manager_client, reverse("home"), {"show": "open"}) == one


def test_marking_met_extending_and_waiving_through_the_pages(manager_client, world):
    rule()
    process = add_process(world, "serious_incident_notification", opened_on=world.case.la_aware_date)
    m = Milestone.objects.get(process=process, rule__code="T1")
    url = lambda action: reverse("milestone-action", args=[world.case.reference, m.pk, action])  # noqa: E731

    # A bad extension keeps what was typed and says what is missing.
    response = manager_client.post(url("extend"), {"new_due_date": m.due_date.isoformat(), "reason": "More time"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "More time" in page and "This field is required" in page
    response = manager_client.post(
        url("extend"),
        {"new_due_date": m.due_date.isoformat(), "reason": "More time", "authorised_by": "Chair", "basis": "Reg 31"},
    )
    assert "An extension moves the date later" in response.content.decode()
    later = m.due_date + dt.timedelta(days=14)
    response = manager_client.post(
        url("extend"),
        {"new_due_date": later.isoformat(), "reason": "More time", "authorised_by": "Chair", "basis": "Reg 31(3)"},
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.due_date == later
    page = manager_client.get(reverse("process-detail", args=[world.case.reference, process.pk])).content.decode()
    assert "Extended" in page and "Authorised by Chair (Reg 31(3))" in page

    response = manager_client.post(url("complete"), {"completed_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.completed_on == timezone.localdate()
    assert manager_client.post(url("waive"), {"reason": "x"}).status_code == 200  # already met: refused on the form


def test_someone_who_is_not_a_manager_cannot_act_on_milestones(client, world):
    rule()
    process = add_process(world, "serious_incident_notification", opened_on=world.case.la_aware_date)
    m = Milestone.objects.get(process=process, rule__code="T1")
    # The agency user's organisation owns the process, so they see the case and the process, but only managers act.
    verified_login(client, world.agency_user)
    url = reverse("milestone-action", args=[world.case.reference, m.pk, "waive"])
    assert client.post(url, {"reason": "not mine"}).status_code == 403
    m.refresh_from_db()
    assert m.waived_at is None


def test_correcting_the_case_dates_through_the_page_moves_the_deadline(manager_client, world):
    rule(amount=3, unit="calendar_days", roll="none")
    process = add_process(world, "serious_incident_notification", opened_on=world.case.la_aware_date)
    m = Milestone.objects.get(process=process, rule__code="T1")
    earlier = world.case.la_aware_date - dt.timedelta(days=1)
    response = manager_client.post(
        reverse("case-dates", args=[world.case.reference]),
        {"incident_date": world.case.incident_date.isoformat(), "la_aware_date": earlier.isoformat(), "reason": "Typo"},
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.due_date == earlier + dt.timedelta(days=3)
    assert m.adjustments.get().kind == "trigger_corrected"


def test_a_planned_publication_date_gives_a_send_by_date_counted_backwards(manager_client, world):
    rule(
        code="T10", process_kind="lcspr", milestone="Final report to the Panel and Secretary of State",
        trigger="date:planned_publication_date", trigger_label="planned publication", amount=7,
        direction="before",
    )  # fmt: skip
    lcspr = add_process(world, "lcspr", opened_on=world.case.la_aware_date)
    assert not lcspr.milestones.filter(rule__code="T10").exists()
    response = manager_client.post(
        reverse("process-details", args=[world.case.reference, lcspr.pk]),
        {"decision_date": "", "reviewer_name": "", "planned_publication_date": "2027-04-06"},
    )
    assert response.status_code == 302
    # 7 working days before Tue 6 Apr 2027, counted by hand past Easter Monday (29 Mar) and Good Friday
    # (26 Mar): 5 Apr (1), 2 (2), 1 (3), 31 Mar (4), 30 (5), 25 (6), 24 (7).
    assert lcspr.milestones.get(rule__code="T10").due_date == D(2027, 3, 24)
    manager_client.post(
        reverse("process-details", args=[world.case.reference, lcspr.pk]),
        {"decision_date": "", "reviewer_name": "", "planned_publication_date": "2027-04-15"},
    )
    assert lcspr.milestones.get(rule__code="T10").due_date == D(2027, 4, 6)
