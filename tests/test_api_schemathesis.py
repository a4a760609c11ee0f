"""Schemathesis over the API's own OpenAPI schema, in-process, with a real read-and-write key of the council:
for every operation a few generated requests (deterministic, so a run is repeatable), and every answer must be
no server error, have a documented status and content type, and conform to the schema.

Path parameters are pointed at real objects (a random reference only finds a 404), and every other example
sends the object's current ETag in If-Match and a fresh Idempotency-Key, so the generated bodies reach the
services."""

from contextlib import contextmanager

import hypothesis
import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from coordination.models import Milestone, Notification
from coordination.wsgi import application
from sharing import documents
from tests.api_support import issue_key
from tests.factories import add_process, submitted_request, test_rule

EXAMPLES_PER_OPERATION = 5
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def real_objects(sharing_world):
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
    return ids, plaintext


def _point_at_real_objects(case, ids) -> str | None:
    """Fill the path's parameters with a real object's; the object's own address (for its ETag), if any."""
    path = case.operation.path
    collection = next((prefix for prefix in ids if path.startswith(f"/api/v1{prefix}")), None)
    if collection is None or not case.path_parameters:
        return None
    for name in case.path_parameters:
        case.path_parameters[name] = 1 if name == "number" else ids[collection]
    return f"/api/v1{collection}{ids[collection]}/"


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


def test_every_operation_answers_as_its_schema_says(real_objects, client):
    ids, plaintext = real_objects
    auth = {"Authorization": f"Bearer {plaintext}"}
    with database_kept_open():
        schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    answers = []
    for operation in operations:
        examples = _check(operation, ids=ids, auth=auth, client=client)
        answers += examples
        assert examples, operation.label
    # The generated requests got past the lookups and preconditions, and some changes went through.
    assert {200, 400, 412} <= {status for _label, status in answers}


def _check(operation, *, ids, auth, client) -> list[tuple[str, int]]:
    """Run one operation's examples; (label, status) of each answer."""
    answers = []

    @hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck), phases=[hypothesis.Phase.generate])  # fmt: skip
    @hypothesis.given(case=operation.as_strategy())
    def check(case):
        even = len(answers) % 2 == 1
        address = _point_at_real_objects(case, ids)
        headers = dict(auth)
        if address and case.headers and "If-Match" in case.headers and even:
            headers["If-Match"] = client.get(address, headers=auth)["ETag"]
        if case.headers and "Idempotency-Key" in case.headers and even:
            # Generated keys repeat ("0", "00"…) across operations and bodies, which is a 422 every time.
            headers["Idempotency-Key"] = f"{operation.label} {len(answers)}"
        with database_kept_open():
            response = case.call(headers=headers)
        answers.append((operation.label, response.status_code))
        case.validate_response(response, checks=CHECKS, headers=headers)

    check()
    return answers
