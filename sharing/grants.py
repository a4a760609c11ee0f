"""Showing a request to more than its two parties and the partnership managers, e.g. to the coroner or the CPS
once the parties agree. A grant is a django-guardian object permission with who made it, why and until when,
exactly like the case grants of coordination/grants.py; it is made by a manager of the case's partnership,
audited, and expires by itself."""

import datetime as dt

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from coordination import access as core_access
from coordination import audit
from coordination.grants import organisation_group
from coordination.models import Organisation

from .models import SharingRequest, SharingRequestGroupObjectPermission, SharingRequestUserObjectPermission


def _permission() -> Permission:
    return Permission.objects.get(codename="view_sharingrequest", content_type__app_label="sharing")


@transaction.atomic
def request_grant(
    *, actor, request: SharingRequest, organisation: Organisation, reason: str, expires_on: dt.date | None = None
) -> SharingRequestGroupObjectPermission:
    core_access.require_manage_case(actor, request.case)
    errors = {}
    if request.status == SharingRequest.Status.DRAFT:
        errors["organisation"] = "A draft is the requester's own: it can be shown to others once submitted."
    if organisation.pk in (request.requesting_organisation_id, request.providing_organisation_id):
        errors["organisation"] = f"{organisation.display_name} is already a party to this request."
    if not reason.strip():
        errors["reason"] = "Record why they need to see it; it is kept with the grant."
    if expires_on and expires_on <= timezone.localdate():
        errors["expires_on"] = "An expiry date must be in the future."
    if errors:
        raise ValidationError(errors)
    expires_at = (
        timezone.make_aware(dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time.min)) if expires_on else None
    )  # to the end of the expiry day, in London
    fields = {"granted_by": actor, "granted_at": timezone.now(), "reason": reason.strip(), "expires_at": expires_at}
    row, _ = SharingRequestGroupObjectPermission.objects.update_or_create(
        group=organisation_group(organisation), permission=_permission(), content_object=request, defaults=fields
    )
    audit.record(action="grant", actor=actor, obj=request, object_label=request.reference,
                 changes={"scope": "sharing_request", "to": organisation.name, "reason": reason.strip(),
                          "expires_on": expires_on.isoformat() if expires_on else None})  # fmt: skip
    return row


@transaction.atomic
def request_revoke(*, actor, request: SharingRequest, grant_id: int) -> None:
    core_access.require_manage_case(actor, request.case)
    row = SharingRequestGroupObjectPermission.objects.filter(pk=grant_id, content_object=request).first()
    if row is None:
        raise ValidationError("That grant no longer exists.")
    grantee = row.group.name
    row.delete()
    audit.record(action="revoke", actor=actor, obj=request, object_label=request.reference,
                 changes={"scope": "sharing_request", "from": grantee})  # fmt: skip


def grants_on(request: SharingRequest) -> list:
    """Every grant on the request, live or expired, for its access page; people granted individually too."""
    to_organisations = SharingRequestGroupObjectPermission.objects.filter(content_object=request)
    to_people = SharingRequestUserObjectPermission.objects.filter(content_object=request)
    return [*to_organisations.select_related("group", "granted_by"), *to_people.select_related("user", "granted_by")]
