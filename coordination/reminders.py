"""Reminders of deadlines: a digest e-mail per person per run, in-app notifications, and escalation to the
partnership managers when a statutory milestone stays overdue.

`dispatch` is run by beat every quarter of an hour (coordination.tasks.dispatch_reminders). It works out
from the milestones themselves what is due today, so nothing waits in the broker: a missed tick, a restart
or a second worker changes nothing, and the next run simply looks again.

Which reminder: each rule lists the working days before the due date on which a reminder goes
(`reminder_working_days`, by default "10,3,0"). On a given day the reminder due is the nearest of those
whose day has come: "before-10", "before-3", or "due" (0). A larger offset whose day was missed is not
sent late once a nearer one's day has come. Once the date has passed, "overdue-N" goes once a week
(N = whole weeks overdue, so overdue-0 on the first day after the due date). A statutory milestone (statute
or statutory guidance) overdue by the rule's `escalate_after_working_days` is escalated, once, to the
partnership managers. A paused or closed process, or a closed case, gets nothing.

Who: for a process, its lead and the partnership managers. For the response deadline of an information-sharing
request (sharing/deadlines.py), the people sharing/notify.py tells of the request's moves: the requester, and
the provider's single point of contact or else its caseworkers; and only while the request awaits a decision.

Exactly once: a reminder is a ReminderSent row, unique per (milestone, recipient, key). A run inserts the
rows it wants with ON CONFLICT DO NOTHING and then owns only the rows carrying its own run id, so two
workers, a duplicate beat tick or a retried task cannot both own one. A row claimed by a run that then died
(sent_at still empty after `stale_claim_after()`: settings.REMINDER_STALE_CLAIM_SECONDS, ten minutes by
default) is taken over by a later run with a conditional UPDATE, so nothing is lost while that reminder is
still the one due. (If the day moves on first, the next reminder of the same milestone, e.g. "overdue-0"
instead of "due", supersedes it.)

The one narrow window: the e-mail is sent before its rows are marked sent. A worker killed between the two
leaves the claim unmarked, and a later run sends that one digest again. That is deliberate: at least once
for that window, never lost. A live run renews its claims just before sending, so a slow run is not taken
over while it is still working.

E-mails and notifications name a case by its reference and pseudonym only (and a request by its reference);
the child's identity is never read here.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from sharing import access as sharing_access
from sharing.models import SharingRequest

from . import access, batches
from .clock import OPEN
from .models import (
    Case,
    ClosureDay,
    Membership,
    Milestone,
    Notification,
    Partnership,
    Process,
    ReminderSent,
    TimescaleRule,
)
from .working_days import add_working_days, working_days_between

__all__ = [
    "ESCALATION",
    "DispatchResult",
    "dispatch",
    "escalation_due",
    "reminder_key",
    "reminder_offsets",
    "stale_claim_after",
    "unread_count",
]

logger = logging.getLogger(__name__)

ESCALATION = "escalation"
# Statutory milestones escalate; guidance and local practice only remind.
ESCALATING_FORCES = frozenset({TimescaleRule.Force.STATUTE, TimescaleRule.Force.STATUTORY_GUIDANCE})
DEFAULT_STALE_CLAIM_SECONDS = 600
DEFAULT_SITE_URL = "http://127.0.0.1:8000"

_ONE_DAY = timedelta(days=1)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class DispatchResult:
    claimed: int = 0  # reminder rows this run owned (new claims and claims taken over from a dead run)
    emails_sent: int = 0  # digests, at most one per person
    notifications: int = 0  # in-app notifications, one per milestone per person
    emails_failed: int = 0  # digests the mail server refused; their claims go stale and are retried


# --- What is due -----------------------------------------------------------------------------------


def reminder_offsets(text: str) -> tuple[int, ...]:
    """'10,3,0' -> (0, 3, 10): working days before the due date, nearest first. Anything else is ignored."""
    offsets = {int(part) for part in (text or "").split(",") if part.strip().isdigit()}
    return tuple(sorted(offsets))


def reminder_key(due: date, today: date, offsets: Iterable[int], closures=()) -> str | None:
    """The reminder due today for a milestone due on `due`, or None.

    Before the date: the nearest offset k whose day (k working days before `due`) has come, as "before-k",
    or "due" for k=0. After it: "overdue-N", N whole weeks since the due date, so one a week.
    """
    if due < today:
        return f"overdue-{(today - due).days // 7}"
    for k in sorted(offsets):
        if add_working_days(due, -k, closures) <= today:
            return "due" if k == 0 else f"before-{k}"
    return None


def working_days_overdue(due: date, today: date, closures=()) -> int:
    return working_days_between(due + _ONE_DAY, today + _ONE_DAY, closures)


def escalation_due(rule: TimescaleRule, due: date, today: date, closures=()) -> bool:
    """Whether a statutory milestone has been overdue long enough to go to the partnership managers."""
    return (
        rule.force in ESCALATING_FORCES
        and rule.escalate_after_working_days is not None
        and due < today
        and working_days_overdue(due, today, closures) >= rule.escalate_after_working_days
    )


def status_words(due: date, today: date, closures=(), *, escalated: bool = False) -> str:
    if due < today:
        n = working_days_overdue(due, today, closures)
        words = f"overdue by {_plural(n, 'working day')}" if n else "overdue"
        return f"ESCALATION: {words}" if escalated else words
    if due == today:
        return "due today"
    n = working_days_between(today + _ONE_DAY, due + _ONE_DAY, closures)
    # Zero only when the date itself is not a working day and none comes before it.
    return f"due in {_plural(n, 'working day')}" if n else f"due in {_plural((due - today).days, 'day')}"


def stale_claim_after() -> timedelta:
    """How long a claim may stay unsent before it counts as left by a run that died; read at each run.

    The default, ten minutes, is far longer than a live run holds a claim between renewing it and sending
    (one e-mail), and far shorter than the gap between two reminders of a milestone.
    """
    return timedelta(seconds=getattr(settings, "REMINDER_STALE_CLAIM_SECONDS", DEFAULT_STALE_CLAIM_SECONDS))


def notifications_visible_to(user):
    """The person's notifications about what they may still see: one sent before a grant was revoked or
    expired names a case they no longer may, so it is no longer shown or counted. A notification about an
    information-sharing request follows the request instead: a provider may be party to a request on a case
    whose page it does not see."""
    about_request = Q(sharing_request__isnull=False, sharing_request__in=sharing_access.requests_visible_to(user))
    about_case = Q(sharing_request=None) & (Q(case=None) | Q(case__in=access.cases_visible_to(user)))
    return Notification.objects.filter(about_request | about_case, user=user)


def unread_count(user) -> int:
    """How many of the person's notifications they have not read, for the badge in the page header."""
    return notifications_visible_to(user).filter(read_at=None).count()


# --- The run ----------------------------------------------------------------------------------------


@dataclass
class _Claim:
    pk: int
    milestone_id: int
    key: str


@dataclass
class _Recipient:
    user: object
    claims: list[_Claim] = field(default_factory=list)


class _Closures:
    """Every closure day, read once per run: national ones apply everywhere, local ones to their partnership."""

    def __init__(self):
        self.national: dict[date, str] = {}
        self.local: dict[int, dict[date, str]] = defaultdict(dict)
        for partnership_id, day, name in ClosureDay.objects.values_list("partnership_id", "date", "name"):
            (self.national if partnership_id is None else self.local[partnership_id])[day] = name
        self._merged: dict[int, dict[date, str]] = {}

    def for_partnership(self, partnership_id: int) -> dict[date, str]:
        if partnership_id not in self._merged:
            self._merged[partnership_id] = {**self.national, **self.local.get(partnership_id, {})}
        return self._merged[partnership_id]

    def everywhere(self) -> set[date]:
        """Every closure of every partnership: counting over these reaches the furthest horizon."""
        days = set(self.national)
        for local in self.local.values():
            days.update(local)
        return days


def dispatch(*, today: date | None = None, batch_size: int = 500) -> DispatchResult:
    """Claim every reminder due today, then send each person one digest and add their notifications.

    Safe to run at any time, as often as you like and in several workers at once: see the module docstring.
    The queries made per batch of milestones do not depend on how many milestones the batch holds; each
    person then costs three (renew the claims, mark them sent, add the notifications).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    today = today or timezone.localdate()
    run = uuid.uuid4()
    result = DispatchResult()
    closures = _Closures()
    horizon = add_working_days(today, _furthest_offset(), closures.everywhere())

    recipients: dict[int, _Recipient] = {}
    milestones: dict[int, Milestone] = {}
    for batch in _due_milestones(horizon, batch_size):
        claimed = _claim_batch(batch, today=today, run=run, closures=closures, recipients=recipients)
        result.claimed += len(claimed)
        claimed_ids = {claim.milestone_id for claim in claimed}
        milestones.update((m.pk, m) for m in batch if m.pk in claimed_ids)

    for user_id in sorted(recipients):
        _deliver(recipients[user_id], milestones, today=today, run=run, closures=closures, result=result)

    if result.claimed:
        logger.info(
            "Reminders for %s: %d claimed, %d e-mails sent, %d failed, %d notifications",
            today,
            result.claimed,
            result.emails_sent,
            result.emails_failed,
            result.notifications,
        )
    return result


def _furthest_offset() -> int:
    texts = TimescaleRule.objects.order_by().values_list("reminder_working_days", flat=True).distinct()
    return max((max(reminder_offsets(text), default=0) for text in texts), default=0)


# A request's response deadline is reminded of only while the provider still has to decide.
AWAITING_DECISION = (
    SharingRequest.Status.SUBMITTED,
    SharingRequest.Status.ACKNOWLEDGED,
    SharingRequest.Status.UNDER_CONSIDERATION,
)
# As sharing/notify.py: people whose role is oversight, not casework, are not told of every request.
_NOT_TOLD_OF_REQUESTS = (Membership.Role.AUDITOR, Membership.Role.AGENCY_ADMINISTRATOR)


def _due_milestones(horizon: date, batch_size: int) -> Iterator[list[Milestone]]:
    """Open milestones due by `horizon`, a batch at a time by id: those of active processes on open cases,
    and those of information-sharing requests awaiting a decision on open cases."""
    candidates = (
        Milestone.objects.filter(OPEN, due_date__lte=horizon)
        .filter(
            Q(process__status=Process.Status.ACTIVE, process__case__status=Case.Status.OPEN)
            | Q(sharing_request__status__in=AWAITING_DECISION, sharing_request__case__status=Case.Status.OPEN)
        )
        .select_related(
            "rule",
            "process",
            "process__case",
            "process__case__partnership",
            "process__lead",
            "sharing_request",
            "sharing_request__case",
            "sharing_request__case__partnership",
            "sharing_request__requested_by",
            "sharing_request__addressee",
        )
        .order_by("pk")
    )
    yield from batches.by_id(candidates, size=batch_size)


def _request_people(requests: list[SharingRequest]) -> dict[int, dict[int, object]]:
    """Who is reminded of each request's deadline ({request id: {user id: user}}), in one query for the batch.

    The same people sharing.notify.people_to_tell names: the requester, and the provider's single point of
    contact or, if none, its active members other than auditors and agency administrators. Each must still
    be an active member of the organisation they act for, so someone who has left hears nothing more."""
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
        if membership.role not in _NOT_TOLD_OF_REQUESTS:
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


def _managers(partnerships: Iterable[Partnership]) -> dict[int, dict[int, object]]:
    """Active partnership managers of each partnership ({partnership id: {user id: user}}), in one query."""
    partnerships = {p.pk: p for p in partnerships}
    org_ids = {org_id for p in partnerships.values() for org_id in p.statutory_partner_ids()}
    by_org: dict[int, list] = defaultdict(list)
    memberships = Membership.objects.filter(
        role=Membership.Role.PARTNERSHIP_MANAGER, organisation_id__in=org_ids, user__is_active=True
    ).select_related("user")
    for membership in memberships:
        by_org[membership.organisation_id].append(membership.user)
    return {
        pk: {user.pk: user for org_id in sorted(p.statutory_partner_ids()) for user in by_org[org_id]}
        for pk, p in partnerships.items()
    }


def _claim_batch(
    batch: list[Milestone], *, today: date, run: uuid.UUID, closures: _Closures, recipients: dict[int, _Recipient]
) -> list[_Claim]:
    """Claim this batch's reminders due today; add the claims this run now owns to `recipients` and return them."""
    managers = _managers({m.case.partnership for m in batch})
    request_people = _request_people([m.sharing_request for m in batch if m.sharing_request_id])
    offsets: dict[int, tuple[int, ...]] = {}
    wanted: set[tuple[int, int, str]] = set()
    users: dict[int, object] = {}
    for milestone in batch:
        rule, process, case = milestone.rule, milestone.process, milestone.case
        local = closures.for_partnership(case.partnership_id)
        if rule.pk not in offsets:
            offsets[rule.pk] = reminder_offsets(rule.reminder_working_days)
        key = reminder_key(milestone.due_date, today, offsets[rule.pk], local)
        if key is None:
            continue
        if process is None:
            to = dict(request_people[milestone.sharing_request_id])
        else:
            to = dict(managers[case.partnership_id])
            if process.lead is not None and process.lead.is_active:
                to[process.lead.pk] = process.lead
        users.update(to)
        wanted.update((milestone.pk, user_id, key) for user_id in to)
        if escalation_due(rule, milestone.due_date, today, local):
            users.update(managers[case.partnership_id])
            wanted.update((milestone.pk, user_id, ESCALATION) for user_id in managers[case.partnership_id])
    if not wanted:
        return []

    now = timezone.now()
    # Sorted, so that two runs inserting the same rows take their row locks in the same order.
    ReminderSent.objects.bulk_create(
        [
            ReminderSent(milestone_id=m_id, recipient_id=u_id, key=key, run=run, claimed_at=now)
            for m_id, u_id, key in sorted(wanted)
        ],
        ignore_conflicts=True,
    )
    unsent = ReminderSent.objects.filter(milestone_id__in={m_id for m_id, _, _ in wanted}, sent_at=None).values_list(
        "pk", "milestone_id", "recipient_id", "key", "run", "claimed_at"
    )
    ours, stale = [], []
    stale_before = now - stale_claim_after()
    for pk, m_id, u_id, key, row_run, claimed_at in unsent:
        if (m_id, u_id, key) not in wanted:
            continue  # an old claim of a reminder no longer due: superseded, left as it is
        if row_run == run:
            ours.append((pk, m_id, u_id, key))
        elif claimed_at < stale_before:
            stale.append(pk)
    if stale:
        # Taken over only if still unsent and still stale: of two runs trying, the first UPDATE wins.
        ReminderSent.objects.filter(pk__in=stale, sent_at=None, claimed_at__lt=stale_before).update(
            run=run, claimed_at=now
        )
        taken = list(
            ReminderSent.objects.filter(pk__in=stale, run=run, sent_at=None).values_list(
                "pk", "milestone_id", "recipient_id", "key"
            )
        )
        ours += taken
        logger.warning("Took over %d of %d stale reminder claims left by a run that stopped", len(taken), len(stale))

    claimed = []
    for pk, m_id, u_id, key in ours:
        claim = _Claim(pk, m_id, key)
        recipients.setdefault(u_id, _Recipient(users[u_id])).claims.append(claim)
        claimed.append(claim)
    return claimed


def _deliver(
    recipient: _Recipient,
    milestones: dict[int, Milestone],
    *,
    today: date,
    run: uuid.UUID,
    closures: _Closures,
    result: DispatchResult,
) -> None:
    """One digest e-mail to one person, then (in one transaction) their claims marked sent and their notifications."""
    claims = recipient.claims
    pks = [claim.pk for claim in claims]
    # Renew the claims just before sending, and check that they are still this run's: a run slow enough
    # to have been taken for dead sends only what it still holds.
    renewed = ReminderSent.objects.filter(pk__in=pks, run=run, sent_at=None).update(claimed_at=timezone.now())
    if renewed != len(pks):
        held = set(ReminderSent.objects.filter(pk__in=pks, run=run, sent_at=None).values_list("pk", flat=True))
        claims = [claim for claim in claims if claim.pk in held]
        pks = [claim.pk for claim in claims]
        if not claims:
            return

    keys: dict[int, set[str]] = defaultdict(set)
    for claim in claims:
        keys[claim.milestone_id].add(claim.key)
    items = [_item(milestones[m_id], ESCALATION in k, today=today, closures=closures) for m_id, k in keys.items()]
    items.sort(key=lambda item: (not item["escalated"], item["due_date"], item["reference"], item["milestone"]))

    user = recipient.user
    if user.email:
        try:
            _digest(user, items).send()
        except Exception:
            # Left claimed: the claims go stale and a later run sends them, while they are still due.
            logger.exception("Could not send the reminder digest to user %s", user.pk)
            result.emails_failed += 1
            return
        result.emails_sent += 1
    else:
        logger.warning("User %s has no e-mail address; reminders go to their notifications only", user.pk)

    now = timezone.now()
    with transaction.atomic():
        ReminderSent.objects.filter(pk__in=pks, run=run, sent_at=None).update(sent_at=now)
        created = Notification.objects.bulk_create(
            [
                Notification(
                    user=user,
                    kind=Notification.Kind.ESCALATION if item["escalated"] else Notification.Kind.REMINDER,
                    case_id=item["case_id"],
                    milestone_id=item["milestone_id"],
                    sharing_request_id=item["sharing_request_id"],
                    message=item["message"],
                    created_at=now,
                )
                for item in items
            ]
        )
    result.notifications += len(created)


def _item(milestone: Milestone, escalated: bool, *, today: date, closures: _Closures) -> dict:
    """What the digest and the notification say about one milestone: reference and pseudonym, never identity."""
    case = milestone.case
    name = milestone.rule.milestone + (f" (#{milestone.occurrence})" if milestone.occurrence > 1 else "")
    due = _dated(milestone.due_date)
    site = getattr(settings, "SITE_URL", DEFAULT_SITE_URL).rstrip("/")
    if milestone.process_id:
        url = reverse("process-detail", args=[case.reference, milestone.process_id])
        message = f"{case.reference} ({case.pseudonym}): {name} due {due}"
    else:
        url = milestone.get_absolute_url()
        message = f"{case.reference} ({case.pseudonym}): {milestone.subject_label}: {name} due {due}"
    return {
        "case_id": case.pk,
        "milestone_id": milestone.pk,
        "sharing_request_id": milestone.sharing_request_id,
        "reference": case.reference,
        "pseudonym": case.pseudonym,
        "kind": milestone.subject_label,
        "milestone": name,
        "due_date": milestone.due_date,
        "due": due,
        "status": status_words(
            milestone.due_date, today, closures.for_partnership(case.partnership_id), escalated=escalated
        ),
        "escalated": escalated,
        "url": site + url,
        "message": message[:400],
    }


def _digest(user, items: list[dict]) -> EmailMultiAlternatives:
    count, escalations = len(items), sum(item["escalated"] for item in items)
    subject = f"Parallel: {_plural(count, 'deadline')} {'needs' if count == 1 else 'need'} attention"
    if escalations:
        subject += f" ({escalations} escalated)"
    site = getattr(settings, "SITE_URL", DEFAULT_SITE_URL).rstrip("/")
    context = {
        "name": user.get_full_name() or user.get_username(),
        "items": items,
        "count": count,
        "escalations": escalations,
        "home_url": site + reverse("home"),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/reminder_digest.txt", context),
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string("emails/reminder_digest.html", context), "text/html")
    return message


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _dated(day: date | datetime) -> str:
    # Our own names rather than strftime: strftime follows the process locale.
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"
