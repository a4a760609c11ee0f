"""Celery tasks: thin wrappers that call plain functions, so every rule is testable without a broker."""

import os
from dataclasses import asdict

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.utils import timezone

from . import audit_anchors, reminders
from .models import WorkerHeartbeat


@shared_task
def record_heartbeat() -> dict:
    """Scheduled by beat every minute; the health check reports the last time a worker ran it."""
    worker = record_heartbeat.request.hostname or "worker"
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"seen_at": now})
    return {"worker": worker, "seen_at": now.isoformat()}


@worker_ready.connect
def _heartbeat_on_start(sender, **kwargs):
    # Beat's first tick comes a minute after it starts; this shows the worker alive straight away.
    record_heartbeat.delay()


@shared_task
def dispatch_reminders() -> dict:
    """Scheduled by beat every 15 minutes. The state lives in the database, so a repeat or retry is harmless."""
    return asdict(reminders.dispatch())


@shared_task
def take_over_reminders() -> dict:
    """Scheduled by beat every half lease (30 seconds): a dead run's reminder claims are taken over once they lapse."""
    return asdict(reminders.take_over())


@shared_task
def anchor_audit_trail() -> dict | None:
    """Scheduled by beat every AUDIT_ANCHOR_MINUTES: the latest audit entry's hash, kept outside the database."""
    anchor = audit_anchors.anchor()
    return {"entry": anchor.entry, "hash": anchor.hash} if anchor else None


# --- PDF summaries (coordination/summaries/jobs.py) -----------------------------------------------------
# Routed to the "pdf" queue (settings.CELERY_TASK_ROUTES), which only the pdf worker consumes: one render at a
# time, its child process replaced after PDF_WORKER_MAX_TASKS renders or PDF_WORKER_MAX_MEMORY_KB of memory.
# No retries: a render that fails marks its row failed with the reason; a worker that dies mid-render leaves a
# claim that stops being renewed, and the sweep below sends it again once its lease has lapsed.


@shared_task(
    acks_late=True,
    max_retries=0,
    soft_time_limit=settings.PDF_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.PDF_TASK_TIME_LIMIT,
)
def render_summary(summary_pk: int) -> dict:
    from .summaries import jobs

    # The process id shows in the worker's log which child rendered it (it is replaced every few renders).
    return {"summary": summary_pk, "outcome": jobs.run(summary_pk), "pid": os.getpid()}


@shared_task
def sweep_pdf_summaries() -> dict:
    """Scheduled by beat every minute: re-sends lost renders and gives up on those waiting too long."""
    from .summaries import jobs

    return asdict(jobs.sweep())
