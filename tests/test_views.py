"""The pages a partnership manager uses: what they show, what they refuse, and what they cost in queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination import grants, services
from coordination.models import Case, Process
from tests.factories import add_process, open_case, verified_login

TODAY = timezone.localdate


@pytest.fixture
def manager_client(client, world):
    verified_login(client, world.manager)
    return client


def test_pages_need_a_signed_in_user(client, world):
    for url in (reverse("case-list"), reverse("case-detail", args=[world.case.reference])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_the_case_list_searches_by_reference_or_pseudonym_and_filters(manager_client, world):
    other = open_case(manager=world.manager, partnership=world.partnership, pseudonym="Child Z")
    add_process(world, "lcspr")

    def listed(**params):
        page = manager_client.get(reverse("case-list"), params).context["page"]
        return {case.reference for case in page.object_list}

    assert listed() == {world.case.reference, other.reference}
    assert listed(q="child z") == {other.reference}
    assert listed(q=world.case.reference.lower()) == {world.case.reference}
    assert listed(kind="lcspr") == {world.case.reference}
    assert listed(status="closed") == set()
    services.case_close(actor=world.manager, case=other, note="No processes were needed.")
    assert listed(status="closed") == {other.reference}


def _page_and_queries(client, url) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
    return response.content.decode(), len(captured)


def test_the_case_list_costs_the_same_queries_for_one_case_or_a_full_page(manager_client, world):
    add_process(world, "lcspr")
    page, few = _page_and_queries(manager_client, reverse("case-list"))
    assert "1 case<" in page and world.case.reference in page and "Local child safeguarding practice review" in page
    for n in range(30):
        case = open_case(manager=world.manager, partnership=world.partnership, pseudonym=f"Child {n}")
        for kind in ("serious_incident_notification", "rapid_review"):
            services.process_add(actor=world.manager, case=case, kind=kind, owner=world.council, opened_on=TODAY())
    page, many = _page_and_queries(manager_client, reverse("case-list"))
    assert many == few
    # A full page of 25 of the 31 cases, each with its processes, and a way to the rest.
    assert "31 cases" in page and page.count('href="/cases/NSCP-') == 25
    assert page.count("Serious incident notification") >= 24 and page.count("Rapid review") >= 24
    assert "?page=2" in page


def test_the_case_page_costs_the_same_queries_however_many_processes(manager_client, world):
    url = reverse("case-detail", args=[world.case.reference])
    lcspr = add_process(world, "lcspr")
    criminal = add_process(world, "criminal_investigation")
    services.relationship_record(
        actor=world.manager,
        case=world.case,
        kind="waits_for",
        from_process=lcspr,
        to_process=criminal,
        awaited_stage="concluded",
        reason="Trial first.",
    )
    page, few = _page_and_queries(manager_client, url)
    assert "waits for" in page and "Trial first." in page
    for kind in ("iopc_investigation", "coronial_investigation", "misconduct_proceedings", "child_death_review"):
        process = add_process(world, kind)
        services.process_pause(actor=world.manager, process=process, reason="other", explanation="Held.")
        services.relationship_record(
            actor=world.manager, case=world.case, kind="informs", from_process=process, to_process=lcspr, reason="x"
        )
    page, many = _page_and_queries(manager_client, url)
    assert many == few
    for label in ("IOPC investigation", "Coronial investigation and inquest", "Police misconduct proceedings",
                  "Child death review"):  # fmt: skip
        assert label in page
    assert page.count("Held.") >= 4  # each pause, with its explanation


def test_the_case_page_shows_processes_history_and_what_waits_for_what(manager_client, world):
    lcspr = add_process(world, "lcspr", opened_on=TODAY() - dt.timedelta(days=10))
    criminal = add_process(world, "criminal_investigation", owner=world.council)
    services.process_move(
        actor=world.manager,
        process=lcspr,
        to_stage="reviewer_appointed",
        expected_stage="commissioning",
        effective_on=TODAY() - dt.timedelta(days=2),
        note="Reviewer chosen from the Panel's pool.",
    )
    services.relationship_record(
        actor=world.manager,
        case=world.case,
        kind="waits_for",
        from_process=lcspr,
        from_activity="publication",
        to_process=criminal,
        awaited_stage="concluded",
        reason="Practitioners are witnesses.",
        agreed_by="SIO and LCSPR chair",
    )
    page = manager_client.get(reverse("case-detail", args=[world.case.reference])).content.decode()
    assert "Local child safeguarding practice review" in page
    assert "Reviewer appointed" in page
    assert "Moved from “Commissioning” to “Reviewer appointed”" in page
    assert "Reviewer chosen from the Panel&#x27;s pool." in page
    assert "recorded " in page  # recorded today, happened two days ago
    assert "LCSPR publication</strong> waits for:" in page
    assert "criminal investigation – Criminal proceedings concluded" in page
    assert "Not yet reached" in page


def test_a_manager_opens_a_case_and_bad_input_keeps_what_was_typed(manager_client, world):
    url = reverse("case-open")
    form = {
        "partnership": world.partnership.pk,
        "pseudonym": "Child Y",
        "incident_type": "serious_harm",
        "incident_date": (TODAY() - dt.timedelta(days=3)).isoformat(),
        "la_aware_date": (TODAY() - dt.timedelta(days=5)).isoformat(),
        "summary": "Admitted with a head injury.",
    }
    response = manager_client.post(url, form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot have become aware before the incident happened" in page
    assert 'value="Child Y"' in page and "Admitted with a head injury." in page
    assert Case.objects.count() == 1

    form["la_aware_date"] = form["incident_date"]
    response = manager_client.post(url, form)
    new_case = Case.objects.get(pseudonym="Child Y")
    assert response.url == reverse("case-detail", args=[new_case.reference])


def test_a_refused_move_says_why_and_keeps_the_note(manager_client, world):
    lcspr = add_process(world, "lcspr")
    response = manager_client.post(
        reverse("process-move", args=[world.case.reference, lcspr.pk]),
        {
            "to_stage": "published",
            "expected_stage": "commissioning",
            "effective_on": TODAY().isoformat(),
            "note": "Chair wants it out",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "cannot move from “Commissioning” to “Published”" in page
    assert "after the final report is agreed" in page
    assert "Chair wants it out" in page
    assert Process.objects.get(pk=lcspr.pk).stage == "commissioning"


def test_moving_pausing_resuming_and_relating_through_the_pages(manager_client, world):
    lcspr = add_process(world, "lcspr")
    criminal = add_process(world, "criminal_investigation")
    ref = world.case.reference
    today = TODAY().isoformat()
    response = manager_client.post(
        reverse("process-move", args=[ref, lcspr.pk]),
        {"to_stage": "reviewer_appointed", "expected_stage": "commissioning", "effective_on": today, "note": "ok"},
    )
    assert response.status_code == 302
    assert Process.objects.get(pk=lcspr.pk).stage == "reviewer_appointed"
    assert "Reviewer appointed" in manager_client.get(response.url).content.decode()
    response = manager_client.post(
        reverse("process-pause", args=[ref, lcspr.pk]),
        {
            "reason": "criminal_proceedings",
            "explanation": "Trial listed.",
            "caused_by": criminal.pk,
            "paused_on": today,
        },
    )
    assert response.status_code == 302
    assert Process.objects.get(pk=lcspr.pk).status == "paused"
    assert "Trial listed." in manager_client.get(response.url).content.decode()
    response = manager_client.post(reverse("process-resume", args=[ref, lcspr.pk]), {"resumed_on": today})
    assert response.status_code == 302
    assert Process.objects.get(pk=lcspr.pk).status == "active"
    assert lcspr.pauses.get().resumed_on == TODAY()
    response = manager_client.post(
        reverse("relationship-record", args=[ref]),
        {
            "kind": "waits_for",
            "from_process": lcspr.pk,
            "from_activity": "publication",
            "to_process": criminal.pk,
            "awaited_stage": "concluded",
            "reason": "Trial first.",
        },
    )
    assert response.status_code == 302
    relationship = world.case.relationships.get()
    assert "Trial first." in manager_client.get(reverse("case-detail", args=[ref])).content.decode()
    response = manager_client.post(reverse("relationship-end", args=[ref, relationship.pk]), {"reason": "Agreed."})
    assert response.status_code == 302
    relationship.refresh_from_db()
    assert relationship.ended_by == world.manager


def test_a_stale_page_cannot_overwrite_a_newer_move(manager_client, world):
    lcspr = add_process(world, "lcspr")
    url = reverse("process-move", args=[world.case.reference, lcspr.pk])
    today = TODAY().isoformat()
    manager_client.post(
        url, {"to_stage": "reviewer_appointed", "expected_stage": "commissioning", "effective_on": today}
    )
    # The same form, submitted again from a page that still shows "Commissioning".
    response = manager_client.post(
        url, {"to_stage": "reviewer_appointed", "expected_stage": "commissioning", "effective_on": today}
    )
    assert "While you had this page open" in response.content.decode()
    assert lcspr.stage_changes.count() == 2


def test_a_user_who_is_not_a_manager_can_read_but_not_change(client, world):
    lcspr = add_process(world, "lcspr")
    grants.grant(actor=world.manager, case=world.case, scope="case", user=world.agency_user, reason="Reads it.")
    verified_login(client, world.agency_user)
    page = client.get(reverse("case-detail", args=[world.case.reference])).content.decode()
    assert "Add a process" not in page
    assert (
        "Move to stage"
        not in client.get(reverse("process-detail", args=[world.case.reference, lcspr.pk])).content.decode()
    )
    response = client.post(
        reverse("process-move", args=[world.case.reference, lcspr.pk]),
        {"to_stage": "reviewer_appointed", "expected_stage": "commissioning", "effective_on": TODAY().isoformat()},
    )
    assert response.status_code == 403
    assert client.get(reverse("case-open")).status_code == 403
    assert Process.objects.get(pk=lcspr.pk).stage == "commissioning"


def test_unknown_cases_and_processes_answer_404(manager_client, world):
    assert manager_client.get(reverse("case-detail", args=["NSCP-1999-999"])).status_code == 404
    assert manager_client.get(reverse("process-detail", args=[world.case.reference, 999999])).status_code == 404


def test_the_health_check_answers_without_signing_in(client, db):
    body = client.get(reverse("healthz")).json()
    assert body["database"] == "ok"
