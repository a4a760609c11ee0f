"""Webhook events (coordination/events.py, heard by integrations/webhooks.py) and their management pages: the
outbox commits or rolls back with the change, only endpoints whose key may read the object hear of it, payloads
carry ids only, and the milestone scan announces each deadline once."""

import datetime as dt
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination import audit, clock, events, grants, services
from coordination.models import AuditEntry, ChildIdentity, Membership, Milestone
from integrations import webhook_endpoints, webhooks
from integrations.models import WebhookDelivery, WebhookEndpoint
from sharing import deadlines as sharing_deadlines
from sharing import services as sharing_services
from sharing import webhooks as sharing_webhooks
from sharing.access import may_see_request
from tests.factories import (
    add_process,
    member,
    submitted_request,
    test_rule,
    webhook_endpoint,
)

MOVE = {"to_stage": "reviewer_appointed", "expected_stage": "commissioning"}


def deliveries(endpoint, event_type=None):
    rows = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk")
    return list(rows.filter(event_type=event_type) if event_type else rows)


@pytest.fixture
def hooks(world):
    """An endpoint of the council (which owns the processes) and one of the outside police force."""
    return webhook_endpoint(world.council), webhook_endpoint(world.outside_agency)


# --- The outbox ---------------------------------------------------------------------------------------------


def test_a_change_that_rolls_back_takes_its_delivery_with_it(world, hooks, monkeypatch):
    council, _ = hooks
    lcspr = add_process(world, "lcspr")

    def audit_fails(**kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(audit, "record", audit_fails)  # recorded after the event is emitted, in the same transaction
    with pytest.raises(RuntimeError):
        services.process_move(actor=world.manager, process=lcspr, **MOVE)
    assert deliveries(council) == []

    monkeypatch.undo()
    with pytest.raises(RuntimeError), transaction.atomic():
        events.process_stage_changed(process=lcspr, from_stage="commissioning")
        raise RuntimeError("rolled back")
    assert deliveries(council) == []

    services.process_move(actor=world.manager, process=lcspr, **MOVE)
    assert [d.event_type for d in deliveries(council)] == [events.PROCESS_STAGE_CHANGED]


def test_a_stage_change_goes_only_to_endpoints_whose_key_sees_the_case(world, hooks):
    council, outsider = hooks
    lcspr = add_process(world, "lcspr")
    services.process_move(actor=world.manager, process=lcspr, **MOVE)
    [delivery] = deliveries(council)
    assert deliveries(outsider) == []
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.next_attempt_at <= timezone.now()
    assert delivery.message_id.startswith("msg_") and delivery.payload["type"] == "process.stage_changed"
    assert delivery.payload["data"] == {
        "case": world.case.reference, "process": lcspr.pk, "kind": "lcspr", "from_stage": "commissioning",
        "to_stage": "reviewer_appointed",
        "links": {"self": f"/api/v1/processes/{lcspr.pk}/", "case": f"/api/v1/cases/{world.case.reference}/"},
    }  # fmt: skip

    # Granted the case, the police force's key sees the stage (summary information) and hears of the next move.
    grants.grant(actor=world.manager, case=world.case, scope="case", organisation=world.outside_agency,
                 reason="Police partner needs the overview.")  # fmt: skip
    services.process_move(
        actor=world.manager, process=lcspr, to_stage="information_gathering", expected_stage="reviewer_appointed"
    )
    assert len(deliveries(outsider, events.PROCESS_STAGE_CHANGED)) == 1


def test_endpoints_not_subscribed_disabled_or_with_a_revoked_key_hear_nothing(world):
    from integrations.api import keys

    lcspr = add_process(world, "lcspr")
    listening = webhook_endpoint(world.council)  # the same organisation, subscribed, active, its key live
    not_subscribed = webhook_endpoint(world.council, events=[events.MILESTONE_DUE])
    disabled = webhook_endpoint(world.council)
    WebhookEndpoint.objects.filter(pk=disabled.pk).update(is_active=False)
    revoked = webhook_endpoint(world.council)
    keys.key_revoke(actor=revoked.created_by, api_key=revoked.api_key)
    services.process_move(actor=world.manager, process=lcspr, **MOVE)
    assert [d.event_type for d in deliveries(listening)] == [events.PROCESS_STAGE_CHANGED]
    assert deliveries(not_subscribed) == deliveries(disabled) == deliveries(revoked) == []


def test_a_sharing_request_move_goes_to_both_parties_once_submitted(sharing_world):
    sw = sharing_world
    iopc = webhook_endpoint(sw.iopc)
    council = webhook_endpoint(sw.world.council)
    outsider = webhook_endpoint(sw.world.outside_agency)
    request = submitted_request(sw)
    for endpoint in (iopc, council):
        [delivery] = deliveries(endpoint, sharing_webhooks.SHARING_REQUEST_STATUS_CHANGED)
        assert delivery.payload["data"] == {
            "sharing_request": request.reference, "case": sw.world.case.reference, "from_status": "draft",
            "to_status": "submitted", "links": {"self": f"/api/v1/sharing-requests/{request.reference}/"},
        }  # fmt: skip
    assert deliveries(outsider) == []

    # A draft is the requester's own: withdrawing one is told to the requester's endpoint only.
    draft = sharing_services.request_create(
        actor=sw.investigator, case=sw.world.case, requesting_organisation=sw.iopc,
        providing_organisation=sw.world.council, details={},
    )  # fmt: skip
    sharing_services.request_withdraw(actor=sw.investigator, request=draft, reason="Asked by telephone instead.")
    withdrawn = {d.endpoint_id for d in WebhookDelivery.objects.filter(payload__data__sharing_request=draft.reference)}
    assert withdrawn == {iopc.pk}
    assert not may_see_request(sw.world.agency_user, draft)  # the provider never sees a draft, even withdrawn


def test_a_grant_is_told_to_the_grantee_whose_key_may_now_read_it_and_to_no_one_else(world, hooks):
    council, outsider = hooks
    lcspr = add_process(world, "lcspr")
    # The child's details granted to an organisation that cannot see the case: its key still reads nothing.
    grants.grant(actor=world.manager, case=world.case, scope="identity", organisation=world.outside_agency,
                 reason="Coroner's liaison.")  # fmt: skip
    # A grant to a named person gives no key anything.
    grants.grant(actor=world.manager, case=world.case, scope="case", user=world.outsider, reason="Liaison.")
    assert deliveries(outsider) == [] and deliveries(council) == []

    grants.grant(actor=world.manager, case=world.case, scope="process", process=lcspr,
                 organisation=world.outside_agency, reason="Misconduct liaison.")  # fmt: skip
    [delivery] = deliveries(outsider, events.ACCESS_GRANTED)
    assert delivery.payload["data"] == {
        "scope": "process", "case": world.case.reference, "process": lcspr.pk,
        "links": {"case": f"/api/v1/cases/{world.case.reference}/", "self": f"/api/v1/processes/{lcspr.pk}/"},
    }  # fmt: skip
    # Now that the force sees the case, the identity grant made earlier counts, and a new one is announced.
    grants.grant(actor=world.manager, case=world.case, scope="identity", organisation=world.outside_agency,
                 reason="Coroner's liaison, renewed.")  # fmt: skip
    assert [d.payload["data"]["scope"] for d in deliveries(outsider, events.ACCESS_GRANTED)] == [
        "process",
        "identity",
    ]
    assert deliveries(council) == []  # the council's endpoint is not the grantee


def test_payloads_carry_ids_never_names_pseudonyms_or_what_people_typed(sharing_world):
    sw = sharing_world
    world = sw.world
    test_rule(trigger="case:la_aware_date")
    ChildIdentity.objects.create(case=world.case, full_name="Ada Example", nhs_number="9990000018")
    endpoints = [webhook_endpoint(org) for org in (world.council, sw.iopc)]
    lcspr = add_process(world, "lcspr")
    notification = add_process(world, "serious_incident_notification", opened_on=world.case.la_aware_date)
    services.process_move(actor=world.manager, process=lcspr, note="Confidential note about practitioners.", **MOVE)
    request = submitted_request(sw)
    sharing_services.request_acknowledge(actor=world.agency_user, request=request, note="Typed acknowledgement.")
    grants.grant(actor=world.manager, case=world.case, scope="identity", organisation=sw.iopc, reason="Inquest.")
    Milestone.objects.filter(process=notification).update(due_date=timezone.localdate())
    webhooks.emit_milestone_events()

    sent = WebhookDelivery.objects.filter(endpoint__in=endpoints)
    assert {d.event_type for d in sent} == set(events.EVENTS) - {events.MILESTONE_OVERDUE}
    text = json.dumps([d.payload for d in sent])
    for secret in ("Child Q", "Ada Example", "9990000018", "Confidential note", "Typed acknowledgement",
                   "Inquest.", world.manager.last_name, "IOPC investigation"):  # fmt: skip
        assert secret not in text
    for delivery in sent:
        assert set(delivery.payload) == {"type", "timestamp", "data"}
        assert set(delivery.payload["data"]) <= events.DATA_KEYS

    with pytest.raises(ValueError, match="ids only"):
        webhooks.payload(events.PROCESS_STAGE_CHANGED, {"case": "X", "pseudonym": "Child Q"})


# --- Milestones due and overdue ------------------------------------------------------------------------------


def test_the_milestone_scan_announces_due_and_overdue_once_each(world, hooks):
    council, outsider = hooks
    test_rule(trigger="case:la_aware_date")
    process = add_process(world, "serious_incident_notification", opened_on=world.case.la_aware_date)
    milestone = Milestone.objects.get(process=process, rule__code="T1")
    today = timezone.localdate()
    Milestone.objects.exclude(pk=milestone.pk).update(due_date=today + dt.timedelta(days=365))  # the seeded rules'
    Milestone.objects.filter(pk=milestone.pk).update(due_date=today)

    assert webhooks.emit_milestone_events(today=today).deliveries == 1
    assert webhooks.emit_milestone_events(today=today).deliveries == 0  # running it again sends nothing more
    [due] = deliveries(council)
    assert due.event_type == "milestone.due" and due.payload["data"] == {
        "milestone": milestone.pk, "due_date": today.isoformat(), "case": world.case.reference,
        "process": process.pk,
        "links": {"self": f"/api/v1/milestones/{milestone.pk}/", "process": f"/api/v1/processes/{process.pk}/"},
    }  # fmt: skip
    assert deliveries(outsider) == []

    tomorrow = today + dt.timedelta(days=1)
    webhooks.emit_milestone_events(today=tomorrow)
    webhooks.emit_milestone_events(today=tomorrow + dt.timedelta(days=1))
    assert [d.event_type for d in deliveries(council)].count("milestone.overdue") == 1

    # Extended, the deadline is announced again for its new date; met, it is not.
    clock.milestone_extend(actor=world.manager, milestone=milestone, new_due_date=today + dt.timedelta(days=30),
                           reason="Police asked for time.", authorised_by="Chair", basis="Reg 31(3)")  # fmt: skip
    webhooks.emit_milestone_events(today=today + dt.timedelta(days=30))
    assert [d.event_type for d in deliveries(council)].count("milestone.due") == 2
    assert webhooks.emit_milestone_events(today=today + dt.timedelta(days=60)).milestones == 0  # long overdue


def test_a_request_deadline_is_announced_to_the_parties_whose_keys_see_the_request(sharing_world):
    sw = sharing_world
    iopc, outsider = webhook_endpoint(sw.iopc), webhook_endpoint(sw.world.outside_agency)
    request = submitted_request(sw)
    deadline = sharing_deadlines.milestones_of(request).get()
    webhooks.emit_milestone_events(today=deadline.due_date)
    [due] = deliveries(iopc, events.MILESTONE_DUE)
    assert due.payload["data"]["sharing_request"] == request.reference and "process" not in due.payload["data"]
    assert deliveries(outsider, events.MILESTONE_DUE) == []


def test_the_milestone_scan_costs_the_same_queries_for_2_or_12_milestones(world, hooks):
    test_rule(trigger="case:la_aware_date")
    today = timezone.localdate()

    def measure(n: int) -> int:
        for _ in range(n):
            add_process(world, "serious_incident_notification", opened_on=world.case.la_aware_date)
        Milestone.objects.update(due_date=today)
        WebhookDelivery.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            assert webhooks.emit_milestone_events(today=today).deliveries == Milestone.objects.count()
        return len(queries)

    assert measure(2) == measure(10)


def test_emit_costs_the_same_queries_for_one_endpoint_or_many_acting_as_one_key(world):
    lcspr = add_process(world, "lcspr")
    first = webhook_endpoint(world.council)

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            events.process_stage_changed(process=lcspr, from_stage="commissioning")
        return len(queries)

    one = measure()
    for n in range(5):
        WebhookEndpoint.objects.create(
            organisation=world.council, api_key=first.api_key, url=f"https://hooks.example.org/{n}",
            events=list(events.EVENTS), secret=webhook_endpoints.new_secret(), created_by=first.created_by,
            created_at=timezone.now(),
        )  # fmt: skip
    assert measure() == one
    assert WebhookDelivery.objects.count() == 1 + 6
    assert one <= 6  # endpoints, the access layer's membership look-ups for the key user, who may read, the insert


# --- Management pages ------------------------------------------------------------------------------------------


@pytest.fixture
def council_admin(world):
    return member(world.council, Membership.Role.AGENCY_ADMINISTRATOR, username="trustadmin")


def test_an_administrator_registers_an_endpoint_and_sees_its_secret_once(client, world, council_admin, sign_in):
    from integrations.api import keys

    api_key, _ = keys.key_create(actor=council_admin, organisation=world.council, name="Council CMS", scope="read")
    sign_in(client, council_admin)
    assert client.get(reverse("webhook-list")).status_code == 200
    form = {"url": "https://cms.example.org/hooks", "description": "Case management", "api_key": api_key.pk,
            "events": [events.PROCESS_STAGE_CHANGED, events.MILESTONE_OVERDUE]}  # fmt: skip
    response = client.post(reverse("webhook-add"), form)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in response.content.decode()
    assert (endpoint.organisation, endpoint.api_key, endpoint.events) == (
        world.council,
        api_key,
        [events.MILESTONE_OVERDUE, events.PROCESS_STAGE_CHANGED],
    )
    entry = AuditEntry.objects.get(object_type="integrations.webhookendpoint", action="create")
    assert endpoint.secret not in json.dumps(entry.changes)
    detail = client.get(reverse("webhook-detail", args=[endpoint.pk])).content.decode()
    assert "https://cms.example.org/hooks" in detail and endpoint.secret not in detail
    assert endpoint.url in client.get(reverse("webhook-list")).content.decode()

    response = client.post(reverse("webhook-rotate-secret", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret in response.content.decode()
    client.post(reverse("webhook-disable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at and "Disabled by" in endpoint.disabled_reason
    client.post(reverse("webhook-enable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_at is None
    assert AuditEntry.objects.filter(object_type="integrations.webhookendpoint", action="change").count() == 3


def test_the_form_refuses_plain_http_and_private_addresses(client, world, council_admin, sign_in, settings):
    from integrations.api import keys

    settings.WEBHOOK_REQUIRE_HTTPS = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    api_key, _ = keys.key_create(actor=council_admin, organisation=world.council, name="Council CMS", scope="read")
    sign_in(client, council_admin)
    for url, message in (
        ("http://cms.example.org/hooks", "must start with https://"),
        ("https://10.1.2.3/hooks", "private, loopback or reserved"),
        ("https://169.254.169.254/latest", "private, loopback or reserved"),
        ("https://[::1]/hooks", "private, loopback or reserved"),
        ("https://localhost:8443/hooks", "local host"),
        ("https://user:pass@cms.example.org/hooks", "no user name or password"),
    ):
        response = client.post(
            reverse("webhook-add"), {"url": url, "api_key": api_key.pk, "events": ["access.granted"]}
        )
        assert message in response.content.decode(), url
    assert WebhookEndpoint.objects.count() == 0


def test_another_organisations_endpoint_is_a_404_and_the_pages_need_an_administrator(client, world, sign_in):
    endpoint = webhook_endpoint(world.council)
    other_admin = member(world.outside_agency, Membership.Role.AGENCY_ADMINISTRATOR)
    sign_in(client, other_admin)
    for name in ("webhook-detail", "webhook-enable", "webhook-disable", "webhook-rotate-secret"):
        for method in (client.get, client.post):
            response = method(reverse(name, args=[endpoint.pk]))
            assert response.status_code in (404, 405), (name, method)
            assert endpoint.url not in response.content.decode()
    assert endpoint.url not in client.get(reverse("webhook-list")).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.secret == WebhookEndpoint.objects.get(pk=endpoint.pk).secret

    sign_in(client, world.agency_user)  # a member of the council, but not its administrator
    assert client.get(reverse("webhook-list")).status_code == 403
    assert client.get(reverse("webhook-add")).status_code == 403
    assert client.get(reverse("webhook-detail", args=[endpoint.pk])).status_code == 404


def test_the_delivery_log_costs_the_same_queries_for_one_delivery_or_many(client, world, council_admin, sign_in):
    from integrations.models import WebhookAttempt

    endpoint = webhook_endpoint(world.council, admin=council_admin)
    lcspr = add_process(world, "lcspr")
    sign_in(client, council_admin)
    url = reverse("webhook-detail", args=[endpoint.pk])

    def measure(n: int) -> int:
        for _ in range(n):
            events.process_stage_changed(process=lcspr, from_stage="x")
        for delivery in WebhookDelivery.objects.filter(endpoint=endpoint, attempt_log=None):
            for _ in range(2):
                now = timezone.now()
                WebhookAttempt.objects.create(delivery=delivery, attempted_at=now, finished_at=now, status_code=500)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200 and "HTTP 500" in response.content.decode()
        return len(queries)

    assert measure(1) == measure(12)
