"""Celery tasks: thin wrappers that call plain functions, so every rule is testable without a broker."""

from dataclasses import asdict

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from . import reminders
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
