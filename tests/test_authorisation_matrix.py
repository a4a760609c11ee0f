"""Every URL in the portal, requested by a user of an agency that has not been granted the case: objects
answer 404 (or 403 for an action), and no page shows the case's reference or pseudonym.

The URL list comes from the URL configuration itself, so a URL added later must be classified here before
this test passes: that is the point.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from coordination import grants, services
from coordination.models import Milestone
from sharing import documents
from sharing import services as sharing_services
from tests import factories
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
}
# URL parts that name one case, or something on one: a URL with any of them must refuse the outsider.
OBJECT_CONVERTERS = {"reference", "request_ref", "document_pk"}
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


def _kwargs_for(name: str, pattern: URLPattern, world, ids) -> dict:
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
        if OBJECT_CONVERTERS & set(pattern.pattern.converters):
            url = reverse(name, kwargs=_kwargs_for(name, pattern, world, ids))
            for method in (client.get, client.post):
                response = method(url)
                assert response.status_code in (403, 404, 405), f"{name} {method.__name__}: {response.status_code}"
                body = _body(response)
                assert not any(secret in body for secret in secrets), f"{name} {method.__name__} shows the case"
        else:
            assert name in NOT_ABOUT_ONE_CASE, f"{name} ({pattern.pattern}) is new: classify it in this test"
            response = client.get(reverse(name))
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
