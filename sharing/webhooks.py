"""The webhook event this app adds to the core's (coordination/webhooks.py): a request changed status. Who hears of
it is the core's answer, through the access layer: endpoints whose key may read the request."""

from coordination import webhooks

from .models import SharingRequest

SHARING_REQUEST_STATUS_CHANGED = "sharing_request.status_changed"


def register() -> None:
    webhooks.register_event(
        SHARING_REQUEST_STATUS_CHANGED,
        "An information-sharing request changed status",
        data_keys=("sharing_request", "from_status", "to_status"),
    )


def status_changed(*, request: SharingRequest, from_status: str):
    data = {
        "sharing_request": request.reference,
        "case": request.case.reference,
        "from_status": from_status,
        "to_status": request.status,
        "links": {"self": webhooks.api_link("sharing-request", request.reference)},
    }
    return webhooks.emit(event_type=SHARING_REQUEST_STATUS_CHANGED, obj=request, data=data)
