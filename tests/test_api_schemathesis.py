"""Schemathesis over the API's own OpenAPI schema, in-process, with a real read-and-write key of the council: for
every operation a few requests the schema calls valid and a few it calls invalid (derandomized, so a run is
repeatable), a few hundred calls in all. Every answer must be no server error, have a documented status, content
type and headers, and conform to the schema. Beyond that the schema must tell the truth about requests:

- what it calls invalid is refused (negative_data_rejection);
- what it calls valid is refused only for what no JSON Schema can check: a reference to nothing there is (a case,
  an organisation, a cursor Parallel never gave out), a file that is not a document, a date against today or the
  object's history, a field needed because of another or of the object's state (each described in the schema),
  a step the object's status does not allow, an ETag no longer current (412) or an Idempotency-Key used before
  for another body (422). Any other refusal (a format, a length, an enum, a field required or unknown, a
  character) is a constraint the schema does not publish, and fails the test.

Path parameters are pointed at real objects (a random reference only finds a 404), and every other valid example
also names real objects in its body and sends the object's current ETag in If-Match and a fresh Idempotency-Key,
so the generated bodies reach the services. The totals are printed (`pytest -s`) so they can be quoted."""

from collections import Counter
from contextlib import contextmanager

import hypothesis
import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from coordination.models import Milestone, Notification
from coordination.wsgi import application
from sharing import documents
from tests.api_support import issue_key
from tests.factories import add_process, submitted_request, test_rule

VALID_PER_OPERATION = 8
INVALID_PER_OPERATION = 4
RESPONSE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
                   response_headers_conformance, response_schema_conformance]  # fmt: skip
# Fields that name an object: whether one exists is data, not schema.
REFERENCES = frozenset({"cursor", "partnership", "case", "request", "process", "processes", "caused_by",
                        "providing_organisation", "requesting_organisation", "versions"})  # fmt: skip
CONTENT = frozenset({"file"})  # its bytes must be a PDF, DOCX, XLSX, CSV or image, and its name say so
# Dates checked against today or the object's history, and fields needed because of another field or of the
# object's state: the schema describes each one (the test checks it does), but cannot check it.
DESCRIBED = frozenset({"incident_date", "la_aware_date", "effective_on", "paused_on", "expected_resume_on",
                       "resumed_on", "completed_on", "new_due_date", "requested_by_date", "date_range_to",
                       "review_date", "retain_until", "disclosed_on", "to_stage", "reasons", "ground",
                       "conditions", "description"})  # fmt: skip
STATE = "non_field_errors"  # a step the object's status does not allow now, e.g. deciding a decided request
UNKNOWABLE = REFERENCES | CONTENT | DESCRIBED | {STATE}
# Refusals of a schema-valid request that depend on what happened before it, not on the request.
STATEFUL = {412: "the ETag is no longer current", 422: "the Idempotency-Key was used for another body"}


@pytest.fixture
def real_objects(sharing_world, settings):
    settings.API_THROTTLE_RATE = "100000/min"  # a few hundred calls in a few seconds are not what the rate is for
    sw = sharing_world
    test_rule(trigger="case:la_aware_date")
    process = add_process(sw.world, "serious_incident_notification", opened_on=sw.world.case.la_aware_date)
    request = submitted_request(sw)
    upload = SimpleUploadedFile("notes.csv", b"date,event\n2026-01-05,Visit\n", content_type="text/csv")
    document = documents.document_add(actor=sw.world.agency_user, case=sw.world.case, title="Visit notes",
                                      classification="OFFICIAL-SENSITIVE", descriptor="", handling_instructions="",
                                      upload=upload, request=request)  # fmt: skip
    api_key, plaintext = issue_key(sw.world.council)
    submitted_request(sw)  # tells the key's user: a notification of its own
    ids = {
        "/cases/": sw.world.case.reference,
        "/processes/": process.pk,
        "/milestones/": Milestone.objects.filter(process=process).first().pk,
        "/sharing-requests/": request.reference,
        "/documents/": document.pk,
        "/organisations/": sw.world.council.pk,
        "/notifications/": Notification.objects.filter(user=api_key.user).first().pk,
    }
    references = {
        "partnership": sw.world.partnership.code,
        "case": sw.world.case.reference,
        "request": request.reference,
        "process": process.pk,
        "processes": [process.pk],
        "caused_by": None,
        "providing_organisation": sw.iopc.pk,
        "requesting_organisation": sw.world.council.pk,
        "versions": [],
    }
    return ids, references, plaintext


def _point_at_real_objects(case, ids) -> str | None:
    """Fill the path's parameters with a real object's; the object's own address (for its ETag), if any."""
    path = case.operation.path
    collection = next((prefix for prefix in ids if path.startswith(f"/api/v1{prefix}")), None)
    if collection is None or not case.path_parameters:
        return None
    for name in case.path_parameters:
        case.path_parameters[name] = 1 if name == "number" else ids[collection]
    return f"/api/v1{collection}{ids[collection]}/"


def _name_real_objects(case, references) -> None:
    """References in the body and query name real objects; a document names one place, as its schema says."""
    for values in (case.body, case.query):
        if isinstance(values, dict):
            for name in REFERENCES & set(values):
                if name in references:
                    values[name] = references[name]
            values.pop("cursor", None)
    if case.operation.path == "/api/v1/documents/" and case.method == "POST" and isinstance(case.body, dict):
        for name in ("case", "process"):
            case.body.pop(name, None)
        case.body["request"] = references["request"]


@contextmanager
def database_kept_open():
    """The WSGI app closes the database connection around each request, as a server should; in a test that would
    close the test's own transaction. Django's test client disconnects the same receivers for the same reason
    (and connects them again after each of its own requests, so this is done around every call)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _negated(case) -> set:
    return {location for location, info in case.meta.components.items() if info.mode.is_negative}


def _refusal_of_valid(response) -> str | None:
    """Why a schema-valid request was refused, when the schema could have said so; None when it could not."""
    if response.status_code < 400 or response.status_code in (401, 403, 404, 409, 429):
        return None
    if response.status_code in STATEFUL:
        return None
    problem = response.json()
    fields = set(problem.get("errors", {}))
    if problem.get("type") == "urn:parallel:problem:validation" and fields <= UNKNOWABLE:
        return None
    return f"{response.status_code} {problem.get('errors') or problem.get('detail')}"


def _request_fields(raw_schema) -> dict[str, dict]:
    """Every field of every request body, by name (the last one seen of a name)."""
    components, fields = raw_schema["components"]["schemas"], {}
    for item in raw_schema["paths"].values():
        for operation in item.values():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                fields.update(components[content["schema"]["$ref"].rsplit("/", 1)[-1]].get("properties", {}))
    return fields


def test_what_the_schema_cannot_check_it_describes():
    with database_kept_open():
        schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    fields = _request_fields(schema.raw_schema)
    assert set(fields) >= DESCRIBED
    for name in DESCRIBED:
        assert fields[name].get("description"), name


def test_every_operation_answers_and_is_answered_as_its_schema_says(real_objects, client):
    ids, references, plaintext = real_objects
    auth = {"Authorization": f"Bearer {plaintext}"}
    with database_kept_open():
        schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    answers, refused_valid = [], []
    for operation in operations:
        for mode, examples in ((GenerationMode.POSITIVE, VALID_PER_OPERATION),
                               (GenerationMode.NEGATIVE, INVALID_PER_OPERATION)):  # fmt: skip
            found = _check(operation, mode, examples, ids=ids, references=references, auth=auth, client=client)
            answers += [(mode, status) for status, _refusal in found]
            refused_valid += [f"{operation.label}: {refusal}" for _status, refusal in found if refusal]

    statuses = Counter(status for _mode, status in answers)
    assert refused_valid == [], "schema-valid requests refused for an unpublished constraint:\n" + "\n".join(
        refused_valid
    )
    assert not any(status >= 500 for status in statuses)
    valid = Counter(status for mode, status in answers if mode.is_positive)
    print(f"\nschemathesis: {len(answers)} calls over {len(operations)} operations, by status "
          f"{dict(sorted(statuses.items()))}; schema-valid requests by status {dict(sorted(valid.items()))}; "
          "0 server errors, 0 schema violations, 0 schema-valid requests refused for an unpublished "
          "constraint")  # fmt: skip
    # The generated requests got past the lookups and preconditions: changes went through, stale ones were refused.
    assert {200, 201, 400, 412} <= set(statuses) and len(answers) >= 300


def _check(operation, mode, examples, *, ids, references, auth, client) -> list[tuple[int, str | None]]:
    """Run one operation's examples in one mode; (status, refusal of a valid request the schema could have
    prevented) of each answer. Raises on a server error or an answer or refusal the schema does not describe."""
    answers = []

    @hypothesis.settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck), phases=[hypothesis.Phase.generate])  # fmt: skip
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        negated = _negated(case) if mode.is_negative else set()
        realistic = mode.is_positive and len(answers) % 2 == 1
        address = None if ParameterLocation.PATH in negated else _point_at_real_objects(case, ids)
        headers = dict(auth)  # ours, always: an invalid Authorization is not what this tests
        if realistic:
            _name_real_objects(case, references)
        # An invalid body is sent with the current ETag too, so it is the body that is judged, not a stale ETag.
        fresh = realistic or (mode.is_negative and ParameterLocation.HEADER not in negated)
        if fresh and address and case.headers and "If-Match" in case.headers:
            headers["If-Match"] = client.get(address, headers=auth)["ETag"]
        if case.headers and "Idempotency-Key" in case.headers and ParameterLocation.HEADER not in negated:
            # Generated keys repeat ("0", "00"…) across operations and bodies, which is a 422 every time.
            headers["Idempotency-Key"] = f"{operation.label} {mode} {len(answers)}"
        with database_kept_open():
            response = case.call(headers=headers)
        checks = list(RESPONSE_CHECKS)
        # A negated header may be the Authorization replaced above, so only a negated body, query or path counts.
        if negated and negated <= {ParameterLocation.BODY, ParameterLocation.QUERY, ParameterLocation.PATH}:
            checks.append(negative_data_rejection)
        case.validate_response(response, checks=checks, headers=headers)
        answers.append((response.status_code, _refusal_of_valid(response) if mode.is_positive else None))

    check()
    assert answers, operation.label
    return answers
