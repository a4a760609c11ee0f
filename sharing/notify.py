"""Telling both sides of a request that it moved: an in-app notification each, which also goes by e-mail
(sharing/emails.py). Messages name the request and the case by reference and pseudonym only; what people typed
(reasons, notes) stays on the request page, behind its access check."""

from django.utils import timezone

from coordination.models import Membership, Notification

from .models import SharingRequest

# People whose role is oversight, not casework, are not told of every move.
_NOT_TOLD = (Membership.Role.AUDITOR, Membership.Role.AGENCY_ADMINISTRATOR)


def people_to_tell(request: SharingRequest) -> dict[int, object]:
    """The requester, and on the provider's side its single point of contact, or else its caseworkers.
    The provider hears nothing of a request until it is submitted."""
    people = {request.requested_by_id: request.requested_by}
    if request.submitted_at is None:
        return people
    if request.addressee_id:
        people[request.addressee_id] = request.addressee
    else:
        memberships = (
            Membership.objects.filter(organisation_id=request.providing_organisation_id, user__is_active=True)
            .exclude(role__in=_NOT_TOLD)
            .select_related("user")
        )
        people.update((m.user_id, m.user) for m in memberships)
    return people


def message_for(request: SharingRequest, event: str = "") -> str:
    status = event or request.get_status_display().lower()
    if not event and request.status == SharingRequest.Status.DECIDED:
        decision = request.decisions.order_by("-decided_at", "-id").first()
        status = f"decided: {decision.get_outcome_display().lower()}"
    parties = f"{request.requesting_organisation.display_name} to {request.providing_organisation.display_name}"
    return f"{request.reference} ({request.case.pseudonym}): information request from {parties} {status}"[:400]


def status_changed(*, request: SharingRequest, actor, event: str = "") -> list[Notification]:
    now = timezone.now()
    message = message_for(request, event)
    people = people_to_tell(request)
    return Notification.objects.bulk_create(
        Notification(
            user_id=user_id,
            kind=Notification.Kind.SHARING,
            case_id=request.case_id,
            sharing_request=request,
            message=message,
            created_at=now,
        )
        for user_id in sorted(people)
        if user_id != actor.pk and people[user_id].is_active
    )
