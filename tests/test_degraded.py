"""Redis (the broker and the cache) down: the portal degrades, it does not go down, and no queued work is lost.

"Down" is a Redis address where nothing listens, as a stopped server is: every connection is refused.
"""

import json
import logging
import socket
import time
import uuid

import pytest
import redis
from django.urls import reverse
from django.utils import timezone

from coordination.celery import app
from coordination.models import PdfSummary
from coordination.summaries import jobs
from integrations.api import throttling
from tests.api_support import client_for
from tests.factories import verified_login


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # free once closed: nothing listens there


def _redis_cache(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def fresh_throttle_cache(monkeypatch):
    """A throttle that has not yet seen the cache fail (the process's own would remember it for a while)."""
    cache = throttling.SharedOrLocalCache()
    monkeypatch.setattr(throttling.PerKeyThrottle, "cache", cache)
    return cache


@pytest.fixture
def redis_down(settings, monkeypatch, fresh_throttle_cache):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = _redis_cache(url)
    monkeypatch.setitem(app.conf, "broker_url", url)
    return url


def test_with_redis_down_the_api_answers_and_counts_each_process_s_requests_in_memory(
    world, redis_down, settings, caplog, fresh_throttle_cache
):
    settings.API_THROTTLE_RATE = "3/min"
    council = client_for(world.council)
    with caplog.at_level(logging.WARNING, logger="integrations.api.throttling"):
        answers = [council.get("/api/v1/cases/") for _ in range(4)]
    assert [answer.status_code for answer in answers[:3]] == [200, 200, 200]
    assert "results" in answers[0].json()
    assert answers[3].status_code == 429  # the rate still holds, counted in this process's memory
    said = [record.getMessage() for record in caplog.records if record.name == throttling.logger.name]
    assert len(said) == 1 and "counting API requests in each process's memory" in said[0]  # said once, not 4 times

    # The cache answers again: the next try after the pause goes back to it, and says so.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    fresh_throttle_cache._retry_at = 0
    with caplog.at_level(logging.WARNING, logger="integrations.api.throttling"):
        assert council.get("/api/v1/cases/").status_code == 200  # a count of its own: the shared one is fresh
    said = [record.getMessage() for record in caplog.records if record.name == throttling.logger.name]
    assert len(said) == 2 and "answers again" in said[-1]


def test_with_redis_down_the_pages_still_work(client, world, redis_down):
    verified_login(client, world.manager)
    response = client.get(reverse("case-list"))
    assert response.status_code == 200 and world.case.reference in response.content.decode()


def test_the_health_check_says_degraded_naming_what_does_not_answer(client, db, settings, monkeypatch):
    healthy = client.get(reverse("healthz"))
    assert healthy.status_code == 200
    assert healthy.json() | {"time": None, "worker_last_seen": None} == {
        "status": "ok", "database": "ok", "broker": "ok", "cache": "ok", "time": None, "worker_last_seen": None,
    }  # fmt: skip

    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.REDIS_URL, settings.CACHES = url, _redis_cache(url)
    monkeypatch.setitem(app.conf, "broker_url", url)
    degraded = client.get(reverse("healthz"))
    assert degraded.status_code == 503  # an orchestrator sees it
    body = degraded.json()
    assert body["status"] == "degraded: broker/cache unreachable"
    assert body["database"] == "ok" and body["broker"] == body["cache"] == "unreachable"


@pytest.mark.redis
def test_a_pdf_asked_for_while_the_broker_is_down_waits_in_the_database_and_is_sent_once_it_is_back(
    client, world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    real_broker = app.conf.broker_url
    verified_login(client, world.manager)
    monkeypatch.setitem(app.conf, "broker_url", f"redis://127.0.0.1:{_closed_port()}/0")

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("case-summary-request", args=[world.case.reference]))
    took = time.monotonic() - started
    assert response.status_code == 302
    assert took < 3, f"asking for a PDF with the broker down took {took:.1f} s"  # it was 19 s with publish retries
    summary = PdfSummary.objects.get(requested_by=world.manager)
    assert summary.status == PdfSummary.Status.QUEUED  # the row is the queue of record

    # The broker is back: the sweep, a minute later, sends the waiting render to the pdf queue.
    monkeypatch.setitem(app.conf, "broker_url", real_broker)
    settings.PDF_QUEUE = f"test-pdf-{uuid.uuid4().hex}"
    PdfSummary.objects.filter(pk=summary.pk).update(requested_at=timezone.now() - jobs.QUEUED_RESEND_AFTER)
    connection = redis.Redis.from_url(real_broker)
    try:
        assert jobs.sweep().resent == 1
        [message] = connection.lrange(settings.PDF_QUEUE, 0, -1)
        body = json.loads(message)
        assert body["headers"]["task"] == "coordination.tasks.render_summary"
        assert body["headers"]["argsrepr"] == f"[{summary.pk}]"
    finally:
        connection.delete(settings.PDF_QUEUE)
        connection.close()
