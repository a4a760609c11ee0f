"""Input no service could act on is answered with a 4xx problem that says what was wrong, never a 500, and leaves
everything already saved as it was: characters PostgreSQL cannot store (NUL) or that are not characters at all
(an unpaired surrogate), JSON nested too deeply or not UTF-8, a control character in an address, a body too big,
a field the operation does not take, text over its limit, and `If-Match: *`. Run on PostgreSQL too: a NUL in a
query is a PostgreSQL-only failure."""

import json

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from coordination.models import Case
from coordination.models.limits import NARRATIVE_LENGTH, NOTE_LENGTH
from sharing import services as sharing_services
from sharing.models import Document, DocumentVersion, SharingDecision, SharingRequest
from tests.api_support import client_for, is_problem
from tests.factories import COMPLETE_REQUEST, draft_request, submitted_request, verified_login
from tests.test_api_schema import SCHEMA

JSON = "application/json"


def _manager(world) -> Client:
    client = Client()
    verified_login(client, world.manager)
    return client


def _new_case(world, **changes) -> dict:
    return {"partnership": world.partnership.code, "pseudonym": "Child R", "incident_type": "death",
            "incident_date": "2026-01-01", "la_aware_date": "2026-01-02", **changes}  # fmt: skip


def _considered(sharing_world):
    request = submitted_request(sharing_world)
    sharing_services.request_acknowledge(actor=sharing_world.world.agency_user, request=request)
    return request


def _decide(client, request, body, etag=None):
    url = f"/api/v1/sharing-requests/{request.reference}/"
    etag = etag or client.get(url)["ETag"]
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url + "decide/", raw, content_type=JSON, headers={"If-Match": etag})


def _nothing_decided(request):
    request.refresh_from_db()
    assert request.status == SharingRequest.Status.ACKNOWLEDGED
    assert not SharingDecision.objects.filter(request=request).exists()


# --- Characters no field can store ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"partnership": "NSCP\u0000"}, "`partnership` holds a NUL character (U+0000)"),  # was a DataError: 500
        ({"summary": "A visit \u0000"}, "`summary` holds a NUL character (U+0000)"),
        ({"pseudonym": "Child \ud800"}, "`pseudonym` holds an unpaired surrogate (U+D800)"),
        ({"pseud\u0000onym": "Child R"}, "A field name holds a NUL character (U+0000)"),
    ],
)
def test_a_nul_or_an_unpaired_surrogate_anywhere_in_the_json_is_a_400_naming_the_field(world, changes, named):
    response = _manager(world).post("/api/v1/cases/", json.dumps(_new_case(world, **changes)), content_type=JSON)
    body = is_problem(response, 400)
    assert body["type"] == "urn:parallel:problem:malformed-request"
    assert named in body["detail"]
    assert Case.objects.count() == 1  # only the world's own


def test_the_same_deep_in_a_list_names_where_it_is(sharing_world):
    iopc = client_for(sharing_world.iopc)
    body = {"case": sharing_world.world.case.reference, "providing_organisation": sharing_world.world.council.pk,
            "gateways": ["ca2004_s16h", "pra2002\u0000"]}  # fmt: skip
    problem = is_problem(iopc.post("/api/v1/sharing-requests/", body, content_type=JSON), 400)
    assert "`gateways.1` holds a NUL character" in problem["detail"]
    assert not SharingRequest.objects.exists()


@pytest.mark.parametrize("depth", [40, 100_000])  # past our limit; past Python's recursion limit (was a 500)
def test_json_nested_too_deeply_is_a_400(world, depth):
    response = _manager(world).post("/api/v1/cases/", "[" * depth + "]" * depth, content_type=JSON)
    assert "nested too deeply" in is_problem(response, 400)["detail"]


def test_json_that_is_not_utf8_is_a_400_saying_so(sharing_world):
    request = _considered(sharing_world)
    council = client_for(sharing_world.world.council)
    response = _decide(council, request, b'{"outcome": "share_in_full", "reasons": "caf\xe9"}')
    assert "not valid utf-8: byte 0xe9" in is_problem(response, 400)["detail"]
    _nothing_decided(request)


def test_an_ordinary_body_with_accents_quotes_and_emoji_is_accepted(sharing_world):
    request = _considered(sharing_world)
    council = client_for(sharing_world.world.council)
    reasons = "Zoë’s records, “in part” 🙂\nSecond line\twith a tab."
    response = _decide(council, request, {"outcome": "share_in_part", "ground": "proportionality", "reasons": reasons})
    assert response.status_code == 200, response.content
    assert response.json()["decisions"][-1]["reasons"] == reasons


# --- Addresses -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "named"),
    [
        ("/api/v1/sharing-requests/%E2%80%AE%00/", "The address holds a NUL character (U+0000)"),  # was a 500
        ("/api/v1/cases/NSCP%07/", "The address holds a control character (U+0007)"),
        ("/api/v1/sharing-requests/?case=%00", "The query parameter `case` holds a NUL character (U+0000)"),
        ("/api/v1/cases/?updated_since=2026-01-01%0A", "`updated_since` holds a control character (U+000A)"),
        ("/api/v1/cases/?%00=1", "A query parameter's name holds a NUL character"),
    ],
)
def test_a_control_character_in_an_api_address_is_a_400_problem(sharing_world, address, named):
    response = client_for(sharing_world.world.council).get(address)
    assert named in is_problem(response, 400)["detail"]


def test_a_control_character_in_a_page_address_is_the_plain_400_page(world):
    response = _manager(world).get("/cases/%00/")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert "Parallel could not read that request" in response.content.decode()


def test_an_address_with_accents_or_a_replacement_character_is_only_not_found(sharing_world):
    council = client_for(sharing_world.world.council)
    is_problem(council.get("/api/v1/sharing-requests/%E2%80%AE/"), 404)
    is_problem(council.get("/api/v1/sharing-requests/%ED%A0%80/"), 404)  # an encoded surrogate: not UTF-8


# --- Uploads ---------------------------------------------------------------------------------------


def _csv(name="notes.csv"):
    return SimpleUploadedFile(name, b"date,event\n2026-01-05,Visit\n", content_type="text/csv")


@pytest.mark.parametrize("field", ["title", "descriptor", "fi\u0000le"])
def test_an_upload_whose_fields_hold_a_nul_is_a_400(sharing_world, field):
    request = submitted_request(sharing_world)
    council = client_for(sharing_world.world.council)
    sent = {"file": _csv(), "title": "Visit notes", "request": request.reference}
    sent[field] = "Visit\u0000notes"
    response = council.post("/api/v1/documents/", sent)
    assert "holds a NUL character (U+0000)" in is_problem(response, 400)["detail"]
    assert not Document.objects.exists()


def test_control_characters_in_a_file_name_are_dropped_not_stored(sharing_world):
    request = submitted_request(sharing_world)
    council = client_for(sharing_world.world.council)
    sent = {"file": _csv("visit\u0000\u0007 notes.csv"), "title": "Visit notes", "request": request.reference}
    response = council.post("/api/v1/documents/", sent)
    assert response.status_code == 201, response.content
    assert DocumentVersion.objects.get().original_name == "visit notes.csv"


# --- Size ------------------------------------------------------------------------------------------


def test_a_json_body_over_the_limit_is_413_as_a_problem(sharing_world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    request = _considered(sharing_world)
    council = client_for(sharing_world.world.council)
    response = _decide(council, request, {"outcome": "share_in_full", "reasons": "x" * 10_000})
    body = is_problem(response, 413)
    assert body["type"] == "urn:parallel:problem:too-large" and "larger than the API takes" in body["detail"]
    _nothing_decided(request)


def test_an_upload_over_the_largest_document_is_413_before_it_is_read(sharing_world, settings):
    settings.DOCUMENT_MAX_BYTES = 1_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    request = submitted_request(sharing_world)
    council = client_for(sharing_world.world.council)
    big = SimpleUploadedFile("big.csv", b"a,b\n" + b"1,2\n" * 1_000, content_type="text/csv")
    response = council.post("/api/v1/documents/", {"file": big, "title": "Big", "request": request.reference})
    is_problem(response, 413)
    assert not Document.objects.exists()


# --- Fields the operation does not take -----------------------------------------------------------


def test_a_misspelt_field_is_refused_by_name_not_dropped(sharing_world):
    request = _considered(sharing_world)
    council = client_for(sharing_world.world.council)
    response = _decide(council, request, {"outcome": "share_in_part", "ground": "proportionality",
                                          "reasonz": "Only 2025."})  # fmt: skip
    body = is_problem(response, 400)
    assert "check its spelling" in body["errors"]["reasonz"][0]
    _nothing_decided(request)


def test_unknown_fields_are_named_beside_the_other_errors(world):
    response = _manager(world).post("/api/v1/cases/", {"pseudonym": "Child R", "colour": "red"}, content_type=JSON)
    errors = is_problem(response, 400)["errors"]
    assert {"colour", "partnership", "incident_type"} <= set(errors)


def test_a_read_only_field_sent_back_in_a_patch_is_refused_as_read_only(sharing_world):
    draft = draft_request(sharing_world)
    iopc = client_for(sharing_world.iopc)
    url = f"/api/v1/sharing-requests/{draft.reference}/"
    shown = iopc.get(url)
    sent_back = {**shown.json(), "items_requested": "Only the 2025 attendances."}
    body = is_problem(iopc.patch(url, sent_back, content_type=JSON, headers={"If-Match": shown["ETag"]}), 400)
    assert body["errors"]["status"] == ["Read-only: Parallel sets it. Leave it out of what you send."]
    assert "reference" in body["errors"] and "items_requested" not in body["errors"]
    draft.refresh_from_db()
    assert draft.items_requested == COMPLETE_REQUEST["items_requested"]


def test_an_upload_with_an_unknown_field_is_refused(sharing_world):
    request = submitted_request(sharing_world)
    council = client_for(sharing_world.world.council)
    response = council.post("/api/v1/documents/", {"file": _csv(), "title": "Notes", "request": request.reference,
                                                   "clasification": "OFFICIAL"})  # fmt: skip
    assert "clasification" in is_problem(response, 400)["errors"]
    assert not Document.objects.exists()


# --- Length -----------------------------------------------------------------------------------------


def test_free_text_over_its_limit_is_refused_and_at_it_accepted(sharing_world):
    request = _considered(sharing_world)
    council = client_for(sharing_world.world.council)
    decision = {"outcome": "share_in_part", "ground": "proportionality"}
    over = _decide(council, request, {**decision, "reasons": "x" * (NARRATIVE_LENGTH + 1)})
    assert "no more than 20000 characters" in is_problem(over, 400)["errors"]["reasons"][0]
    _nothing_decided(request)
    at = _decide(council, request, {**decision, "reasons": "x" * NARRATIVE_LENGTH})
    assert at.status_code == 200, at.content[:300]


def test_a_note_over_its_limit_is_refused(sharing_world):
    request = submitted_request(sharing_world)
    council = client_for(sharing_world.world.council)
    url = f"/api/v1/sharing-requests/{request.reference}/"
    response = council.post(url + "acknowledge/", {"note": "x" * (NOTE_LENGTH + 1)}, content_type=JSON,
                            headers={"If-Match": council.get(url)["ETag"]})  # fmt: skip
    assert "note" in is_problem(response, 400)["errors"]
    request.refresh_from_db()
    assert request.status == SharingRequest.Status.SUBMITTED


def _text_properties(schema: dict, name: str):
    component = schema["components"]["schemas"][name]
    for field, spec in component.get("properties", {}).items():
        spec = spec.get("items", spec)
        if spec.get("type") == "string" and "enum" not in spec and "format" not in spec and "$ref" not in spec:
            yield field, spec


def test_every_text_field_the_api_accepts_has_a_max_length_in_the_schema():
    schema = yaml.safe_load(SCHEMA.read_text())
    bodies = set()
    for item in schema["paths"].values():
        for operation in item.values():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                bodies.add(content["schema"]["$ref"].rsplit("/", 1)[-1])
    assert len(bodies) >= 14
    for name in bodies:
        assert schema["components"]["schemas"][name].get("additionalProperties") is False, name
        for field, spec in _text_properties(schema, name):
            assert 0 < spec.get("maxLength", 0) <= NARRATIVE_LENGTH, (name, field)


# --- If-Match: * -----------------------------------------------------------------------------------


def test_if_match_star_is_refused_asking_for_the_etag(sharing_world):
    request = _considered(sharing_world)
    council = client_for(sharing_world.world.council)
    for header in ("*", f"*, {council.get(f'/api/v1/sharing-requests/{request.reference}/')['ETag']}"):
        body = is_problem(_decide(council, request, {"outcome": "share_in_full"}, etag=header), 428)
        assert "Send the ETag you last read" in body["detail"]
    _nothing_decided(request)


# --- The browser forms take the same limits --------------------------------------------------------


def test_a_browser_form_says_a_note_is_too_long_and_keeps_what_was_typed(sharing_world):
    request = submitted_request(sharing_world)
    client = Client()
    verified_login(client, sharing_world.world.agency_user)
    url = f"/sharing/requests/{request.reference}/acknowledge/"
    response = client.post(url, {"acknowledge-version": request.version, "acknowledge-note": "y" * (NOTE_LENGTH + 1)})
    page = response.content.decode()
    assert response.status_code == 200 and "at most 10000 characters (it has 10001)" in page
    assert "y" * (NOTE_LENGTH + 1) in page  # nothing typed is lost: no maxlength attribute cut it short
    request.refresh_from_db()
    assert request.status == SharingRequest.Status.SUBMITTED
