"""Events: the core says that something another system may want to hear of has changed, without knowing who listens.

A service publishes an event inside its own transaction, after the change; `publish` calls every subscribed handler
there and then, so whatever a handler writes (the integrations app's webhook outbox, integrations/webhooks.py)
commits or rolls back with the change. An app subscribes a handler when Django starts (its AppConfig.ready), and
adds event types of its own with `register_event`.

What an event says: ids and the event type only (the case and request references, process and milestone ids,
stage and status keys, a due date, links into the API). Never a pseudonym, a name, an identity or anything a person
typed: `check` refuses any other key, and a receiver fetches the details through the API, which checks access again.
Who may hear of it is the handler's business, asked of the access layer for `obj`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.urls import reverse

from .models import Case, Organisation, Process

MILESTONE_DUE = "milestone.due"
MILESTONE_OVERDUE = "milestone.overdue"
PROCESS_STAGE_CHANGED = "process.stage_changed"
ACCESS_GRANTED = "access.granted"

# Every event a system may subscribe to, with what it means; an app adds its own with `register_event`.
EVENTS = {
    PROCESS_STAGE_CHANGED: "A process moved to another stage",
    MILESTONE_DUE: "A deadline is due today",
    MILESTONE_OVERDUE: "A deadline has passed",
    ACCESS_GRANTED: "Your organisation was granted access to a case, a process or the child's details",
}

# What an event's data may hold: ids, keys and dates. Anything else is refused, so a future caller cannot put
# a pseudonym or a note into an event by accident. An app's events add the keys they need.
DATA_KEYS = {"case", "process", "kind", "from_stage", "to_stage", "milestone", "due_date", "scope", "links"}

# handler(event_type=, obj=, data=, organisation=), called inside the publisher's transaction.
Handler = Callable[..., object]
_handlers: list[Handler] = []


def register_event(event_type: str, description: str, *, data_keys: Iterable[str] = ()) -> None:
    """An app's own event, e.g. "sharing_request.status_changed", and the id keys its data holds."""
    if EVENTS.get(event_type, description) != description:
        raise ValueError(f"event {event_type!r} is registered twice")
    EVENTS[event_type] = description
    DATA_KEYS.update(data_keys)


def subscribe(handler: Handler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def listened_to() -> bool:
    """Whether anyone subscribed: without a listener an event is not even built (its links name API addresses that
    only exist when the app serving the API is installed)."""
    return bool(_handlers)


def check(event_type: str, data: dict) -> None:
    unknown = set(data) - DATA_KEYS
    if unknown:
        raise ValueError(f"event data may hold ids only, not {sorted(unknown)}")
    if event_type not in EVENTS:
        raise ValueError(f"unknown event {event_type!r}")


def publish(event_type: str, *, obj, data: dict, organisation: Organisation | None = None) -> None:
    """Tell every handler that `obj` changed. Call it inside the service's transaction, after the change.
    `organisation` limits who may hear of it to that organisation (a grant is announced to the grantee only)."""
    check(event_type, data)
    for handler in _handlers:
        handler(event_type=event_type, obj=obj, data=data, organisation=organisation)


def api_link(kind: str, key) -> str:
    """An object's API address (integrations/api/urls.py): api_link("process", 17) -> /api/v1/processes/17/."""
    return reverse(f"api-{kind}-detail", args=[key])


# --- The core's events ------------------------------------------------------------------------------


def process_stage_changed(*, process: Process, from_stage: str) -> None:
    """A stage is summary information, shown to whoever sees the case (coordination/access.py), so whoever may read
    the case hears of it. The process's own address answers only a reader who sees it in full; any other reads the
    new stage on the case."""
    if not listened_to():
        return
    case = process.case
    data = {
        "case": case.reference,
        "process": process.pk,
        "kind": process.kind,
        "from_stage": from_stage,
        "to_stage": process.stage,
        "links": {"self": api_link("process", process.pk), "case": api_link("case", case.reference)},
    }
    publish(PROCESS_STAGE_CHANGED, obj=case, data=data)


def access_granted(*, case: Case, scope: str, target, organisation: Organisation) -> None:
    """Told to the grantee organisation only, and there only to whoever may now read what was granted.
    (A grant to a named person gives an organisation's systems nothing, so it is not announced.)"""
    if not listened_to():
        return
    data = {"scope": scope, "case": case.reference, "links": {"case": api_link("case", case.reference)}}
    if isinstance(target, Process):
        data["process"] = target.pk
        data["links"]["self"] = api_link("process", target.pk)
    publish(ACCESS_GRANTED, obj=target, data=data, organisation=organisation)
