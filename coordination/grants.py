"""Granting and revoking access to a case, one of its processes, or the child's identifiable details.

A grant is a django-guardian object permission (to a person, or to an organisation through its group) with
who granted it, why and until when. Every grant and revoke is audited.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import access, audit, events
from .models import (
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    ChildIdentity,
    ChildIdentityGroupObjectPermission,
    ChildIdentityUserObjectPermission,
    Membership,
    Organisation,
    Process,
    ProcessGroupObjectPermission,
    ProcessUserObjectPermission,
)

# scope -> (codename, model granted to a person, model granted to an organisation)
SCOPES = {
    "case": ("view_case", CaseUserObjectPermission, CaseGroupObjectPermission),
    "process": ("view_process", ProcessUserObjectPermission, ProcessGroupObjectPermission),
    "identity": ("view_childidentity", ChildIdentityUserObjectPermission, ChildIdentityGroupObjectPermission),
}
SCOPE_LABELS = {"case": "The case", "process": "A process in full", "identity": "The child's identifiable details"}


def organisation_group(organisation: Organisation) -> Group:
    """Each organisation is a group; make it one if an administrator created it without."""
    if organisation.group_id is None:
        organisation.group, _ = Group.objects.get_or_create(name=organisation.name)
        organisation.save(update_fields=["group"])
    return organisation.group


@dataclass(frozen=True)
class GrantRow:
    scope: str
    grant: object  # one of the six permission models
    grantee: str
    target: str

    @property
    def model_name(self) -> str:
        return self.grant._meta.model_name


def _target(case: Case, scope: str, process: Process | None):
    if scope == "case":
        return case
    if scope == "process":
        if process is None or process.case_id != case.pk:
            raise ValidationError({"process": "Choose a process on this case."})
        return process
    identity, _ = ChildIdentity.objects.get_or_create(case=case, defaults={"full_name": ""})
    return identity


@transaction.atomic
def grant(
    *,
    actor,
    case: Case,
    scope: str,
    reason: str,
    organisation: Organisation | None = None,
    user=None,
    process: Process | None = None,
    expires_on: dt.date | None = None,
):
    access.require_manage_case(actor, case)
    errors = {}
    if scope not in SCOPES:
        errors["scope"] = "Choose what to grant."
    if (organisation is None) == (user is None):
        errors["organisation"] = "Grant to an organisation or to a named person, not both."
    if user is not None and not Membership.objects.filter(user=user).exists():
        errors["user"] = "That person is not a member of any organisation."
    if not reason.strip():
        errors["reason"] = "Record why access is needed; it is kept with the grant."
    if expires_on and expires_on <= timezone.localdate():
        errors["expires_on"] = "An expiry date must be in the future."
    if errors:
        raise ValidationError(errors)
    codename, user_model, group_model = SCOPES[scope]
    target = _target(case, scope, process)
    permission = Permission.objects.get(codename=codename, content_type__app_label="coordination")
    expires_at = (
        timezone.make_aware(dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time.min)) if expires_on else None
    )  # the grant lasts to the end of its expiry day, in London
    fields = {"granted_by": actor, "granted_at": timezone.now(), "reason": reason.strip(), "expires_at": expires_at}
    if user is not None:
        row, _ = user_model.objects.update_or_create(
            user=user, permission=permission, content_object=target, defaults=fields
        )
        grantee = user.get_username()
    else:
        row, _ = group_model.objects.update_or_create(
            group=organisation_group(organisation), permission=permission, content_object=target, defaults=fields
        )
        grantee = organisation.name
        # Published with the grant, in its transaction: the grantee's case system hears of it (the webhook outbox)
        # if its key may now read the target.
        events.access_granted(case=case, scope=scope, target=target, organisation=organisation)
    audit.record(
        action="grant",
        actor=actor,
        obj=case,
        changes={"scope": scope, "to": grantee, "target": str(target.pk), "reason": reason.strip(),
                 "expires_on": expires_on.isoformat() if expires_on else None},
    )  # fmt: skip
    return row


@transaction.atomic
def revoke(*, actor, case: Case, scope: str, grant_id: int, to_group: bool) -> None:
    access.require_manage_case(actor, case)
    _, user_model, group_model = SCOPES[scope]
    model = group_model if to_group else user_model
    row = model.objects.filter(pk=grant_id).select_related("content_object").first()
    if row is None or _case_of(row.content_object).pk != case.pk:
        raise ValidationError("That grant no longer exists.")
    grantee = row.group.name if to_group else row.user.get_username()
    row.delete()
    audit.record(action="revoke", actor=actor, obj=case, changes={"scope": scope, "from": grantee})


def _case_of(target) -> Case:
    return target if isinstance(target, Case) else target.case


def grants_on(case: Case) -> list[GrantRow]:
    """Every grant on the case, its processes and its identity, live or expired, for the case page."""
    rows: list[GrantRow] = []
    targets = {"case": {"content_object": case}, "process": {"content_object__case": case},
               "identity": {"content_object__case": case}}  # fmt: skip
    for scope, (_, user_model, group_model) in SCOPES.items():
        for model, grantee in ((user_model, "user"), (group_model, "group")):
            for row in model.objects.filter(**targets[scope]).select_related(grantee, "granted_by", "content_object"):
                who = (row.user.get_full_name() or row.user.get_username()) if grantee == "user" else row.group.name
                target = str(row.content_object.kind_label) if scope == "process" else SCOPE_LABELS[scope]
                rows.append(GrantRow(scope=scope, grant=row, grantee=who, target=target))
    return rows
