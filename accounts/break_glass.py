"""Break-glass access: someone who must act urgently on a case not granted to them opens it themselves.

There is no side door. Breaking glass is an ordinary grant (a django-guardian object permission made by the
person to themselves) that says why, ends after settings.BREAK_GLASS_MINUTES, is recorded in the audit trail
and is told at once to every manager of the case's partnership, who can revoke it on the case's access page.

What it opens: the case, and every process on it in full (an emergency needs the working detail, not only the
stages). Not the child's identifiable details: those still need a grant of their own from a manager.

Whether a reference exists is not told until a reason has been given and confirmed, so the page cannot be used
to try references for free: every hit costs a recorded grant and a message to the managers.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone

from coordination import access, audit, grants
from coordination.models import AuditEntry, Case, Membership, Notification

MIN_REASON_LENGTH = 20
REASON_PREFIX = "Break glass: "
MESSAGE_LENGTH = Notification._meta.get_field("message").max_length


@dataclass(frozen=True)
class Outcome:
    case: Case
    opened: bool  # False when the person could already see the case and nothing was granted
    expires_at: dt.datetime | None = None


def may_break_glass(user) -> bool:
    """Any member of an organisation, in any role but auditor: the people who read the trail stay outside it."""
    return (
        user.is_authenticated
        and user.is_active
        and Membership.objects.filter(user=user).exclude(role=Membership.Role.AUDITOR).exists()
    )


def require_may_break_glass(user) -> None:
    if not may_break_glass(user):
        raise PermissionDenied("Your role does not allow break-glass access to a case.")


def _until(expires_at: dt.datetime) -> str:
    local = timezone.localtime(expires_at)
    if local.date() == timezone.localdate():
        return formats.date_format(local, "H:i")
    return formats.date_format(local, "H:i \\o\\n j M")


def _message(actor, case: Case, expires_at: dt.datetime, reason: str) -> str:
    who = actor.get_full_name() or actor.get_username()
    text = f"Break glass: {who} opened {case.reference} until {_until(expires_at)}: {reason}"
    return text if len(text) <= MESSAGE_LENGTH else text[: MESSAGE_LENGTH - 1] + "…"


def _grant_to_self(*, actor, scope: str, target, fields: dict) -> None:
    codename, user_model, _ = grants.SCOPES[scope]
    permission = Permission.objects.get(codename=codename, content_type__app_label="coordination")
    # Any earlier grant of the same thing to this person has expired (they could not see the case otherwise):
    # it is replaced, and the audit trail keeps the record of both.
    user_model.objects.update_or_create(user=actor, permission=permission, content_object=target, defaults=fields)


@transaction.atomic
def break_glass(*, actor, reference: str, reason: str, request=None) -> Outcome:
    """Open the case with that reference to the actor until BREAK_GLASS_MINUTES from now, record it and tell the
    partnership's managers. A case the actor can already see is returned untouched."""
    require_may_break_glass(actor)
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            {"reason": f"Say why you must act on this case now, in at least {MIN_REASON_LENGTH} characters."}
        )
    # The row lock makes a second submission wait for the first, then find the case already open to them.
    case = (
        Case.objects.select_for_update()
        .select_related("partnership")
        .filter(reference__iexact=reference.strip())
        .first()
    )
    if case is None:
        raise ValidationError({"reference": "No case with that reference."})
    if access.may_see_case(actor, case):
        return Outcome(case=case, opened=False)

    now = timezone.now()
    expires_at = now + dt.timedelta(minutes=settings.BREAK_GLASS_MINUTES)
    fields = {"granted_by": actor, "granted_at": now, "reason": REASON_PREFIX + reason, "expires_at": expires_at}
    _grant_to_self(actor=actor, scope="case", target=case, fields=fields)
    processes = list(case.processes.order_by("id"))
    for process in processes:
        _grant_to_self(actor=actor, scope="process", target=process, fields=fields)

    message = _message(actor, case, expires_at, reason)
    # The partnership's managers, as the access layer defines them for every purpose.
    managers = access.managers_of([case.partnership])[case.partnership_id]
    Notification.objects.bulk_create(
        [
            Notification(user_id=manager, kind=Notification.Kind.ESCALATION, case=case, message=message, created_at=now)
            for manager in managers
        ]
    )
    audit.record(
        action=AuditEntry.Action.BREAK_GLASS,
        actor=actor,
        obj=case,
        changes={
            "reason": reason,
            "expires_at": expires_at,
            "scopes": ["case", "process"],
            "processes": [str(process.pk) for process in processes],
        },
        request=request,
    )
    return Outcome(case=case, opened=True, expires_at=expires_at)
