"""Reading through the API: what a key sees is what the access layer gives its organisation. Another
organisation's key gets 404 for each object and finds none of them in any list. Lists page on a stable order,
`updated_since` synchronises, and a list costs the same number of queries for one row as for twenty."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coordination.models import Case, Membership, Milestone, Notification, Process
from sharing import documents
from tests.api_support import client_for, is_problem, issue_key, key_client
from tests.factories import add_process, member, open_case, request_notifications, submitted_request, test_rule


@pytest.fixture
def objects(sharing_world):
    """The world's case with a process (and its deadline), a request to the council and a document on it."""
    sw = sharing_world
    test_rule(trigger="case:la_aware_date")
    process = add_process(sw.world, "serious_incident_notification", opened_on=sw.world.case.la_aware_date)
    request = submitted_request(sw)
    upload = SimpleUploadedFile("notes.csv", b"date,event\n2026-01-05,Visit\n", content_type="text/csv")
    document = documents.document_add(actor=sw.world.agency_user, case=sw.world.case, title="Visit notes",
                                      classification="OFFICIAL-SENSITIVE", descriptor="", handling_instructions="",
                                      upload=upload, request=request)  # fmt: skip
    notification = request_notifications(request).first()
    return {
        "sw": sw,
        "process": process,
        "milestone": Milestone.objects.filter(process=process, rule__code="T1").get(),
        "request": request,
        "document": document,
        "notification": notification,
    }


def _detail_urls(objects) -> list[str]:
    case = objects["sw"].world.case
    return [
        f"/api/v1/cases/{case.reference}/",
        f"/api/v1/processes/{objects['process'].pk}/",
        f"/api/v1/milestones/{objects['milestone'].pk}/",
        f"/api/v1/sharing-requests/{objects['request'].reference}/",
        f"/api/v1/documents/{objects['document'].pk}/",
        f"/api/v1/documents/{objects['document'].pk}/versions/1/download/",
    ]


LISTS = ["/api/v1/cases/", "/api/v1/processes/", "/api/v1/milestones/", "/api/v1/sharing-requests/",
         "/api/v1/documents/", "/api/v1/notifications/"]  # fmt: skip


def test_the_organisations_key_reads_each_object(objects):
    council = client_for(objects["sw"].world.council)
    for url in _detail_urls(objects):
        response = council.get(url)
        assert response.status_code == 200, url
        assert response["ETag"].startswith('"'), url
        assert "no-store" in response["Cache-Control"], url  # a key's answers are kept in no cache either


def test_another_organisations_key_gets_404_for_every_object_and_finds_none_in_any_list(objects):
    outsider = client_for(objects["sw"].world.outside_agency)
    for url in _detail_urls(objects):
        body = is_problem(outsider.get(url), 404)
        assert objects["sw"].world.case.reference not in str(body), url
    case = objects["sw"].world.case
    for url in LISTS:
        response = outsider.get(url)
        assert response.status_code == 200 and response.json()["results"] == [], url
        assert case.reference not in response.content.decode() and case.pseudonym not in response.content.decode()


def test_a_case_shows_every_process_in_summary_and_the_detail_only_where_granted(objects):
    sw = objects["sw"]
    iopc = client_for(sw.iopc)  # granted the case, not the process
    case = iopc.get(f"/api/v1/cases/{sw.world.case.reference}/").json()
    summary = case["processes"][0]
    assert summary["stage"] == objects["process"].stage and summary["detail_visible"] is False
    assert summary["url"] is None
    is_problem(iopc.get(f"/api/v1/processes/{objects['process'].pk}/"), 404)
    council = client_for(sw.world.council)  # owns the process
    summary = council.get(f"/api/v1/cases/{sw.world.case.reference}/").json()["processes"][0]
    assert summary["detail_visible"] is True and council.get(summary["url"]).status_code == 200


def test_the_childs_identity_is_never_in_the_api(objects):
    from coordination.models import ChildIdentity

    sw = objects["sw"]
    ChildIdentity.objects.create(case=sw.world.case, full_name="Ada Example", nhs_number="9990000018")
    manager = member(sw.world.council, Membership.Role.PARTNERSHIP_MANAGER)
    from coordination import grants

    grants.grant(actor=sw.world.manager, case=sw.world.case, scope="identity", user=manager, reason="Coroner.")
    from django.test import Client

    from tests.factories import verified_login

    client = Client()
    verified_login(client, manager)
    for url in [*LISTS, *_detail_urls(objects)]:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Ada Example" not in body and b"9990000018" not in body, url


def test_a_download_is_audited_and_sent_like_the_browsers(objects):
    from coordination.models import AuditEntry

    sw = objects["sw"]
    api_key, plaintext = issue_key(sw.world.council)
    response = key_client(plaintext).get(f"/api/v1/documents/{objects['document'].pk}/versions/1/download/")
    assert b"".join(response.streaming_content).startswith(b"date,event")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    assert response["ETag"] == f'"{objects["document"].versions.get().sha256}"'
    assert AuditEntry.objects.filter(action="download", actor=api_key.user).exists()


def test_a_read_answers_304_while_the_etag_is_current(objects):
    council = client_for(objects["sw"].world.council)
    url = f"/api/v1/sharing-requests/{objects['request'].reference}/"
    etag = council.get(url)["ETag"]
    unchanged = council.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged["ETag"] == etag
    assert council.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_organisations_are_readable_by_every_caller(objects):
    outsider = client_for(objects["sw"].world.outside_agency)
    names = {row["name"] for row in outsider.get("/api/v1/organisations/").json()["results"]}
    assert objects["sw"].world.council.name in names
    assert outsider.get(f"/api/v1/organisations/{objects['sw'].world.council.pk}/").status_code == 200


def test_notifications_are_the_callers_own(objects):
    sw = objects["sw"]
    api_key, plaintext = issue_key(sw.world.council)
    # The council's key user is one of the provider's caseworkers: told of a request submitted to the council.
    request = submitted_request(sw)
    client = key_client(plaintext)
    rows = client.get("/api/v1/notifications/?unread=true").json()["results"]
    assert rows and all(row["subject"]["type"] == "sharing_request" for row in rows)
    assert all(row["subject"]["id"] == request.reference for row in rows)
    read = client.post(f"/api/v1/notifications/{rows[0]['id']}/read/")
    assert read.status_code == 200 and read.json()["read_at"]
    mine = Notification.objects.filter(user=api_key.user).values_list("pk", flat=True)
    others = Notification.objects.exclude(pk__in=mine).first()
    if others is not None:
        is_problem(client.post(f"/api/v1/notifications/{others.pk}/read/"), 404)


# --- Pages and synchronisation ----------------------------------------------------------------------


def _all_pages(client, url) -> list[dict]:
    rows = []
    while url:
        page = client.get(url).json()
        rows += page["results"]
        url = page["next"]
    return rows


def test_cursor_pages_neither_repeat_nor_skip_rows_even_when_rows_change_between_pages(world):
    for n in range(6):
        open_case(manager=world.manager, partnership=world.partnership, pseudonym=f"Child {n}")
    client = client_for_manager(world)
    first = client.get("/api/v1/cases/?page_size=3").json()
    assert len(first["results"]) == 3 and first["next"]
    # A case on the first page changes: it moves to the end, and is met again there, not lost.
    changed = Case.objects.get(reference=first["results"][0]["reference"])
    changed.summary = "Changed."
    changed.save()
    rest = _all_pages(client, first["next"])
    seen = [row["reference"] for row in first["results"] + rest]
    assert set(seen) == set(Case.objects.values_list("reference", flat=True))
    assert seen.count(changed.reference) == 2 and len(seen) == Case.objects.count() + 1
    assert rest[-1]["reference"] == changed.reference


def client_for_manager(world):
    from django.test import Client

    from tests.factories import verified_login

    client = Client()
    verified_login(client, world.manager)
    return client


def test_rows_with_the_same_updated_at_are_paged_in_id_order(world):
    for n in range(4):
        open_case(manager=world.manager, partnership=world.partnership, pseudonym=f"Child {n}")
    moment = timezone.now()
    Case.objects.update(updated_at=moment)
    rows = _all_pages(client_for_manager(world), "/api/v1/cases/?page_size=2")
    references = [row["reference"] for row in rows]
    assert references == list(Case.objects.order_by("id").values_list("reference", flat=True))


def test_updated_since_gives_what_changed_at_or_after_the_moment(world):
    old = open_case(manager=world.manager, partnership=world.partnership, pseudonym="Child Old")
    Case.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=3))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    client = client_for_manager(world)
    listed = {
        row["reference"] for row in _all_pages(client, f"/api/v1/cases/?updated_since={since.replace('+', '%2B')}")
    }
    assert old.reference not in listed and world.case.reference in listed
    exact = Case.objects.get(pk=world.case.pk).updated_at.isoformat().replace("+", "%2B")
    assert world.case.reference in {r["reference"] for r in _all_pages(client, f"/api/v1/cases/?updated_since={exact}")}


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "0001-01-01T00:00:00%2B05:00"])
def test_a_bad_updated_since_or_cursor_is_a_problem_naming_the_parameter(world, value):
    client = client_for_manager(world)
    assert "updated_since" in is_problem(client.get(f"/api/v1/cases/?updated_since={value}"), 400)["errors"]
    assert "cursor" in is_problem(client.get("/api/v1/cases/?cursor=bm9wZQ"), 400)["errors"]
    assert "page_size" in is_problem(client.get("/api/v1/cases/?page_size=0"), 400)["errors"]


def test_processes_and_milestones_synchronise_by_updated_at_too(objects):
    council = client_for(objects["sw"].world.council)
    later = (timezone.now() + dt.timedelta(minutes=1)).isoformat().replace("+", "%2B")
    for url in ("/api/v1/processes/", "/api/v1/milestones/", "/api/v1/sharing-requests/"):
        assert council.get(url).json()["results"], url
        assert council.get(f"{url}?updated_since={later}").json()["results"] == [], url


# --- Query counts ------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
    return len(captured)


def test_every_list_costs_the_same_queries_for_one_row_or_twenty(objects):
    sw = objects["sw"]
    api_key, plaintext = issue_key(sw.world.council)
    client = key_client(plaintext)
    client.get("/api/v1/cases/")  # the key's first use notes it (a write); later requests in the minute do not
    Notification.objects.create(user=api_key.user, kind="update", case=sw.world.case, subject_type="sharing_request",
                                subject_id=objects["request"].pk, message="m", created_at=timezone.now())  # fmt: skip
    few = {url: _queries(client, url) for url in LISTS}
    for n in range(19):
        case = open_case(manager=sw.world.manager, partnership=sw.world.partnership, pseudonym=f"Child {n}")
        sw.world.case = case
        from coordination import grants

        grants.grant(actor=sw.world.manager, case=case, scope="case", organisation=sw.iopc, reason="IOPC.")
        add_process(sw.world, "serious_incident_notification", opened_on=case.la_aware_date)
        add_process(sw.world, "lcspr")
        request = submitted_request(sw)
        upload = SimpleUploadedFile("n.csv", b"a,b\n1,2\n", content_type="text/csv")
        documents.document_add(actor=sw.world.agency_user, case=case, title=f"Doc {n}", upload=upload,
                               classification="OFFICIAL", descriptor="", handling_instructions="",
                               request=request)  # fmt: skip
        Notification.objects.create(user=api_key.user, kind="update", case=case, subject_type="sharing_request",
                                    subject_id=request.pk, message="m", created_at=timezone.now())  # fmt: skip
    assert Process.objects.count() >= 39
    many = {url: _queries(client, url) for url in LISTS}
    assert many == few


def test_a_case_opened_by_a_partnership_manager_through_the_api(world):
    client = client_for_manager(world)
    body = {"partnership": "NSCP", "pseudonym": "Child R", "incident_type": "death",
            "incident_date": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
            "la_aware_date": timezone.localdate().isoformat()}  # fmt: skip
    from tests.factories import verified_login  # noqa: F401 - the session above is already verified

    response = client.post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code == 201 and response["Location"].endswith(
        f"/api/v1/cases/{response.json()['reference']}/"
    )
    assert response["ETag"] == client.get(response["Location"])["ETag"]
    key_of_council = client_for(world.council)
    is_problem(key_of_council.post("/api/v1/cases/", body, content_type="application/json"), 403)
