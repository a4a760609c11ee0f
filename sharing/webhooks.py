"""The event this app adds to the core's (coordination/events.py): a request changed status. Published inside the
request's transaction; who hears of it is the listener's answer through the access layer (the webhook outbox,
integrations/webhooks.py: endpoints whose key may read the request)."""

from coordination import events

from .models import SharingRequest

SHARING_REQUEST_STATUS_CHANGED = "sharing_request.status_changed"


def register() -> None:
    events.register_event(
        SHARING_REQUEST_STATUS_CHANGED,
        "An information-sharing request changed status",
        data_keys=("sharing_request", "from_status", "to_status"),
    )


def status_changed(*, request: SharingRequest, from_status: str) -> None:
    if not events.listened_to():
        return
    data = {
        "sharing_request": request.reference,
        "case": request.case.reference,
        "from_status": from_status,
        "to_status": request.status,
        "links": {"self": events.api_link("sharing-request", request.reference)},
    }
    events.publish(SHARING_REQUEST_STATUS_CHANGED, obj=request, data=data)
