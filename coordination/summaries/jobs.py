"""The pdf worker's side of summaries. The state lives in the PdfSummary row, never only in the broker:

- `run(pk)` (the Celery task `coordination.tasks.render_summary`, on the "pdf" queue) claims the row with a
  conditional UPDATE: queued → rendering, or a rendering whose claim is stale → rendering again. A claim is stale
  once it is older than the task's hard time limit plus a margin: no live worker can still hold it, because the
  limit would have killed it. Exactly one worker owns a render; a duplicate message finds nothing to claim.
- It renders for the requester, stores the file with its SHA-256, size, pages, template version and the data's
  date, marks the row ready and notifies the requester, all in one transaction that first checks the claim is
  still its own. Putting the child's identifiable details into the file is audited there, only when stored.
- Any error marks the row failed with a short reason (never a stack trace or case data); it is not retried, so
  a summary that cannot be rendered fails once and says so.
- `sweep()`, every minute from beat: re-sends a queued row whose message may have been lost, and a rendering
  whose worker died (a redelivered message arrives while the dead claim is still fresh, finds nothing to claim,
  and is dropped; the sweep sends it again once the claim is stale); and fails a summary still unfinished
  GIVE_UP_AFTER after it was asked for, so nothing is retried for ever.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from .. import audit, broker
from ..models import Membership, Notification, PdfSummary

if TYPE_CHECKING:
    from . import render
from . import TEMPLATE_VERSION, content

logger = logging.getLogger(__name__)

Status = PdfSummary.Status

# A queued row this old may have lost its message (or never reached the broker): the sweep, every minute, sends it
# again. A duplicate message finds nothing to claim.
QUEUED_RESEND_AFTER = dt.timedelta(minutes=1)
GIVE_UP_AFTER = dt.timedelta(minutes=30)  # a summary unfinished this long after it was asked for fails


def stale_after() -> dt.timedelta:
    """How old a claim must be before another run may take it over: longer than any live render may take."""
    return dt.timedelta(seconds=settings.PDF_TASK_TIME_LIMIT + 30)


# --- Sending ---------------------------------------------------------------------------------------


def enqueue(summary_pk: int) -> bool:
    """Send the render task to the pdf queue. Call it on commit. A broker that is down costs the request at most
    about a second and loses nothing: the row stays queued and the sweep sends it again."""
    from ..tasks import render_summary  # the task module imports this one

    return broker.send_now(render_summary, args=[summary_pk], queue=settings.PDF_QUEUE)


def enqueue_on_commit(summary_pk: int) -> None:
    transaction.on_commit(lambda: enqueue(summary_pk))


# --- Rendering -------------------------------------------------------------------------------------


def _claimable(now: dt.datetime) -> Q:
    return Q(status=Status.QUEUED) | Q(status=Status.RENDERING, started_at__lt=now - stale_after())


def run(summary_pk: int) -> str:
    """Render one summary if it is still waiting. Returns what happened: ready, failed or skipped."""
    now = timezone.now()
    claimed = PdfSummary.objects.filter(_claimable(now), pk=summary_pk).update(
        status=Status.RENDERING, started_at=now, failure_reason=""
    )
    if not claimed:
        return "skipped"  # done, failed, gone, or another worker holds a live claim
    summary = PdfSummary.objects.select_related("case", "organisation", "requested_by").get(pk=summary_pk)
    try:
        rendered, data_as_of = _render(summary, prepared_at=now)
    except SoftTimeLimitExceeded:
        return _fail(summary, f"It took longer than the {settings.PDF_TASK_SOFT_TIME_LIMIT} seconds allowed.")
    except (Http404, PermissionDenied):
        return _fail(summary, "You may no longer see what it would show, so nothing was rendered.")
    except MemoryError:
        return _fail(summary, "It needed more memory than a PDF worker is allowed.")
    except Exception as exc:
        # The log is the operators'; the reason the requester reads names the kind of error only.
        logger.exception("PDF summary %s failed to render", summary_pk)
        return _fail(summary, f"Rendering failed ({type(exc).__name__}).")
    return _store(summary, rendered, data_as_of)


def _render(summary: PdfSummary, *, prepared_at: dt.datetime) -> tuple[render.Rendered, dt.datetime | None]:
    from . import render  # WeasyPrint and Pango load in the pdf worker only; the web server never needs them

    user = summary.requested_by
    if summary.kind == PdfSummary.Kind.CASE:
        # Read before the content, so a change made while rendering makes the file look older, never newer.
        data_as_of = content.latest_case_change(user=user, case=summary.case)
        rendered = render.render_case(user=user, case=summary.case, prepared_at=prepared_at, data_as_of=data_as_of)
        return rendered, data_as_of
    if not Membership.objects.filter(user=user, organisation=summary.organisation, user__is_active=True).exists():
        raise PermissionDenied("No longer a member of the organisation.")
    data_as_of = content.latest_register_change(user=user, organisation=summary.organisation)
    rendered = render.render_register(
        user=user, organisation=summary.organisation, prepared_at=prepared_at, data_as_of=data_as_of
    )
    return rendered, data_as_of


def _subject(summary: PdfSummary) -> str:
    if summary.kind == PdfSummary.Kind.CASE:
        return f"case summary of {summary.case.reference}"
    return f"sharing register of {summary.organisation.display_name}"


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
            user=summary.requested_by, kind=Notification.Kind.SUMMARY, case=summary.case,
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
        user_id=summary.requested_by_id, kind=Notification.Kind.SUMMARY, case_id=summary.case_id,
        message=f"Your {_subject(summary)} could not be prepared: {summary.failure_reason}",
        created_at=summary.finished_at,
    )  # fmt: skip


# --- Sweeping --------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    resent: int = 0
    given_up: int = 0


def sweep() -> SweepResult:
    """Re-send lost work and give up on work that has waited too long. Safe to run at any time, in any worker."""
    result = SweepResult()
    now = timezone.now()
    waiting = Q(status=Status.QUEUED) | Q(status=Status.RENDERING, started_at__lt=now - stale_after())
    overdue = PdfSummary.objects.filter(waiting, requested_at__lt=now - GIVE_UP_AFTER)
    for summary in overdue.select_related("case", "organisation"):
        reason = f"It was not finished within {int(GIVE_UP_AFTER.total_seconds() // 60)} minutes. Ask again."
        # The same conditional UPDATE as a claim: a worker that took it meanwhile keeps it.
        if PdfSummary.objects.filter(waiting, pk=summary.pk).update(
            status=Status.FAILED, failure_reason=reason, finished_at=now
        ):
            summary.failure_reason, summary.finished_at = reason, now
            _notify_failed(summary)
            result.given_up += 1
    lost = PdfSummary.objects.filter(requested_at__gte=now - GIVE_UP_AFTER).filter(
        Q(status=Status.QUEUED, requested_at__lt=now - QUEUED_RESEND_AFTER)
        | Q(status=Status.RENDERING, started_at__lt=now - stale_after())
    )
    for pk in lost.values_list("pk", flat=True):
        enqueue(pk)
        result.resent += 1
    if result.resent or result.given_up:
        logger.info("PDF summaries: %d sent again, %d given up", result.resent, result.given_up)
    return result
