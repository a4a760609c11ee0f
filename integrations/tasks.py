"""Celery tasks of the integrations app: thin wrappers that call plain functions, so every rule is testable without
a broker (as coordination/tasks.py)."""

from dataclasses import asdict

from celery import shared_task

from . import webhook_delivery, webhooks


@shared_task
def send_webhooks() -> dict:
    """Scheduled by beat every 30 seconds: sends the due webhook deliveries (integrations/webhook_delivery.py)."""
    return asdict(webhook_delivery.send_due())


@shared_task
def emit_milestone_webhooks() -> dict:
    """Scheduled by beat every 15 minutes: announces deadlines due today or just passed, once each."""
    return asdict(webhooks.emit_milestone_events())


@shared_task
def purge_idempotency_records() -> int:
    """Scheduled by beat every hour: forgets API answers kept for Idempotency-Key replays after 24 hours."""
    from .api import idempotency

    return idempotency.purge_expired()
