"""E-mailing information-sharing notifications: one e-mail per Notification of kind "sharing".

sharing/notify.py adds the notifications inside the transaction that moves the request; `send_pending`, run by
beat every minute (sharing.tasks.send_sharing_emails), e-mails the committed ones. So nothing is e-mailed about
a change that was rolled back, and the state lives in the database, never only in the broker.

Exactly once, as near as e-mail allows: a run claims each notification with a conditional UPDATE
(`email_claimed_at` set where it was empty, or older than the reminders' claim lease,
settings.REMINDER_CLAIM_LEASE_SECONDS: a minute by default, ample for the one e-mail a claim here covers, which
EMAIL_TIMEOUT bounds), so two workers never both own one; it sends, then sets `emailed_at`. A worker killed
between sending and marking leaves a claim that goes stale and a later run sends that e-mail again: at least once
for that window, never lost. A mail server that refuses an e-mail leaves it claimed too, and it is retried the
same way.

The recipient must still see the request when the e-mail goes: one who no longer may (their organisation left,
a grant expired) is not e-mailed, and the notification is marked done. E-mails name the request and the case
by reference and pseudonym only; identity and what people typed stay on the request page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coordination import batches
from coordination.models import Notification
from coordination.reminders import DEFAULT_SITE_URL, claim_lease

from . import access
from .deadlines import SUBJECT
from .models import SharingRequest

logger = logging.getLogger(__name__)


@dataclass
class SendResult:
    claimed: int = 0  # notifications this run owned
    sent: int = 0  # e-mails handed to the mail server
    skipped: int = 0  # marked done without an e-mail: no address, or the request is no longer theirs to see
    failed: int = 0  # refused by the mail server; their claims go stale and a later run retries them


def _claimable(now):
    return Q(email_claimed_at=None) | Q(email_claimed_at__lt=now - claim_lease())


def send_pending(*, batch_size: int = 100) -> SendResult:
    """E-mail every sharing notification not yet e-mailed. Safe to run at any time and in several workers."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    result = SendResult()
    pending = (
        Notification.objects.filter(kind=Notification.Kind.UPDATE, subject_type=SUBJECT, emailed_at=None)
        .select_related("user")
        .order_by("pk")
    )
    for batch in batches.by_id(pending, size=batch_size, each=lambda: _claimable(timezone.now())):
        for notification in batch:
            _send_one(notification, result)
    if result.claimed:
        logger.info(
            "Sharing e-mails: %d claimed, %d sent, %d skipped, %d failed",
            result.claimed,
            result.sent,
            result.skipped,
            result.failed,
        )
    return result


def _send_one(notification: Notification, result: SendResult) -> None:
    now = timezone.now()
    # The claim: of two runs reading the same row, only the first UPDATE changes it.
    claimed = Notification.objects.filter(_claimable(now), pk=notification.pk, emailed_at=None).update(
        email_claimed_at=now
    )
    if not claimed:
        return
    result.claimed += 1
    user = notification.user
    request = (
        SharingRequest.objects.select_related("case", "requesting_organisation", "providing_organisation")
        .filter(pk=notification.subject_id)
        .first()
    )
    if request is None or not user.is_active or not access.may_see_request(user, request):
        logger.info("Sharing notification %s: the recipient no longer sees the request; not e-mailed", notification.pk)
        result.skipped += 1
    elif not user.email:
        logger.warning("User %s has no e-mail address; sharing notifications stay in Parallel only", user.pk)
        result.skipped += 1
    else:
        try:
            _email(notification, request).send()
        except Exception:
            logger.exception("Could not e-mail sharing notification %s to user %s", notification.pk, user.pk)
            result.failed += 1
            return
        result.sent += 1
    Notification.objects.filter(pk=notification.pk, emailed_at=None).update(emailed_at=timezone.now())


def event_of(notification: Notification, request: SharingRequest) -> str:
    """What happened, from the notification's message ("… information request from A to B acknowledged"), so the
    subject says what the notification says even if the request has moved on since."""
    marker = f" to {request.providing_organisation.display_name} "
    _, found, event = notification.message.partition(marker)
    return event.strip() if found and event.strip() else "updated"


def _email(notification: Notification, request: SharingRequest) -> EmailMultiAlternatives:
    user = notification.user
    site = getattr(settings, "SITE_URL", DEFAULT_SITE_URL).rstrip("/")
    context = {
        "name": user.get_full_name() or user.get_username(),
        "message": notification.message,
        "reference": request.reference,
        "url": site + reverse("sharing-request-detail", args=[request.reference]),
    }
    message = EmailMultiAlternatives(
        subject=f"Parallel: {request.reference} {event_of(notification, request)}"[:200],
        body=render_to_string("emails/sharing_status.txt", context),
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string("emails/sharing_status.html", context), "text/html")
    return message
