"""Webhooks: telling an organisation's case system that something it may read has changed.

The outbox: `emit` is subscribed to the core's events (coordination/events.py), which services publish inside their
transaction, after the change, and inserts one WebhookDelivery per endpoint that should hear of it. The rows commit
or roll back with the change, so no event announces a change that did not happen, and none is lost if the broker
is down; the dispatcher (integrations/webhook_delivery.py) sends the committed rows.

Who hears of an event: an active endpoint subscribed to its type, whose API key is live (not revoked, not
expired, its service user active), and whose key's service user may read the object through the access layer,
exactly as the API would answer that key. An endpoint never learns that a case it may not see exists.

What it says: the event's data as the core built it, ids only (coordination/events.py), in the Standard Webhooks
body. Never a pseudonym, a name, an identity or anything a person typed: the receiver fetches the details through
the API with its key, which checks access again.

Milestones: `emit_milestone_events`, run by beat every quarter of an hour, announces open milestones due today
(`milestone.due`) and those that have just passed their date (`milestone.overdue`), once each per due date:
message ids are derived from (milestone, kind, due date, endpoint), so running it twice, or in two workers,
inserts each delivery once, and a deadline that is extended is announced again for its new date.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value
from django.utils import timezone

from coordination import access, batches, events, subjects
from coordination.clock import OPEN, RUNNING_ON_AN_OPEN_CASE
from coordination.events import MILESTONE_DUE, MILESTONE_OVERDUE, api_link
from coordination.models import Milestone, Organisation

from .models import WebhookDelivery, WebhookEndpoint

# An overdue milestone is announced on the first scan after its date; a scan that was not running for a few days
# still catches up within this window, and milestones overdue for longer are not looked at again every run.
OVERDUE_CATCH_UP_DAYS = 7
# Deterministic message ids for the milestone scan (uuid5 of this namespace and the event's identity).
_MILESTONE_NAMESPACE = uuid.UUID("5b0f3a52-8d4e-4c57-9a51-2f1d6b3c7e90")


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def milestone_message_id(milestone_id: int, kind: str, due: date, endpoint_id: int) -> str:
    """The same id for the same announcement, so inserting it twice inserts it once (36 characters)."""
    return f"msg_{uuid.uuid5(_MILESTONE_NAMESPACE, f'{milestone_id}:{kind}:{due.isoformat()}:{endpoint_id}').hex}"


# --- Who may hear ----------------------------------------------------------------------------------


def live_endpoints(event_types: Iterable[str], organisation: Organisation | None = None) -> list[WebhookEndpoint]:
    """Active endpoints with a live key subscribed to any of these events, with their keys and key users: one query.
    (The events list is filtered here rather than in SQL: SQLite has no JSON containment.)"""
    now = timezone.now()
    endpoints = WebhookEndpoint.objects.filter(
        Q(api_key__expires_at=None) | Q(api_key__expires_at__gt=now),
        is_active=True,
        api_key__revoked_at=None,
        api_key__user__is_active=True,
    ).select_related("api_key__user")
    if organisation is not None:
        endpoints = endpoints.filter(organisation=organisation)
    wanted = set(event_types)
    return [endpoint for endpoint in endpoints.order_by("pk") if wanted & set(endpoint.events or ())]


def _key_users(endpoints: Iterable[WebhookEndpoint]) -> dict[int, object]:
    return {endpoint.api_key.user_id: endpoint.api_key.user for endpoint in endpoints}


def _in(field: str, visible: QuerySet) -> Q | Value:
    if visible.query.is_empty():  # the access layer's answer for someone who is no longer a member
        return Value(False)
    return Q(**{f"{field}__in": visible.order_by().values("pk")})


def _readers(objects: QuerySet, conditions: dict[int, Q | Value]) -> dict[int, set[int]]:
    """{object pk: ids of the users who may read it}, in one query whatever the number of users: each user's
    access-layer queryset becomes one boolean column of the same SELECT."""
    if not conditions:
        return {}
    columns = {
        f"reader_{user_id}": condition if isinstance(condition, Value) else
        ExpressionWrapper(condition, output_field=BooleanField())
        for user_id, condition in conditions.items()
    }  # fmt: skip
    readers: dict[int, set[int]] = {}
    for row in objects.order_by().annotate(**columns).values("pk", *columns):
        readers[row["pk"]] = {user_id for user_id in conditions if row[f"reader_{user_id}"]}
    return readers


def _may_read(obj, users: dict[int, object]) -> set[int]:
    """The ids of those users who may read `obj`, as the access layer answers for its kind."""
    conditions = {user_id: _in("pk", access.visible(user, type(obj))) for user_id, user in users.items()}
    return _readers(type(obj).objects.filter(pk=obj.pk), conditions).get(obj.pk, set())


def _milestone_conditions(users: dict[int, object]) -> dict[int, Q | Value]:
    return {user_id: _in("pk", access.milestones_visible_to(user)) for user_id, user in users.items()}


# --- Emitting --------------------------------------------------------------------------------------


def payload(event_type: str, data: dict, *, at=None) -> dict:
    """The Standard Webhooks body: {"type", "timestamp", "data"}."""
    events.check(event_type, data)
    return {"type": event_type, "timestamp": (at or timezone.now()).isoformat(), "data": data}


def emit(*, event_type: str, obj, data: dict, organisation: Organisation | None = None) -> list[WebhookDelivery]:
    """Record one delivery of this event for each endpoint that may hear of `obj` (see the module docstring).
    Subscribed to the core's events (integrations/apps.py), so called inside the service's transaction, after the
    change. `organisation` limits it to that organisation's endpoints (a grant is announced to the grantee only).

    Queries: one for the endpoints (none subscribed: that is all), one for who may read the object, one insert;
    plus the access layer's own membership look-ups for each distinct key user (one to three). The number of
    endpoints sharing a key costs nothing."""
    body = payload(event_type, data)
    endpoints = live_endpoints([event_type], organisation)
    if not endpoints:
        return []
    readers = _may_read(obj, _key_users(endpoints))
    now = timezone.now()
    deliveries = [
        WebhookDelivery(endpoint=endpoint, message_id=new_message_id(), event_type=event_type, payload=body,
                        created_at=now, next_attempt_at=now)
        for endpoint in endpoints
        if endpoint.api_key.user_id in readers
    ]  # fmt: skip
    return WebhookDelivery.objects.bulk_create(deliveries)


# --- Milestones due and overdue ----------------------------------------------------------------------


@dataclass
class MilestoneScan:
    milestones: int = 0  # open milestones due today or just overdue, looked at
    deliveries: int = 0  # deliveries inserted by this run (the rest already existed)


def milestone_kind(due: date, today: date) -> str | None:
    if due == today:
        return MILESTONE_DUE
    if today - timedelta(days=OVERDUE_CATCH_UP_DAYS) <= due < today:
        return MILESTONE_OVERDUE
    return None


def _milestones(today: date, batch_size: int) -> Iterator[list[Milestone]]:
    """Open milestones due today or overdue within the catch-up window, as the reminders choose them: those of
    running clocks of processes on open cases, and those of the apps' records whose deadlines still run."""
    candidates = (
        Milestone.objects.filter(OPEN, due_date__gte=today - timedelta(days=OVERDUE_CATCH_UP_DAYS),
                                 due_date__lte=today)
        .filter(RUNNING_ON_AN_OPEN_CASE | subjects.running_q())
        .select_related("case")
        .order_by("pk")
    )  # fmt: skip
    for batch in batches.by_id(candidates, size=batch_size):
        yield subjects.attach(batch)


def milestone_data(milestone: Milestone) -> dict:
    case = milestone.case
    data = {"milestone": milestone.pk, "due_date": milestone.due_date.isoformat(), "case": case.reference,
            "links": {"self": api_link("milestone", milestone.pk)}}  # fmt: skip
    if milestone.process_id:
        data["process"] = milestone.process_id
        data["links"]["process"] = api_link("process", milestone.process_id)
    else:
        subject = milestone.subject_kind
        data[subject.key] = subject.api_id(milestone.subject)
        data["links"][subject.key] = subject.api_url(milestone.subject)
    return data


def emit_milestone_events(*, today: date | None = None, batch_size: int = 500) -> MilestoneScan:
    """Announce milestones due today and those just overdue, once each (see the module docstring). Safe to run at
    any time and in several workers. Queries per batch of milestones: three (who may read them, which deliveries
    exist, the insert), whatever the batch holds; the access-layer look-ups for each key user are made once a run."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    today = today or timezone.localdate()
    result = MilestoneScan()
    endpoints = live_endpoints([MILESTONE_DUE, MILESTONE_OVERDUE])
    if not endpoints:
        return result
    conditions = _milestone_conditions(_key_users(endpoints))
    for batch in _milestones(today, batch_size):
        result.milestones += len(batch)
        readers = _readers(Milestone.objects.filter(pk__in=[m.pk for m in batch]), conditions)
        now = timezone.now()
        wanted: dict[str, WebhookDelivery] = {}
        for milestone in batch:
            kind = milestone_kind(milestone.due_date, today)
            if kind is None:
                continue
            body = None
            for endpoint in endpoints:
                if kind not in endpoint.events or endpoint.api_key.user_id not in readers.get(milestone.pk, ()):
                    continue
                body = body or payload(kind, milestone_data(milestone), at=now)
                message_id = milestone_message_id(milestone.pk, kind, milestone.due_date, endpoint.pk)
                wanted[message_id] = WebhookDelivery(endpoint=endpoint, message_id=message_id, event_type=kind,
                                                     payload=body, created_at=now, next_attempt_at=now)  # fmt: skip
        if not wanted:
            continue
        existing = set(WebhookDelivery.objects.filter(message_id__in=wanted).values_list("message_id", flat=True))
        new = [wanted[message_id] for message_id in sorted(wanted) if message_id not in existing]
        # ignore_conflicts: a second worker may insert the same rows between our look-up and this insert.
        WebhookDelivery.objects.bulk_create(new, ignore_conflicts=True)
        result.deliveries += len(new)
    return result
