"""The pdf worker's side of summaries. The state lives in the PdfSummary row, never only in the broker:

- `run(pk)` (the Celery task `coordination.tasks.render_summary`, on the "pdf" queue) claims the row with a
  conditional UPDATE: queued → rendering, or a rendering whose lease has lapsed → rendering again. The claim counts
  the start (`attempts`) and holds until `lease_expires_at`, one `claim_lease()` ahead
  (settings.PDF_CLAIM_LEASE_SECONDS, 45 s by default). Exactly one worker owns a render; a duplicate message finds
  nothing to claim.
- The lease is renewed while the render runs. The render is one blocking WeasyPrint call, so a heartbeat thread
  beside it, on a database connection of its own, moves the lease one lease ahead every third of a lease, only
  while the claim is still this run's (still rendering, same `started_at`), and stops as soon as the render ends,
  however it ends. A live render's claim never lapses, however long it takes up to the hard time limit; a worker
  that dies (killed, out of memory, or at the hard time limit) stops renewing, and its claim lapses at most a lease
  later.
- It renders for the requester, stores the file with its SHA-256, size, pages, template version and the data's
  date, marks the row ready and notifies the requester, all in one transaction that first checks the claim is
  still its own. Putting the child's identifiable details into the file is audited there, only when stored.
- Any error marks the row failed with a short reason (never a stack trace or case data); it is not retried, so
  a summary that cannot be rendered fails once and says so. A render started MAX_ATTEMPTS times whose worker died
  each time (one that the hard time limit keeps killing, say) is not started again: it fails, saying so.
- `sweep()`, every minute from beat: re-sends a queued row whose message may have been lost, and a rendering
  whose lease lapsed (a message redelivered when a worker died arrives while the dead claim's lease still runs,
  finds nothing to claim, and is dropped; the sweep sends it again once the lease has lapsed); fails a lapsed one
  whose starts are used up; and fails a summary still unfinished GIVE_UP_AFTER after it was asked for, so nothing is
  retried for ever. So a pdf worker killed mid-render has its summary started again by another within a lease and
  a sweep: 45 + 60 = 105 s by default.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from .. import access, audit, broker
from ..models import Notification, PdfSummary

if TYPE_CHECKING:
    from . import render
from . import TEMPLATE_VERSION, content, documents

logger = logging.getLogger(__name__)

Status = PdfSummary.Status

# A queued row this old may have lost its message (or never reached the broker): the sweep, every minute, sends it
# again. A duplicate message finds nothing to claim.
QUEUED_RESEND_AFTER = dt.timedelta(minutes=1)
GIVE_UP_AFTER = dt.timedelta(minutes=30)  # a summary unfinished this long after it was asked for fails
# Starts of one render whose worker died each time. A render the hard time limit kills would otherwise be started
# again every couple of minutes until GIVE_UP_AFTER, holding up the one pdf worker each time.
MAX_ATTEMPTS = 3
STOPPED_TOO_OFTEN = (
    f"It was started {MAX_ATTEMPTS} times and each time its PDF worker stopped before it was finished (it may need "
    "more time or memory than a PDF worker is allowed)."
)


def claim_lease() -> dt.timedelta:
    """How long a claim holds without being renewed; read at each claim. A live render renews it every third."""
    return dt.timedelta(seconds=settings.PDF_CLAIM_LEASE_SECONDS)


# --- Sending ---------------------------------------------------------------------------------------


def enqueue(summary_pk: int) -> bool:
    """Send the render task to the pdf queue. Call it on commit. A broker that is down costs the request at most
    about a second and loses nothing: the row stays queued and the sweep sends it again."""
    from ..tasks import render_summary  # the task module imports this one

    return broker.send_now(render_summary, args=[summary_pk], queue=settings.PDF_QUEUE)


def enqueue_on_commit(summary_pk: int) -> None:
    transaction.on_commit(lambda: enqueue(summary_pk))


# --- Rendering -------------------------------------------------------------------------------------


def _lapsed(now: dt.datetime) -> Q:
    # A rendering row without a lease was claimed by code older than leases (migration 0012 gave the rows it found
    # one): nothing renews it, so it counts as lapsed rather than waiting for ever.
    return Q(status=Status.RENDERING) & (Q(lease_expires_at__lt=now) | Q(lease_expires_at=None))


def _claimable(now: dt.datetime) -> Q:
    return (Q(status=Status.QUEUED) | _lapsed(now)) & Q(attempts__lt=MAX_ATTEMPTS)


def run(summary_pk: int) -> str:
    """Render one summary if it is still waiting. Returns what happened: ready, failed or skipped."""
    now = timezone.now()
    claimed = PdfSummary.objects.filter(_claimable(now), pk=summary_pk).update(
        status=Status.RENDERING, started_at=now, lease_expires_at=now + claim_lease(), attempts=F("attempts") + 1,
        failure_reason="",
    )  # fmt: skip
    if not claimed:
        # Its starts used up: say so now rather than leave it to the sweep. Otherwise done, failed, gone, or another
        # worker holds a live claim.
        used_up = _lapsed(now) & Q(attempts__gte=MAX_ATTEMPTS, pk=summary_pk)
        return "failed" if _give_up(used_up, reason=STOPPED_TOO_OFTEN, now=now) else "skipped"
    summary = PdfSummary.objects.select_related("case", "organisation", "requested_by").get(pk=summary_pk)
    heartbeat = _Heartbeat(summary)
    heartbeat.start()
    reason = ""
    try:
        rendered, data_as_of = _render(summary, prepared_at=now)
    except SoftTimeLimitExceeded:
        reason = f"It took longer than the {settings.PDF_TASK_SOFT_TIME_LIMIT} seconds allowed."
    except (Http404, PermissionDenied):
        reason = "You may no longer see what it would show, so nothing was rendered."
    except MemoryError:
        reason = "It needed more memory than a PDF worker is allowed."
    except Exception as exc:
        # The log is the operators'; the reason the requester reads names the kind of error only.
        logger.exception("PDF summary %s failed to render", summary_pk)
        reason = f"Rendering failed ({type(exc).__name__})."
    finally:
        # Stopped however the render ended. What is left of the lease (at least two thirds of it) covers the one
        # short transaction below, which checks the claim is still this run's in any case.
        heartbeat.stop()
    if reason:
        return _fail(summary, reason)
    return _store(summary, rendered, data_as_of)


class _Heartbeat(threading.Thread):
    """Renews one run's lease every third of a lease until stopped. The render is a single blocking WeasyPrint
    call with nowhere to renew in between, so the renewing happens beside it, in a thread of its own (and so on a
    database connection of its own, closed when it ends)."""

    def __init__(self, summary: PdfSummary):
        super().__init__(name=f"pdf-summary-{summary.pk}-lease", daemon=True)  # never keeps a dying worker up
        self.pk, self.started_at = summary.pk, summary.started_at
        self.lease = claim_lease()
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            while not self.finished.wait(self.lease.total_seconds() / 3):
                if not self._renew():
                    # The sweep gave up on it, or it lapsed and another run took it over: that run renders it, and
                    # this one's result will not be stored.
                    logger.warning("PDF summary %s is no longer this render's to finish", self.pk)
                    return
        finally:
            connection.close()  # this thread's own connection: nothing else would ever close it

    def _renew(self) -> bool:
        """Moves the lease one lease ahead if the claim is still this run's; False once it is not."""
        try:
            return bool(
                PdfSummary.objects.filter(pk=self.pk, status=Status.RENDERING, started_at=self.started_at).update(
                    lease_expires_at=timezone.now() + self.lease
                )
            )
        except DatabaseError:
            # A database that stalled or dropped the connection: try again at the next beat, on a new connection.
            # One missed renewal still leaves a third of the lease.
            logger.warning("Could not renew the lease of PDF summary %s", self.pk, exc_info=True)
            connection.close()
            return True

    def stop(self) -> None:
        """Stops at once; waits only for a renewal already under way, so none happens after this returns."""
        self.finished.set()
        self.join()


def _render(summary: PdfSummary, *, prepared_at: dt.datetime) -> tuple[render.Rendered, dt.datetime | None]:
    from . import render  # WeasyPrint and Pango load in the pdf worker only; the web server never needs them

    user = summary.requested_by
    if summary.kind == PdfSummary.CASE:
        # Read before the content, so a change made while rendering makes the file look older, never newer.
        data_as_of = content.latest_case_change(user=user, case=summary.case)
        rendered = render.render_case(user=user, case=summary.case, prepared_at=prepared_at, data_as_of=data_as_of)
        return rendered, data_as_of
    if not access.acts_for(user, summary.organisation):
        raise PermissionDenied("No longer a member of the organisation.")
    document = documents.organisation_document(summary.kind)
    data_as_of = document.latest_change(user=user, organisation=summary.organisation)
    rendered = render.render_organisation_document(
        summary.kind, user=user, organisation=summary.organisation, prepared_at=prepared_at, data_as_of=data_as_of
    )
    return rendered, data_as_of


def _subject(summary: PdfSummary) -> str:
    if summary.kind == PdfSummary.CASE:
        return f"case summary of {summary.case.reference}"
    label = documents.organisation_document(summary.kind).label.lower()
    return f"{label} of {summary.organisation.display_name}"


def _page(summary: PdfSummary) -> str:
    """Where the requester finds the file: the case page, or the page of the organisation's document."""
    if summary.kind == PdfSummary.CASE:
        return reverse("case-detail", args=[summary.case.reference]) + "#pdf-summaries"
    return documents.organisation_document(summary.kind).page() + "#pdf-summaries"


def _still_ours(summary: PdfSummary) -> PdfSummary | None:
    """The row, locked, if this run's claim still holds (a sweep may have failed it or another run taken over)."""
    current = PdfSummary.objects.select_for_update().get(pk=summary.pk)
    if current.status != Status.RENDERING or current.started_at != summary.started_at:
        return None
    return current


def _store(summary: PdfSummary, rendered: render.Rendered, data_as_of: dt.datetime | None) -> str:

    sha256 = hashlib.sha256(rendered.pdf).hexdigest()
    with transaction.atomic():
        current = _still_ours(summary)
        if current is None:
            return "skipped"
        current.sha256 = sha256
        current.size = len(rendered.pdf)
        current.pages = rendered.pages
        current.template_version = TEMPLATE_VERSION
        current.data_as_of = data_as_of
        current.status = Status.READY
        current.finished_at = timezone.now()
        # The name on disk comes from upload_to (the row's id and the hash), never from the case.
        current.file.save("summary.pdf", ContentFile(rendered.pdf), save=False)
        current.save(update_fields=["sha256", "size", "pages", "template_version", "data_as_of", "status",
                                    "finished_at", "file"])  # fmt: skip
        Notification.objects.create(
            user=summary.requested_by, kind=Notification.Kind.SUMMARY, case=summary.case, link=_page(summary),
            message=f"Your {_subject(summary)} is ready to download.", created_at=current.finished_at,
        )  # fmt: skip
        if rendered.identity_shown:
            audit.record(action=audit.Action.VIEW_IDENTITY, actor=summary.requested_by, obj=summary.case,
                         changes={"via": f"PDF summary {summary.pk}", "sha256": sha256})  # fmt: skip
    return "ready"


def _fail(summary: PdfSummary, reason: str) -> str:
    with transaction.atomic():
        current = _still_ours(summary)
        if current is None:
            return "skipped"
        current.status = Status.FAILED
        current.failure_reason = reason[: PdfSummary._meta.get_field("failure_reason").max_length]
        current.finished_at = timezone.now()
        current.save(update_fields=["status", "failure_reason", "finished_at"])
        _notify_failed(current)
    return "failed"


def _notify_failed(summary: PdfSummary) -> None:
    Notification.objects.create(
        user_id=summary.requested_by_id, kind=Notification.Kind.SUMMARY, case_id=summary.case_id, link=_page(summary),
        message=f"Your {_subject(summary)} could not be prepared: {summary.failure_reason}",
        created_at=summary.finished_at,
    )  # fmt: skip


# --- Sweeping --------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    resent: int = 0
    given_up: int = 0  # unfinished GIVE_UP_AFTER after they were asked for
    stopped_too_often: int = 0  # started MAX_ATTEMPTS times, their worker dying each time


def _give_up(where: Q, *, reason: str, now: dt.datetime) -> int:
    """Fails the summaries matching `where` with `reason` and tells their requesters; how many it failed."""
    given_up = 0
    for summary in PdfSummary.objects.filter(where).select_related("case", "organisation"):
        # The same conditional UPDATE as a claim: a worker that took it meanwhile keeps it.
        if PdfSummary.objects.filter(where, pk=summary.pk).update(
            status=Status.FAILED, failure_reason=reason, finished_at=now
        ):
            summary.failure_reason, summary.finished_at = reason, now
            _notify_failed(summary)
            given_up += 1
    return given_up


def sweep() -> SweepResult:
    """Re-send lost work and give up on work that has waited too long. Safe to run at any time, in any worker."""
    result = SweepResult()
    now = timezone.now()
    waiting = Q(status=Status.QUEUED) | _lapsed(now)
    minutes = int(GIVE_UP_AFTER.total_seconds() // 60)
    result.given_up = _give_up(waiting & Q(requested_at__lt=now - GIVE_UP_AFTER), now=now,
                               reason=f"It was not finished within {minutes} minutes. Ask again.")  # fmt: skip
    result.stopped_too_often = _give_up(_lapsed(now) & Q(attempts__gte=MAX_ATTEMPTS), reason=STOPPED_TOO_OFTEN,
                                        now=now)  # fmt: skip
    lost = PdfSummary.objects.filter(requested_at__gte=now - GIVE_UP_AFTER).filter(
        Q(status=Status.QUEUED, requested_at__lt=now - QUEUED_RESEND_AFTER)
        | (_lapsed(now) & Q(attempts__lt=MAX_ATTEMPTS))
    )
    for pk in lost.values_list("pk", flat=True):
        enqueue(pk)
        result.resent += 1
    if result.resent or result.given_up or result.stopped_too_often:
        logger.info("PDF summaries: %d sent again, %d given up, %d stopped too often", result.resent,
                    result.given_up, result.stopped_too_often)  # fmt: skip
    return result
