"""Every URL in the portal, requested by a user of an agency that has not been granted the case: objects
answer 404 (405 to a method the address does not take), never 403, and no page shows the case's reference or
pseudonym.

The URL list comes from the URL configuration itself, so a URL added later must be classified here before
this test passes: that is the point.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from coordination import grants, services
from coordination.models import Milestone, Notification
from coordination.summaries import jobs as summary_jobs
from coordination.summaries import services as summary_services
from sharing import documents
from sharing import services as sharing_services
from tests import factories
from tests.api_support import issue_key, key_client
from tests.factories import add_process, test_rule

# Pages that are not about one case; the outsider may load them, but must not find the case on them.
NOT_ABOUT_ONE_CASE = {
    "home",
    "case-list",
    "case-open",
    "timescales",
    "timescale-add",
    "timescale-choose",
    "closure-add",
    "notifications",
    "notifications-read",
    "calendar-settings",
    "audit",
    "audit-export",
    "break-glass",
    "sharing-inbox",
    "sharing-outbox",
    "sharing-register",
    "sharing-register-export",
    "organisation-summary-request",  # a PDF of the user's own organisation's records only
    "webhook-list",
    "webhook-add",
    "integrations",  # the API keys of the organisations the user administers (403 to others)
}
# URL parts that name no object of anyone's, filled with a value that exists.
FILLERS = {"kind": "sharing_register"}  # a registered organisation document
# URL parts that name one case, or something on one: a URL with any of them must refuse the outsider.
OBJECT_CONVERTERS = {"reference", "request_ref", "document_pk"}
# An object of another organisation, about no case, that the outsider must not reach either: answered 404.
OBJECT_CONVERTERS |= {"endpoint_pk"}
# A PDF summary: only the person who asked for it may follow or download it.
OBJECT_CONVERTERS |= {"summary_pk"}
# An API key of another organisation (revoking it): 404.
OBJECT_CONVERTERS |= {"key_pk"}
# Answered without signing in, and about no case (the calendar feed is checked by its token in its own tests).
PUBLIC = {"login", "logout", "healthz", "calendar-feed"}
# Account pages of the two-factor sign-in, when present.
ACCOUNT_PREFIXES = ("account-", "two-factor", "otp-")


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin" or str(pattern.pattern).startswith("admin/"):
                continue  # the Django admin is for system administrators and has its own permission checks
            yield from _patterns(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield pattern.name, pattern


@pytest.fixture
def probe(world):
    """The world's case with one of everything on it, and the outsider's client."""
    test_rule(trigger="case:la_aware_date")
    lcspr = add_process(world, "lcspr", opened_on=world.case.la_aware_date)
    criminal = add_process(world, "criminal_investigation", opened_on=world.case.la_aware_date)
    notification = add_process(world, "serious_incident_notification", opened_on=world.case.la_aware_date)
    relationship = services.relationship_record(
        actor=world.manager, case=world.case, kind="waits_for", from_process=lcspr, to_process=criminal,
        awaited_stage="concluded", reason="Trial first.",
    )  # fmt: skip
    milestone = Milestone.objects.get(process=notification, rule__code="T1")
    sw = factories.build_sharing_world(world)
    request = _disclosed_request(sw)
    ids = {"process": lcspr.pk, "relationship": relationship.pk, "milestone": milestone.pk, "request": request}
    ids["summary"] = _ready_summary(world)
    ids["webhook_endpoint"] = factories.webhook_endpoint(world.council)  # the council's, not the outsider's
    ids["api_key"], _ = issue_key(world.council)
    ids["notification"] = Notification.objects.create(
        user=world.manager, kind="reminder", case=world.case, message=f"{world.case.reference} is due",
        created_at=timezone.now(),
    )  # fmt: skip
    return world, ids


def _disclosed_request(sw):
    """A request from the IOPC to the council, answered, with a document disclosed: every sharing URL has an object."""
    council = sw.world.agency_user
    request = factories.submitted_request(sw)
    sharing_services.request_acknowledge(actor=council, request=request)
    sharing_services.request_decide(actor=council, request=request, version=None, outcome="share_in_full")
    upload = SimpleUploadedFile("chronology.csv", b"date,event\n2026-01-05,Home visit\n", content_type="text/csv")
    document = documents.document_add(actor=council, case=sw.world.case, title="Chronology",
                                      classification="OFFICIAL-SENSITIVE", descriptor="", handling_instructions="",
                                      upload=upload, request=request)  # fmt: skip
    sharing_services.disclosure_record(actor=council, request=request, disclosed_on=timezone.localdate(),
                                       method="portal", recipient_name="IOPC",
                                       versions=document.versions.all())  # fmt: skip
    request.document = document
    request.disclosure = request.disclosures.get()
    return request


def _ready_summary(world):
    """The manager's case summary, rendered (by the plain function, no broker): a file the outsider must not get."""
    summary = summary_services.summary_request(actor=world.manager, case=world.case)
    assert summary_jobs.run(summary.pk) == "ready"
    return summary


def _kwargs_for(name: str, pattern: URLPattern, world, ids) -> dict:
    kwargs = {}
    for key in pattern.pattern.converters:
        if key == "reference":
            kwargs[key] = world.case.reference
        elif key == "request_ref":
            kwargs[key] = ids["request"].reference
        elif key == "document_pk":
            kwargs[key] = ids["request"].document.pk
        elif key == "endpoint_pk":
            kwargs[key] = ids["webhook_endpoint"].pk
        elif key == "summary_pk":
            kwargs[key] = ids["summary"].pk
        elif key == "key_pk":
            kwargs[key] = ids["api_key"].pk
        elif key == "number":
            kwargs[key] = 1
        elif key == "pk" and name.startswith("sharing-disclosure"):
            kwargs[key] = ids["request"].disclosure.pk
        elif key == "pk":
            kwargs[key] = ids["relationship" if name.startswith("relationship") else
                              "milestone" if name.startswith("milestone") else "process"]  # fmt: skip
        elif key == "action":
            kwargs[key] = "acknowledge" if name.startswith("sharing") else "complete"
        else:
            raise AssertionError(f"{name}: the matrix does not know how to fill <{key}>; teach it")
    return kwargs


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def test_every_url_refuses_an_agency_without_access(client, probe, sign_in):
    world, ids = probe
    sign_in(client, world.outsider)
    secrets = (world.case.reference, world.case.pseudonym, "Chronology")
    checked = 0
    for name, pattern in _patterns():
        if name in PUBLIC or (name and name.startswith(ACCOUNT_PREFIXES)):
            continue
        assert name, f"an unnamed URL pattern {pattern.pattern}: name it and classify it here"
        if name.startswith("api-"):
            continue  # the REST API: test_every_api_route_refuses_another_organisations_key_and_session
        if OBJECT_CONVERTERS & set(pattern.pattern.converters):
            url = reverse(name, kwargs=_kwargs_for(name, pattern, world, ids))
            for method in (client.get, client.post):
                response = method(url)
                assert response.status_code in (404, 405), f"{name} {method.__name__}: {response.status_code}"
                body = _body(response)
                assert not any(secret in body for secret in secrets), f"{name} {method.__name__} shows the case"
        else:
            assert name in NOT_ABOUT_ONE_CASE, f"{name} ({pattern.pattern}) is new: classify it in this test"
            response = client.get(reverse(name, kwargs={key: FILLERS[key] for key in pattern.pattern.converters}))
            body = _body(response)
            assert not any(secret in body for secret in secrets), f"{name} shows the case to an outsider"
        checked += 1
    assert checked > 25


def test_a_grant_of_the_case_shows_processes_in_summary_but_not_their_working_detail(client, world, sign_in):
    lcspr = add_process(world, "lcspr", opened_on=world.case.la_aware_date)
    services.process_move(
        actor=world.manager, process=lcspr, to_stage="reviewer_appointed", expected_stage="commissioning",
        note="Confidential note about practitioners.",
    )  # fmt: skip
    grants.grant(actor=world.manager, case=world.case, scope="case", organisation=world.outside_agency,
                 reason="Police partner needs the overview.")  # fmt: skip
    sign_in(client, world.outsider)
    page = client.get(reverse("case-detail", args=[world.case.reference])).content.decode()
    assert world.case.reference in page and "Reviewer appointed" in page
    assert "Confidential note about practitioners." not in page
    assert client.get(reverse("process-detail", args=[world.case.reference, lcspr.pk])).status_code == 404

    grants.grant(actor=world.manager, case=world.case, scope="process", process=lcspr, user=world.outsider,
                 reason="Reviewer liaison.")  # fmt: skip
    detail = client.get(reverse("process-detail", args=[world.case.reference, lcspr.pk]))
    assert detail.status_code == 200 and "Confidential note about practitioners." in detail.content.decode()


def test_an_expired_grant_stops_working_at_its_expiry_with_no_job(client, world, sign_in, monkeypatch):
    grants.grant(actor=world.manager, case=world.case, scope="case", user=world.outsider, reason="Short review.",
                 expires_on=timezone.localdate() + dt.timedelta(days=1))  # fmt: skip
    sign_in(client, world.outsider)
    url = reverse("case-detail", args=[world.case.reference])
    assert client.get(url).status_code == 200
    later = timezone.now() + dt.timedelta(days=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    sign_in(client, world.outsider)  # the old session has outlived its 8 hours by then
    assert client.get(url).status_code == 404


def test_identifiable_details_need_their_own_grant_and_each_view_is_audited(client, world, sign_in):
    from coordination.models import AuditEntry, ChildIdentity

    ChildIdentity.objects.create(case=world.case, full_name="Ada Example", nhs_number="9990000018")
    grants.grant(actor=world.manager, case=world.case, scope="case", user=world.outsider, reason="Overview.")
    sign_in(client, world.outsider)
    assert "Ada Example" not in client.get(reverse("case-detail", args=[world.case.reference])).content.decode()
    assert client.get(reverse("case-identity", args=[world.case.reference])).status_code == 404

    grants.grant(actor=world.manager, case=world.case, scope="identity", user=world.outsider, reason="Coroner.")
    response = client.get(reverse("case-identity", args=[world.case.reference]))
    assert "Ada Example" in response.content.decode()
    assert AuditEntry.objects.filter(action="view_identity", actor=world.outsider).count() == 1


# --- The REST API (issue 6) ---------------------------------------------------------------------------------

# Lists: the outsider gets 200 and an empty page, never the case.
API_LISTS = {
    "api-case-list",
    "api-process-list",
    "api-milestone-list",
    "api-sharing-request-list",
    "api-document-list",
    "api-organisation-list",
    "api-notification-list",
}
# About no case and no organisation's data: the schema, its documentation, and the problem 404 for other paths.
API_PUBLIC = {"api-schema", "api-docs", "api-not-found"}
# Organisations' names and kinds are not sensitive: every caller reads every organisation.
API_FOR_EVERY_CALLER = {"api-organisation-detail"}


def _api_kwargs(name: str, pattern: URLPattern, world, ids) -> dict:
    kwargs = {}
    for key in pattern.pattern.converters:
        if key == "reference":
            kwargs[key] = world.case.reference
        elif key == "request_ref":
            kwargs[key] = ids["request"].reference
        elif key == "document_pk":
            kwargs[key] = ids["request"].document.pk
        elif key == "number":
            kwargs[key] = 1
        elif key == "pk" and name.startswith("api-process-"):
            kwargs[key] = ids["process"]
        elif key == "pk" and name.startswith("api-milestone-"):
            kwargs[key] = ids["milestone"]
        elif key == "pk" and name.startswith("api-notification-"):
            kwargs[key] = ids["notification"].pk  # the manager's own
        elif key == "pk" and name.startswith("api-organisation-"):
            kwargs[key] = world.council.pk
        else:
            raise AssertionError(f"{name}: the API matrix does not know how to fill <{key}>; teach it")
    return kwargs


def _offers(pattern: URLPattern, method: str) -> bool:
    view_class = getattr(pattern.callback, "cls", None)
    return view_class is not None and hasattr(view_class, method)


def test_every_api_route_refuses_another_organisations_key_and_session(probe, sign_in):
    """Every object and action of the API answers 404 to a person of an organisation without access, signed in,
    and to that organisation's read-and-write key; no list shows them the case."""
    world, ids = probe
    session = Client()
    sign_in(session, world.outsider)
    _key, plaintext = issue_key(world.outside_agency)
    callers = {"session": session, "key": key_client(plaintext)}
    secrets = (world.case.reference, world.case.pseudonym, "Chronology")
    checked = set()
    for name, pattern in _patterns():
        if not (name or "").startswith("api-") or name in API_PUBLIC:
            continue
        if name in API_LISTS:
            for who, caller in callers.items():
                response = caller.get(reverse(name))
                assert response.status_code == 200, f"{name} {who}: {response.status_code}"
                assert response.json()["results"] == [] or name == "api-organisation-list", f"{name} {who}"
                assert not any(secret in _body(response) for secret in secrets), f"{name} {who} shows the case"
            checked.add(name)
            continue
        assert pattern.pattern.converters, f"{name} ({pattern.pattern}) is new: classify it in this test"
        url = reverse(name, kwargs=_api_kwargs(name, pattern, world, ids))
        for who, caller in callers.items():
            for method in ("get", "post", "patch"):
                response = getattr(caller, method)(url, content_type="application/json")
                body = _body(response)
                assert not any(secret in body for secret in secrets), f"{name} {method} {who} shows the case"
                if name in API_FOR_EVERY_CALLER:
                    assert response.status_code in (200, 405), f"{name} {method} {who}: {response.status_code}"
                elif _offers(pattern, method):
                    assert response.status_code == 404, f"{name} {method} {who}: {response.status_code}"
                    assert response["Content-Type"] == "application/problem+json", f"{name} {method} {who}"
                else:
                    assert response.status_code == 405, f"{name} {method} {who}: {response.status_code}"
        checked.add(name)
    assert len(checked) >= 25 and checked >= API_LISTS
