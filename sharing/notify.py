"""Telling both sides of a request that it moved: an in-app notification each, which also goes by e-mail
(sharing/emails.py). Messages name the request and the case by reference and pseudonym only; what people typed
(reasons, notes) stays on the request page, behind its access check."""

from collections import defaultdict

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
            kind=Notification.Kind.UPDATE,
            case_id=request.case_id,
            subject_type="sharing_request",
            subject_id=request.pk,
            message=message,
            created_at=now,
        )
        for user_id in sorted(people)
        if user_id != actor.pk and people[user_id].is_active
    )


def people_still_acting(requests: list[SharingRequest]) -> dict[int, dict[int, object]]:
    """Who is reminded of each request's deadline ({request id: {user id: user}}), in one query for them all.

    The people `people_to_tell` names: the requester, and the provider's single point of contact or, if none, its
    active members other than auditors and agency administrators. Each must still be an active member of the
    organisation they act for, so someone who has left hears nothing more."""
    if not requests:
        return {}
    organisations = {r.requesting_organisation_id for r in requests} | {r.providing_organisation_id for r in requests}
    memberships = Membership.objects.filter(organisation_id__in=organisations, user__is_active=True).select_related(
        "user"
    )
    members: dict[int, dict[int, object]] = defaultdict(dict)
    caseworkers: dict[int, dict[int, object]] = defaultdict(dict)
    for membership in memberships:
        members[membership.organisation_id][membership.user_id] = membership.user
        if membership.role not in _NOT_TOLD:
            caseworkers[membership.organisation_id][membership.user_id] = membership.user
    people: dict[int, dict[int, object]] = {}
    for request in requests:
        to = {}
        requesters = members[request.requesting_organisation_id]
        if request.requested_by_id in requesters:
            to[request.requested_by_id] = requesters[request.requested_by_id]
        providers = members[request.providing_organisation_id]
        if request.addressee_id:
            if request.addressee_id in providers:
                to[request.addressee_id] = providers[request.addressee_id]
        else:
            to.update(caseworkers[request.providing_organisation_id])
        people[request.pk] = to
    return people
