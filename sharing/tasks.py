"""Celery tasks: thin wrappers that call plain functions, so every rule is testable without a broker."""

from dataclasses import asdict

from celery import shared_task

from . import emails


@shared_task
def send_sharing_emails() -> dict:
    """Scheduled by beat every minute. The state lives in the database, so a repeat or retry is harmless."""
    return asdict(emails.send_pending())
