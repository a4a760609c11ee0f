"""Changing things through the API: the same services as the browser, with If-Match against lost updates,
Idempotency-Key against double changes, errors as problem documents with a message per field, and a rate
limit per key."""

import datetime as dt
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from coordination.models import Milestone
from integrations.models import IdempotencyRecord
from sharing import deadlines as sharing_deadlines
from sharing import services as sharing_services
from sharing.models import SharingDecision, SharingRequest
from tests.api_support import client_for, is_problem, issue_key, key_client
from tests.factories import COMPLETE_REQUEST, add_process, submitted_request, verified_login

JSON = "application/json"


def _session(user) -> Client:
    client = Client()
    verified_login(client, user)
    return client


def _post(client, url, body=None, **headers):
    return client.post(url, body or {}, content_type=JSON, headers=headers)


def _request_url(request) -> str:
    return f"/api/v1/sharing-requests/{request.reference}/"


# --- If-Match ---------------------------------------------------------------------------------------


def test_a_change_needs_if_match_and_is_refused_when_stale(sharing_world):
    request = submitted_request(sharing_world)
    council = client_for(sharing_world.world.council)
    url = _request_url(request)
    assert "If-Match" in is_problem(_post(council, url + "acknowledge/"), 428)["detail"]
    etag = council.get(url)["ETag"]
    # Someone at the council acknowledges it in the browser meanwhile.
    sharing_services.request_acknowledge(actor=sharing_world.world.agency_user, request=request)
    stale = _post(council, url + "consider/", **{"If-Match": etag})
    is_problem(stale, 412)
    assert stale["ETag"] == council.get(url)["ETag"] != etag
    fresh = council.get(url)["ETag"]
    response = _post(council, url + "consider/", {"note": "Looking now."}, **{"If-Match": fresh})
    assert response.status_code == 200 and response.json()["status"] == "under_consideration"
    assert response["ETag"] == council.get(url)["ETag"] != fresh


def test_an_if_match_that_names_the_current_etag_among_others_passes(sharing_world):
    request = submitted_request(sharing_world)
    council = client_for(sharing_world.world.council)
    etag = council.get(_request_url(request))["ETag"]
    response = _post(council, _request_url(request) + "acknowledge/", **{"If-Match": f'"old", {etag}'})
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    request.refresh_from_db()
    assert request.status == "acknowledged"


# --- Idempotency-Key --------------------------------------------------------------------------------


def _decide(client, request, key, outcome="share_in_full"):
    etag = client.get(_request_url(request))["ETag"]
    return _post(client, _request_url(request) + "decide/", {"outcome": outcome},
                 **{"If-Match": etag, "Idempotency-Key": key})  # fmt: skip


def test_a_replay_gets_the_first_answer_and_makes_no_second_change(sharing_world):
    request = submitted_request(sharing_world)
    sharing_services.request_acknowledge(actor=sharing_world.world.agency_user, request=request)
    council = client_for(sharing_world.world.council)
    etag = council.get(_request_url(request))["ETag"]
    headers = {"If-Match": etag, "Idempotency-Key": "decide-1"}
    first = _post(council, _request_url(request) + "decide/", {"outcome": "share_in_full"}, **headers)
    assert first.status_code == 200 and "Idempotent-Replayed" not in first
    replay = _post(council, _request_url(request) + "decide/", {"outcome": "share_in_full"}, **headers)
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert replay.content == first.content and replay["ETag"] == first["ETag"]
    assert SharingDecision.objects.filter(request=request).count() == 1
    different = _post(council, _request_url(request) + "decide/", {"outcome": "refuse"}, **headers)
    assert is_problem(different, 422)["type"].endswith("idempotency-key-reused")


def test_a_refused_request_is_replayed_as_refused_but_a_stale_one_may_be_retried(sharing_world):
    request = submitted_request(sharing_world)
    council = client_for(sharing_world.world.council)
    url = _request_url(request) + "acknowledge/"
    is_problem(_post(council, url, **{"If-Match": '"stale"', "Idempotency-Key": "ack"}), 412)
    assert not IdempotencyRecord.objects.exists()  # a 412 did not run: the key is free again
    etag = council.get(_request_url(request))["ETag"]
    assert _post(council, url, **{"If-Match": etag, "Idempotency-Key": "ack"}).status_code == 200


def test_keys_are_per_caller(sharing_world):
    request = submitted_request(sharing_world)
    sharing_services.request_acknowledge(actor=sharing_world.world.agency_user, request=request)
    council = client_for(sharing_world.world.council)
    assert _decide(council, request, "same-key").status_code == 200
    iopc = client_for(sharing_world.iopc)  # the same key string from another caller is its own
    assert is_problem(_decide(iopc, request, "same-key"), 403)


def test_a_key_still_running_answers_409_until_its_claim_goes_stale(sharing_world):
    from integrations.api import idempotency

    request = submitted_request(sharing_world)
    council = client_for(sharing_world.world.council)
    url = _request_url(request) + "acknowledge/"
    assert _post(council, url, **{"If-Match": council.get(_request_url(request))["ETag"],
                                  "Idempotency-Key": "k1"}).status_code == 200  # fmt: skip
    # As if that first request were still running: its claim holds no answer yet.
    IdempotencyRecord.objects.filter(key="k1").update(response_status=None)
    etag = council.get(_request_url(request))["ETag"]
    busy = _post(council, url, **{"If-Match": etag, "Idempotency-Key": "k1"})
    assert is_problem(busy, 409)["type"].endswith("idempotency-in-progress")
    # A claim left by a worker that died is taken over once stale, and the request runs.
    IdempotencyRecord.objects.filter(key="k1").update(created_at=timezone.now() - idempotency.IN_PROGRESS_STALE * 2)
    taken_over = _post(council, url, **{"If-Match": etag, "Idempotency-Key": "k1"})
    assert "cannot be acknowledged" in is_problem(taken_over, 400)["detail"]  # it ran: already acknowledged
    assert IdempotencyRecord.objects.get(key="k1").response_status == 400


def test_old_answers_are_purged(sharing_world):
    from integrations.api import idempotency

    user = sharing_world.world.manager
    fields = {"user": user, "method": "POST", "path": "/x", "request_hash": "h", "response_status": 200}
    IdempotencyRecord.objects.create(key="old", created_at=timezone.now() - dt.timedelta(hours=25), **fields)
    IdempotencyRecord.objects.create(key="new", created_at=timezone.now(), **fields)
    assert idempotency.purge_expired() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_identical_posts_at_once_make_one_request(monkeypatch):
    """Two workers receive the same POST at the same moment: one runs it, the other is told it is running."""
    from tests.factories import build_sharing_world, build_world

    sw = build_sharing_world(build_world())
    _key, plaintext = issue_key(sw.iopc)
    original = sharing_services.request_create
    started, second_answered = threading.Event(), threading.Event()

    def slow_create(**kwargs):
        started.set()
        # The first request stays in the service until the second has had its answer (bounded, should that never
        # come): "at the same moment", without guessing how long a request takes.
        second_answered.wait(30)
        return original(**kwargs)

    monkeypatch.setattr(sharing_services, "request_create", slow_create)
    body = {"case": sw.world.case.reference, "providing_organisation": sw.world.council.pk,
            "items_requested": "Records."}  # fmt: skip
    answers = {}

    def post(name):
        from django.db import connection

        answers[name] = _post(key_client(plaintext), "/api/v1/sharing-requests/", body, **{"Idempotency-Key": "once"})
        connection.close()

    first = threading.Thread(target=post, args=("first",))
    first.start()
    assert started.wait(30), "the first request never reached the service"
    post("second")
    second_answered.set()
    first.join(30)
    assert sorted(response.status_code for response in answers.values()) == [201, 409]
    assert SharingRequest.objects.count() == 1
    replay = _post(key_client(plaintext), "/api/v1/sharing-requests/", body, **{"Idempotency-Key": "once"})
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"


# --- Problems with a message per field ------------------------------------------------------------------


def test_a_bad_stage_move_names_the_field_and_says_why(world):
    lcspr = add_process(world, "lcspr")
    manager = _session(world.manager)
    url = f"/api/v1/processes/{lcspr.pk}/"
    etag = manager.get(url)["ETag"]
    body = is_problem(_post(manager, url + "move/", {"to_stage": "published"}, **{"If-Match": etag}), 400)
    assert body["type"] == "urn:parallel:problem:validation"
    assert "cannot move from" in body["errors"]["to_stage"][0]
    bad_date = {"to_stage": "reviewer_appointed", "effective_on": "not a date"}
    body = is_problem(_post(manager, url + "move/", bad_date, **{"If-Match": etag}), 400)
    assert "effective_on" in body["errors"]
    moved = _post(
        manager, url + "move/", {"to_stage": "reviewer_appointed", "note": "Appointed."}, **{"If-Match": etag}
    )
    assert moved.status_code == 200 and moved.json()["stage"] == "reviewer_appointed"
    assert moved.json()["history"][-1]["note"] == "Appointed."


def test_a_submission_missing_what_the_law_needs_names_each_field_and_keeps_nothing(sharing_world):
    iopc = client_for(sharing_world.iopc)
    body = {"case": sharing_world.world.case.reference, "providing_organisation": sharing_world.world.council.pk,
            "items_requested": "Records.", "submit": True}  # fmt: skip
    problem = is_problem(_post(iopc, "/api/v1/sharing-requests/", body), 400)
    assert {"purpose_function", "gateways", "article6_basis", "data_subjects"} <= set(problem["errors"])
    assert not SharingRequest.objects.exists()
    complete = {**body, **COMPLETE_REQUEST, "gateways": ["ca2004_s16h"]}
    created = _post(iopc, "/api/v1/sharing-requests/", complete)
    assert created.status_code == 201 and created.json()["status"] == "submitted"
    assert created["Location"].endswith(_request_url(SharingRequest.objects.get()))
    assert Milestone.objects.filter(subject_type="sharing_request").count() == 1


def test_a_step_the_caller_is_not_party_to_is_403_on_a_request_they_see(sharing_world):
    request = submitted_request(sharing_world)
    iopc = client_for(sharing_world.iopc)  # the requester may not decide
    etag = iopc.get(_request_url(request))["ETag"]
    response = _post(iopc, _request_url(request) + "decide/", {"outcome": "share_in_full"}, **{"If-Match": etag})
    assert "Only" in is_problem(response, 403)["detail"]


def test_malformed_json_and_a_wrong_method_are_problems_too(sharing_world):
    council = client_for(sharing_world.world.council)
    response = council.post("/api/v1/sharing-requests/", "{not json", content_type=JSON)
    is_problem(response, 400)
    is_problem(council.delete("/api/v1/cases/"), 405)
    is_problem(council.get("/api/v1/no-such-thing/"), 404)


# --- The workflow, end to end -------------------------------------------------------------------------


def test_a_request_from_draft_to_closed_through_the_api(sharing_world):
    sw = sharing_world
    iopc, council = client_for(sw.iopc), client_for(sw.world.council)
    draft = _post(iopc, "/api/v1/sharing-requests/", {"case": sw.world.case.reference,
                                                       "providing_organisation": sw.world.council.pk})  # fmt: skip
    assert draft.status_code == 201 and draft.json()["status"] == "draft" and "submit" in draft.json()["actions"]
    url = draft.json()["url"]
    is_problem(council.get(url), 404)  # a draft is the requester's own
    patched = iopc.patch(url, {**COMPLETE_REQUEST, "gateways": ["pra2002"], "sensitivity_flags": ["s21a"]},
                         content_type=JSON, headers={"If-Match": draft["ETag"]})  # fmt: skip
    assert patched.status_code == 200 and patched.json()["gateways"] == ["pra2002"]
    submitted = _post(iopc, url + "submit/", **{"If-Match": patched["ETag"]})
    assert submitted.json()["status"] == "submitted" and submitted.json()["response_due"]
    etag = council.get(url)["ETag"]
    etag = _post(council, url + "acknowledge/", **{"If-Match": etag})["ETag"]
    refused = is_problem(_post(council, url + "decide/", {"outcome": "share_in_full"}, **{"If-Match": etag}), 400)
    assert "conditions" in refused["errors"]  # flagged s21A: conditions on use first
    decided = _post(council, url + "decide/", {"outcome": "share_in_full", "conditions": "IOPC use only."},
                    **{"If-Match": etag})  # fmt: skip
    assert decided.json()["status"] == "decided" and decided.json()["decisions"][0]["outcome"] == "share_in_full"
    upload = SimpleUploadedFile("records.csv", b"date,entry\n2026-01-02,Visit\n", content_type="text/csv")
    document = council.post(
        "/api/v1/documents/", {"file": upload, "title": "Records", "request": draft.json()["reference"]}
    )
    assert document.status_code == 201, document.content
    version_id = document.json()["versions"][0]["id"]
    sent = {"method": "portal", "recipient_name": "IOPC", "versions": [version_id]}
    disclosed = _post(council, url + "disclose/", sent, **{"If-Match": decided["ETag"]})
    assert disclosed.status_code == 200, disclosed.content
    assert disclosed.json()["disclosures"][0]["versions"][0]["sha256"]
    # The requester now downloads the disclosed version.
    assert iopc.get(document.json()["versions"][0]["download_url"]).status_code == 200
    closed = _post(iopc, url + "close/", **{"If-Match": iopc.get(url)["ETag"]})
    assert closed.json()["status"] == "closed"


def test_documents_are_judged_by_their_content_and_versions_need_if_match(sharing_world):
    request = submitted_request(sharing_world)
    council = client_for(sharing_world.world.council)
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    refused = council.post("/api/v1/documents/", {"file": fake, "title": "Report", "request": request.reference})
    assert "file" in is_problem(refused, 400)["errors"]
    is_problem(council.post("/api/v1/documents/", {"title": "No file", "request": request.reference}), 400)
    csv = SimpleUploadedFile("a.csv", b"a,b\n1,2\n", content_type="text/csv")
    created = council.post("/api/v1/documents/", {"file": csv, "title": "Table", "request": request.reference})
    url = created.json()["url"] + "versions/"
    again = SimpleUploadedFile("a.csv", b"a,b\n1,3\n", content_type="text/csv")
    is_problem(council.post(url, {"file": again}), 428)
    again.seek(0)
    second = council.post(url, {"file": again}, headers={"If-Match": created["ETag"]})
    assert second.status_code == 201 and [v["number"] for v in second.json()["versions"]] == [2, 1]
    iopc = client_for(sharing_world.iopc)  # the requester does not hold it
    etag = iopc.get(created.json()["url"])
    assert etag.status_code == 404  # and does not see the provider's undisclosed document at all


def test_process_actions_are_for_partnership_managers(world):
    lcspr = add_process(world, "lcspr")
    url = f"/api/v1/processes/{lcspr.pk}/"
    system = client_for(world.council)  # the council's case system sees the process it owns, but manages nothing
    etag = system.get(url)["ETag"]
    assert "manager" in is_problem(_post(system, url + "pause/", {"reason": "other", "explanation": "x"},
                                         **{"If-Match": etag}), 403)["detail"]  # fmt: skip
    manager = _session(world.manager)
    paused = _post(manager, url + "pause/", {"reason": "awaiting_information", "explanation": "Waiting."},
                   **{"If-Match": etag})  # fmt: skip
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    resumed = _post(manager, url + "resume/", {"note": "Back."}, **{"If-Match": paused["ETag"]})
    assert resumed.json()["status"] == "active" and resumed.json()["pauses"][0]["resume_note"] == "Back."


def test_milestones_are_completed_and_extended_by_managers(world):
    from tests.factories import test_rule

    test_rule(trigger="case:la_aware_date")
    process = add_process(world, "serious_incident_notification", opened_on=world.case.la_aware_date)
    milestone = Milestone.objects.get(process=process, rule__code="T1")
    manager = _session(world.manager)
    url = f"/api/v1/milestones/{milestone.pk}/"
    etag = manager.get(url)["ETag"]
    later = (milestone.due_date + dt.timedelta(days=7)).isoformat()
    extended = _post(manager, url + "extend/", {"new_due_date": later, "reason": "Late records.",
                                                "authorised_by": "Chair", "basis": "Local protocol"},
                     **{"If-Match": etag})  # fmt: skip
    assert extended.json()["due_date"] == later and extended.json()["adjustments"][0]["kind"] == "extension"
    completed = _post(manager, url + "complete/", {"note": "Done."}, **{"If-Match": extended["ETag"]})
    assert completed.json()["completed_on"] == timezone.localdate().isoformat()
    assert completed.json()["status"] in ("met", "met_late")


def test_a_requests_response_deadline_is_met_by_the_decision_not_by_hand(sharing_world):
    request = submitted_request(sharing_world)
    milestone = sharing_deadlines.milestones_of(request).get()
    council = client_for(sharing_world.world.council)
    url = f"/api/v1/milestones/{milestone.pk}/"
    etag = council.get(url)["ETag"]
    is_problem(_post(council, url + "complete/", **{"If-Match": etag}), 403)
    milestone.refresh_from_db()
    assert milestone.completed_on is None  # still open, until the decision meets it


# --- Throttling -----------------------------------------------------------------------------------------


def test_a_key_over_its_rate_gets_429_with_retry_after(world, settings):
    settings.API_THROTTLE_RATE = "3/min"
    council, other = client_for(world.council), client_for(world.council)
    for _ in range(3):
        assert council.get("/api/v1/cases/").status_code == 200
    response = council.get("/api/v1/cases/")
    body = is_problem(response, 429)
    assert body["type"].endswith("throttled") and int(response["Retry-After"]) > 0
    assert other.get("/api/v1/cases/").status_code == 200  # per key, not for everyone


def test_drafting_as_a_member_of_two_organisations_needs_the_one_asking(sharing_world):
    from coordination.models import Membership

    sw = sharing_world
    Membership.objects.create(user=sw.investigator, organisation=sw.world.outside_agency, role="agency_representative")
    client = _session(sw.investigator)
    body = {"case": sw.world.case.reference, "providing_organisation": sw.world.council.pk}
    assert "requesting_organisation" in is_problem(_post(client, "/api/v1/sharing-requests/", body), 400)["errors"]
    created = _post(client, "/api/v1/sharing-requests/", {**body, "requesting_organisation": sw.iopc.pk})
    assert created.status_code == 201 and created.json()["requesting_organisation"]["id"] == sw.iopc.pk


def test_ids_too_big_for_the_database_are_refused_not_overflowed(sharing_world):
    council = client_for(sharing_world.world.council)
    huge = "9" * 25
    is_problem(council.get(f"/api/v1/processes/{huge}/"), 404)
    is_problem(council.get(f"/api/v1/documents/?process={huge}"), 400)
    body = {"case": sharing_world.world.case.reference, "providing_organisation": int("9" * 20), "processes": [10**20]}
    errors = is_problem(_post(council, "/api/v1/sharing-requests/", body), 400)["errors"]
    assert {"providing_organisation", "processes.0"} <= set(errors)
