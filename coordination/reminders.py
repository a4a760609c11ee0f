"""Reminders of deadlines: a digest e-mail per person per run, in-app notifications, and escalation to the
partnership managers when a statutory milestone stays overdue.

`dispatch` is run by beat every quarter of an hour (coordination.tasks.dispatch_reminders). It works out
from the milestones themselves what is due today, so nothing waits in the broker: a missed tick, a restart
or a second worker changes nothing, and the next run simply looks again. `take_over`, run by beat every half
lease (coordination.tasks.take_over_reminders), dispatches at once when a run has died holding claims.

Which reminder: each rule lists the working days before the due date on which a reminder goes
(`reminder_working_days`, by default "10,3,0"). On a given day the reminder due is the nearest of those
whose day has come: "before-10", "before-3", or "due" (0). A larger offset whose day was missed is not
sent late once a nearer one's day has come. Once the date has passed, "overdue-N" goes once a week
(N = whole weeks overdue, so overdue-0 on the first day after the due date). A statutory milestone (statute
or statutory guidance) overdue by the rule's `escalate_after_working_days` is escalated, once, to the
partnership managers. A closed process or case gets nothing; a paused process gets reminders only of the clocks
a pause does not stop (a statute's own limits).

Who: for a process, its lead (while still a member of the organisation that owns it) and the partnership
managers (coordination.access.managers_of). For the deadline of a record an app registered
(coordination/subjects.py), the people the app names: for an information-sharing request, the requester and the
provider's single point of contact or else its caseworkers, only while the request awaits a decision.

Exactly once: a reminder is a ReminderSent row, unique per (milestone, recipient, key). A run inserts the
rows it wants with ON CONFLICT DO NOTHING and then owns only the rows carrying its own run id, so two
workers, a duplicate beat tick or a retried task cannot both own one.

The lease: a run holds its claims until `lease_expires_at`, one `claim_lease()` ahead
(settings.REMINDER_CLAIM_LEASE_SECONDS, a minute by default), and while it works it renews every claim it
still holds whenever less than two thirds of the lease is left: before each batch it claims and before each
digest it sends. A step is one batch's queries or one e-mail, which EMAIL_TIMEOUT bounds and settings require to
be shorter than two thirds of the lease, so a live run's claims never lapse however long the whole run takes.
Renewing, and checking before a digest that its claims are still held, both require an unlapsed lease: a run
that was stalled past its lease sends nothing more of what it had claimed. A run that died stops renewing;
its claims lapse at most one lease after its last step began, beat's `take_over` sees that within half a
lease more, and the dispatch it starts takes them over with a conditional UPDATE (still unsent, still
lapsed: of two runs trying, the first wins). So a dead run's reminders go out within a minute and a half by
default, while that reminder is still the one due. (If the day moves on first, the next reminder of the same
milestone, e.g. "overdue-0" instead of "due", supersedes it; `take_over` then lets go of the old claim so that
it stops looking at it.)

A digest the mail server refuses is not retried at once: its claims are handed back to no run and held for
RETRY_REFUSED_AFTER (ten minutes), then taken over like a dead run's.

The one narrow window: the e-mail is sent before its rows are marked sent. A worker killed between the two
leaves the claim unmarked, and a later run sends that one digest again. That is deliberate: at least once
for that window, never lost.

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

from . import access, batches, subjects
from .clock import OPEN, RUNNING_ON_AN_OPEN_CASE
from .models import (
    ClosureDay,
    Milestone,
    Notification,
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
    "claim_lease",
    "take_over",
    "unread_count",
]

logger = logging.getLogger(__name__)

ESCALATION = "escalation"
# Statutory milestones escalate; guidance and local practice only remind.
ESCALATING_FORCES = frozenset({TimescaleRule.Force.STATUTE, TimescaleRule.Force.STATUTORY_GUIDANCE})
DEFAULT_CLAIM_LEASE_SECONDS = 60
RETRY_REFUSED_AFTER = timedelta(minutes=10)
NO_RUN = uuid.UUID(int=0)  # holds a refused digest's claims while they wait for their retry
DEFAULT_SITE_URL = "http://127.0.0.1:8000"

_ONE_DAY = timedelta(days=1)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class DispatchResult:
    claimed: int = 0  # reminder rows this run owned (new claims and claims taken over from a dead run)
    emails_sent: int = 0  # digests, at most one per person
    notifications: int = 0  # in-app notifications, one per milestone per person
    emails_failed: int = 0  # digests the mail server refused; retried after RETRY_REFUSED_AFTER
    taken_over: int = 0  # of the claims, those taken over from a run whose lease had lapsed


@dataclass
class TakeoverResult:
    lapsed: int = 0  # unsent claims whose lease had lapsed when beat looked
    dispatch: DispatchResult | None = None  # the dispatch run to take them over, if there were any
    released: int = 0  # lapsed claims of reminders no longer due, let go


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


def claim_lease() -> timedelta:
    """How long a claim holds without being renewed; read at each run. A run renews its claims once a third of
    this has passed, so one step of a run (a batch, one e-mail) may take up to two thirds of it."""
    return timedelta(seconds=getattr(settings, "REMINDER_CLAIM_LEASE_SECONDS", DEFAULT_CLAIM_LEASE_SECONDS))


def unread_count(user) -> int:
    """How many of the person's notifications they have not read, for the badge in the page header."""
    return access.notifications_visible_to(user).filter(read_at=None).count()


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


class _Lease:
    """One run's hold on its claims: every claim it makes or takes over expires at `expires`, and `keep()`, called
    before each step, moves them all one lease ahead once less than two thirds of it is left."""

    def __init__(self, run: uuid.UUID):
        self.run = run
        self.length = claim_lease()
        self.expires = timezone.now() + self.length

    def keep(self) -> None:
        now = timezone.now()
        if self.expires - now > self.length * 2 / 3:
            return
        # Only claims still held: one whose lease lapsed (this process was stalled) may be another run's by now.
        ReminderSent.objects.filter(run=self.run, sent_at=None, lease_expires_at__gt=now).update(
            lease_expires_at=now + self.length
        )
        self.expires = now + self.length

    def held(self, pks: list[int]) -> set[int]:
        """Which of these claims the run still holds with time to spare; read just after `keep()`."""
        return set(
            ReminderSent.objects.filter(
                pk__in=pks, run=self.run, sent_at=None, lease_expires_at__gt=timezone.now()
            ).values_list("pk", flat=True)
        )


def _lapsed(now: datetime) -> Q:
    return Q(lease_expires_at=None) | Q(lease_expires_at__lt=now)


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
    person then costs three (check the claims are still held, mark them sent, add the notifications), and the
    whole run one more each time it renews its lease.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    today = today or timezone.localdate()
    lease = _Lease(uuid.uuid4())
    result = DispatchResult()
    closures = _Closures()
    horizon = add_working_days(today, _furthest_offset(), closures.everywhere())

    recipients: dict[int, _Recipient] = {}
    milestones: dict[int, Milestone] = {}
    for batch in _due_milestones(horizon, batch_size):
        lease.keep()
        claimed = _claim_batch(batch, today=today, lease=lease, closures=closures, recipients=recipients,
                               result=result)  # fmt: skip
        result.claimed += len(claimed)
        claimed_ids = {claim.milestone_id for claim in claimed}
        milestones.update((m.pk, m) for m in batch if m.pk in claimed_ids)

    for user_id in sorted(recipients):
        lease.keep()
        _deliver(recipients[user_id], milestones, today=today, lease=lease, closures=closures, result=result)

    if result.claimed:
        logger.info(
            "Reminders for %s: %d claimed (%d taken over), %d e-mails sent, %d failed, %d notifications",
            today,
            result.claimed,
            result.taken_over,
            result.emails_sent,
            result.emails_failed,
            result.notifications,
        )
    return result


def take_over(*, today: date | None = None) -> TakeoverResult:
    """If any unsent claim's lease has lapsed (its run died, or a refused digest's wait is over), dispatch now
    rather than at the next quarter-hour tick. Cheap when there is none: one look at an index of unsent rows."""
    now = timezone.now()
    lapsed = ReminderSent.objects.filter(sent_at=None, lease_expires_at__lt=now)
    result = TakeoverResult(lapsed=lapsed.count())
    if not result.lapsed:
        return result
    result.dispatch = dispatch(today=today)
    # Whatever lapsed before this run and is lapsed still was not taken over by a full dispatch, so it is no longer
    # due (superseded by a nearer reminder, completed, paused): let go of it, or every look would find it again.
    # A dispatch that finds it due again later still takes it (an empty lease is free to take).
    result.released = lapsed.update(lease_expires_at=None)
    if result.released:
        logger.info("Let go of %d lapsed reminder claims no longer due", result.released)
    return result


def _furthest_offset() -> int:
    texts = TimescaleRule.objects.order_by().values_list("reminder_working_days", flat=True).distinct()
    return max((max(reminder_offsets(text), default=0) for text in texts), default=0)


def _due_milestones(horizon: date, batch_size: int) -> Iterator[list[Milestone]]:
    """Open milestones due by `horizon`, a batch at a time by id: those of active processes on open cases (and of
    paused ones, where the clock does not stop for a pause), and those of the apps' records whose deadlines still
    run (coordination/subjects.py: a request awaiting its provider's decision)."""
    candidates = (
        Milestone.objects.filter(OPEN, due_date__lte=horizon)
        .filter(RUNNING_ON_AN_OPEN_CASE | subjects.running_q())
        .select_related("rule", "case", "case__partnership", "process", "process__lead")
        .order_by("pk")
    )
    yield from batches.by_id(candidates, size=batch_size)


def _claim_batch(
    batch: list[Milestone],
    *,
    today: date,
    lease: _Lease,
    closures: _Closures,
    recipients: dict[int, _Recipient],
    result: DispatchResult,
) -> list[_Claim]:
    """Claim this batch's reminders due today; add the claims this run now owns to `recipients` and return them."""
    batch = subjects.attach(batch)
    managers = access.managers_of({m.case.partnership for m in batch})
    # A process's lead is reminded while still a member of the organisation that owns the process.
    leads = access.still_acting_for((m.process.lead, m.process.owner_id) for m in batch if m.process_id)
    people_of_records = {
        subject.key: subject.reminder_recipients([m.subject for m in batch if m.subject_type == subject.key])
        for subject in subjects.registered()
    }
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
            to = dict(people_of_records[milestone.subject_type].get(milestone.subject_id, {}))
        else:
            to = dict(managers[case.partnership_id])
            if (process.lead_id, process.owner_id) in leads:
                to[process.lead_id] = process.lead
        users.update(to)
        wanted.update((milestone.pk, user_id, key) for user_id in to)
        if escalation_due(rule, milestone.due_date, today, local):
            users.update(managers[case.partnership_id])
            wanted.update((milestone.pk, user_id, ESCALATION) for user_id in managers[case.partnership_id])
    if not wanted:
        return []

    now, run = timezone.now(), lease.run
    # Sorted, so that two runs inserting the same rows take their row locks in the same order.
    ReminderSent.objects.bulk_create(
        [
            ReminderSent(
                milestone_id=m_id, recipient_id=u_id, key=key, run=run, claimed_at=now, lease_expires_at=lease.expires
            )
            for m_id, u_id, key in sorted(wanted)
        ],
        ignore_conflicts=True,
    )
    unsent = ReminderSent.objects.filter(milestone_id__in={m_id for m_id, _, _ in wanted}, sent_at=None).values_list(
        "pk", "milestone_id", "recipient_id", "key", "run", "lease_expires_at"
    )
    ours, lapsed = [], []
    for pk, m_id, u_id, key, row_run, expires in unsent:
        if (m_id, u_id, key) not in wanted:
            continue  # an old claim of a reminder no longer due: superseded, left as it is
        if row_run == run:
            ours.append((pk, m_id, u_id, key))
        elif expires is None or expires < now:
            lapsed.append(pk)
    if lapsed:
        # Taken over only if still unsent and still lapsed: of two runs trying, the first UPDATE wins.
        ReminderSent.objects.filter(_lapsed(now), pk__in=lapsed, sent_at=None).update(
            run=run, claimed_at=now, lease_expires_at=lease.expires
        )
        taken = list(
            ReminderSent.objects.filter(pk__in=lapsed, run=run, sent_at=None).values_list(
                "pk", "milestone_id", "recipient_id", "key"
            )
        )
        ours += taken
        result.taken_over += len(taken)
        logger.warning("Took over %d of %d reminder claims whose lease had lapsed", len(taken), len(lapsed))

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
    lease: _Lease,
    closures: _Closures,
    result: DispatchResult,
) -> None:
    """One digest e-mail to one person, then (in one transaction) their claims marked sent and their notifications."""
    claims = recipient.claims
    pks = [claim.pk for claim in claims]
    # Just renewed (the caller kept the lease), so what is still held has two thirds of a lease for the e-mail; a
    # run stalled long enough to have lost its claims sends only what it still holds.
    held = lease.held(pks)
    if len(held) != len(pks):
        claims = [claim for claim in claims if claim.pk in held]
        pks = [claim.pk for claim in claims]
        if not claims:
            return
    run = lease.run

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
            # Handed back, to be taken over once RETRY_REFUSED_AFTER has passed (while still due): not at once, so a
            # mail server that is down is not asked again every minute.
            logger.exception("Could not send the reminder digest to user %s", user.pk)
            ReminderSent.objects.filter(pk__in=pks, run=run, sent_at=None).update(
                run=NO_RUN, lease_expires_at=timezone.now() + RETRY_REFUSED_AFTER
            )
            result.emails_failed += 1
            return
        result.emails_sent += 1
    else:
        logger.warning("User %s has no e-mail address; reminders go to their notifications only", user.pk)

    now = timezone.now()
    with transaction.atomic():
        marked = ReminderSent.objects.filter(pk__in=pks, run=run, sent_at=None).update(sent_at=now)
        if marked != len(pks):
            # Some were taken over while the e-mail went (this run stalled past its lease): the run that took them
            # notifies of those, so only what this run marked is notified here.
            mine = set(ReminderSent.objects.filter(pk__in=pks, run=run, sent_at=now).values_list("pk", flat=True))
            marked_milestones = {claim.milestone_id for claim in claims if claim.pk in mine}
            items = [item for item in items if item["milestone_id"] in marked_milestones]
        created = Notification.objects.bulk_create(
            [
                Notification(
                    user=user,
                    kind=Notification.Kind.ESCALATION if item["escalated"] else Notification.Kind.REMINDER,
                    case_id=item["case_id"],
                    milestone_id=item["milestone_id"],
                    subject_type=item["subject_type"],
                    subject_id=item["subject_id"],
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
        # A registered record's reminder follows the record, as its other notifications do.
        "subject_type": "" if milestone.process_id else milestone.subject_type,
        "subject_id": None if milestone.process_id else milestone.subject_id,
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
