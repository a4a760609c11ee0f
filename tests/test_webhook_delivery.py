"""Sending webhooks (integrations/webhook_delivery.py) to a real HTTP receiver on loopback, which checks each
signature with the standardwebhooks library: delivered once, retried with growing backoff, logged per try (a
try interrupted by a crash included), given up after the last try with the endpoint disabled, stale claims taken
over, timeouts, redirects and unsafe addresses handled."""

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from coordination import events
from coordination.models import AuditEntry
from integrations import tasks, webhook_delivery, webhook_endpoints
from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.factories import add_process, webhook_endpoint


class Receiver:
    """An HTTP server on 127.0.0.1 in a thread of its own: answers `status` after `delay` seconds, verifies each
    signature with `secret`, and keeps what arrived."""

    def __init__(self):
        self.status, self.delay, self.secret, self.location = 200, 0.0, None, None
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {key.lower(): value for key, value in self.headers.items()}
                try:
                    verified = Webhook(receiver.secret).verify(body, headers)
                except WebhookVerificationError as error:
                    verified = f"refused: {error}"
                receiver.received.append({"path": self.path, "headers": headers, "body": body, "verified": verified})
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/parallel?source=test"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def ids(self) -> list[str]:
        return [request["headers"]["webhook-id"] for request in self.received]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on loopback
    settings.WEBHOOK_REQUIRE_HTTPS = False
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def endpoint(world, receiver):
    endpoint = webhook_endpoint(world.council, url=receiver.url)
    receiver.secret = endpoint.secret
    return endpoint


def stage_change(world) -> WebhookDelivery:
    """A real event: an LCSPR moving on, announced to the council's endpoint."""
    process = add_process(world, "lcspr")
    events.process_stage_changed(process=process, from_stage="commissioning")
    return WebhookDelivery.objects.order_by("-pk").first()


def at(moment, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_a_delivery_arrives_once_signed_and_is_logged(world, endpoint, receiver):
    delivery = stage_change(world)
    result = webhook_delivery.send_due()
    assert (result.claimed, result.delivered) == (1, 1)
    [request] = receiver.received
    assert request["verified"] == delivery.payload  # the signature checked out, and the body is the payload
    assert request["path"] == "/hooks/parallel?source=test"
    headers = request["headers"]
    assert headers["webhook-id"] == delivery.message_id
    assert headers["content-type"] == "application/json" and headers["user-agent"].startswith("Parallel-Webhooks/")
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert json.loads(request["body"])["type"] == "process.stage_changed"

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.delivered_at and delivery.attempts == 1
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code == 200 and attempt.error == "" and attempt.duration_ms >= 0

    assert webhook_delivery.send_due().claimed == 0
    assert len(receiver.received) == 1


def test_a_receiver_that_fails_is_retried_with_growing_backoff_then_given_up_and_disabled(
    world, endpoint, receiver, monkeypatch
):
    receiver.status = 500
    delivery = stage_change(world)
    later = stage_change(world)  # another event for the endpoint, due only once the first has been given up
    WebhookDelivery.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + dt.timedelta(days=1))
    now = timezone.now()
    gaps = []
    for n in range(1, 5):
        at(now, monkeypatch)
        assert webhook_delivery.send_due().claimed == 1
        delivery.refresh_from_db()
        assert delivery.attempts == n
        if n < 4:
            assert delivery.status == WebhookDelivery.Status.PENDING
            assert "answered 500" in delivery.last_error
            gaps.append((delivery.next_attempt_at - now).total_seconds())
            # Not due again yet: nothing is sent.
            assert webhook_delivery.send_due().claimed == 0
            now = delivery.next_attempt_at + dt.timedelta(seconds=1)
    assert 27 <= gaps[0] <= 33 and 108 <= gaps[1] <= 132 and 432 <= gaps[2] <= 528  # 30 s, 2 min, 8 min, ±10 %

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert [a.status_code for a in WebhookAttempt.objects.filter(delivery=delivery)] == [500] * 4
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert "after 4 tries" in endpoint.disabled_reason and delivery.message_id in endpoint.disabled_reason
    assert AuditEntry.objects.filter(object_type="integrations.webhookendpoint", actor_label="webhook dispatcher",
                                     changes__is_active=[True, False]).exists()  # fmt: skip

    # Its other delivery is not sent while it is disabled; enabled again, it goes straight away.
    at(now + dt.timedelta(days=1), monkeypatch)
    received = len(receiver.received)
    assert webhook_delivery.send_due().claimed == 0 and len(receiver.received) == received
    receiver.status = 204
    webhook_endpoints.endpoint_enable(actor=endpoint.created_by, endpoint=endpoint)
    assert webhook_delivery.send_due().delivered == 1
    later.refresh_from_db()
    assert later.status == WebhookDelivery.Status.DELIVERED and receiver.ids()[-1] == later.message_id


def test_an_endpoint_that_fails_is_not_tried_again_in_the_same_run(world, endpoint, receiver):
    receiver.status = 503
    first, second = stage_change(world), stage_change(world)
    result = webhook_delivery.send_due()
    assert (result.claimed, result.retrying, result.skipped) == (1, 1, 1)
    assert len(receiver.received) == 1
    second.refresh_from_db()
    assert second.attempts == 0 and second.status == WebhookDelivery.Status.PENDING and first


def logged(delivery) -> list[tuple]:
    """The delivery's log as the endpoint page shows it: (HTTP status, outcome recorded?, interrupted?) per try."""
    return [(a.status_code, a.finished_at is not None, a.interrupted) for a in WebhookAttempt.objects.filter(
        delivery=delivery).select_related("delivery")]  # fmt: skip


def test_a_claim_left_by_a_worker_that_died_is_logged_and_sent_once_its_lease_has_passed(
    world, endpoint, receiver, monkeypatch, client, sign_in
):
    delivery = stage_change(world)

    class WorkerKilled(BaseException):
        pass

    def killed(delivery):
        raise WorkerKilled

    with monkeypatch.context() as m:
        m.setattr(webhook_delivery, "post", killed)
        with pytest.raises(WorkerKilled):
            webhook_delivery.send_due()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1 and delivery.claimed_at
    # The try is in the log already, with no outcome; while the claim lasts it is the one under way.
    assert logged(delivery) == [(None, False, False)]
    assert webhook_delivery.send_due().claimed == 0  # still held by the dead worker's lease
    assert receiver.received == []

    admin = endpoint.created_by
    sign_in(client, admin)
    page = client.get(reverse("webhook-detail", args=[endpoint.pk])).content.decode()
    assert "being sent now" in page and "Interrupted" not in page

    lapsed = delivery.claimed_at + webhook_delivery.claim_lease() + dt.timedelta(seconds=1)
    with monkeypatch.context() as m:
        at(lapsed - dt.timedelta(seconds=0.5), m)  # once the lease has passed, nobody is sending it: interrupted
        assert logged(delivery) == [(None, False, True)]
        page = client.get(reverse("webhook-detail", args=[endpoint.pk])).content.decode()
        assert "Interrupted" in page and "the endpoint may have received it" in page

    at(lapsed, monkeypatch)
    assert webhook_delivery.send_due().delivered == 1
    assert receiver.ids() == [delivery.message_id]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.attempts == 2
    # Every try is in the log, the interrupted one first: as many rows as the delivery counts.
    assert logged(delivery) == [(None, False, True), (200, True, False)]
    monkeypatch.undo()
    page = client.get(reverse("webhook-detail", args=[endpoint.pk])).content.decode()
    assert "Interrupted" in page and "HTTP 200" in page and "being sent now" not in page


def test_every_try_is_logged_so_the_log_always_counts_what_the_delivery_counts(world, endpoint, receiver, monkeypatch):
    """Three failed tries and one that crashed: four tries counted, four logged, each with its outcome or none."""
    receiver.status = 500
    delivery = stage_change(world)
    now = timezone.now()
    for crash in (False, True, False):
        at(now, monkeypatch)
        if crash:
            with monkeypatch.context() as m:
                m.setattr(webhook_delivery, "post", lambda delivery: 1 / 0)
                with pytest.raises(ZeroDivisionError):
                    webhook_delivery.send_due()
        else:
            webhook_delivery.send_due()
        delivery.refresh_from_db()
        assert delivery.attempts == WebhookAttempt.objects.filter(delivery=delivery).count()
        now = delivery.next_attempt_at + dt.timedelta(seconds=1)
    assert logged(delivery) == [(500, True, False), (None, False, True), (500, True, False)]


@pytest.mark.postgres  # the sender runs in a process of its own, on the test database
@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_while_the_endpoint_answers_leaves_the_try_in_the_log(receiver, tmp_path, monkeypatch):
    """A real process is SIGKILLed while its POST is at the receiver: the try it had claimed is committed in the log
    before the request went, without an outcome, and the retry after the lease is logged beside it."""
    import os
    import signal
    import subprocess
    import sys

    from tests.factories import build_world
    from tests.test_celery_worker import REPO_ROOT, database_url_for_this_test_run, worker_env

    world = build_world()
    endpoint = webhook_endpoint(world.council, url=receiver.url)
    receiver.secret, receiver.delay = endpoint.secret, 30  # holds the request until the sender is killed
    delivery = stage_change(world)
    env = worker_env(DATABASE_URL=database_url_for_this_test_run(), VAR_DIR=str(tmp_path), DEBUG="True",
                     WEBHOOK_ALLOW_PRIVATE_TARGETS="True")  # fmt: skip
    code = "import django; django.setup(); from integrations import webhook_delivery; webhook_delivery.send_due()"
    sender = subprocess.Popen([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, start_new_session=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not receiver.received:
            assert sender.poll() is None, sender.stdout.read().decode()
            assert time.monotonic() < deadline, "the sender did not reach the receiver within 30 s"
            time.sleep(0.05)
        os.killpg(sender.pid, signal.SIGKILL)
        sender.wait(timeout=10)
    finally:
        if sender.poll() is None:
            os.killpg(sender.pid, signal.SIGKILL)
        sender.stdout.close()

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.finished_at is None and attempt.attempted_at == delivery.claimed_at

    receiver.delay = 0
    at(delivery.claimed_at + webhook_delivery.claim_lease() + dt.timedelta(seconds=1), monkeypatch)
    assert webhook_delivery.send_due().delivered == 1
    assert receiver.ids() == [delivery.message_id] * 2  # at least once: the receiver may have had it twice
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and logged(delivery) == [(None, False, True), (200, True, False)]


def test_a_receiver_slower_than_the_timeout_counts_as_a_failed_try(world, endpoint, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.delay = 2
    delivery = stage_change(world)
    started = time.monotonic()
    result = webhook_delivery.send_due()
    assert time.monotonic() - started < 1.8
    assert result.retrying == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.last_error == "No answer within 0.5 seconds."
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code is None and 400 <= attempt.duration_ms < 1800


def test_redirects_are_not_followed(world, endpoint, receiver):
    receiver.status, receiver.location = 302, "/elsewhere"
    delivery = stage_change(world)
    webhook_delivery.send_due()
    assert [request["path"] for request in receiver.received] == ["/hooks/parallel?source=test"]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING and "Redirects are not followed" in delivery.last_error


def test_private_addresses_are_not_called_unless_allowed(world, endpoint, receiver, settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    delivery = stage_change(world)
    webhook_delivery.send_due()
    assert receiver.received == []
    delivery.refresh_from_db()
    assert "private, loopback or reserved" in delivery.last_error
    assert WebhookAttempt.objects.get(delivery=delivery).status_code is None

    # A public-looking name that resolves to a private address is refused too, after the look-up.
    monkeypatch.setattr(webhook_delivery.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("10.0.0.7", 443))])
    with pytest.raises(webhook_delivery.UnsafeTarget, match="resolves to a private"):
        webhook_delivery.resolve_target("https://hooks.example.org/parallel")
    monkeypatch.setattr(webhook_delivery.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("93.184.215.14", 443))])
    assert webhook_delivery.resolve_target("https://hooks.example.org/p?q=1").address == "93.184.215.14"


def test_a_delivery_whose_key_was_revoked_is_not_sent(world, endpoint, receiver):
    from integrations.api import keys

    delivery = stage_change(world)
    keys.key_revoke(actor=endpoint.created_by, api_key=endpoint.api_key)
    assert webhook_delivery.send_due().dropped == 1
    assert receiver.received == []
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED and "revoked" in delivery.last_error


def test_the_celery_tasks_are_thin_wrappers(world, endpoint, receiver):
    stage_change(world)
    assert tasks.send_webhooks()["delivered"] == 1
    assert tasks.emit_milestone_webhooks() == {"milestones": 0, "deliveries": 0}


def test_the_backoff_is_capped_at_six_hours():
    assert webhook_delivery.retry_delay(1) <= dt.timedelta(seconds=33)
    assert dt.timedelta(hours=5, minutes=24) <= webhook_delivery.retry_delay(12) <= dt.timedelta(hours=6, minutes=36)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_delivery_once(receiver):
    from tests.factories import build_world

    world = build_world()
    endpoint = webhook_endpoint(world.council, url=receiver.url)
    receiver.secret, receiver.delay = endpoint.secret, 0.01
    process = add_process(world, "lcspr")
    for _ in range(20):
        events.process_stage_changed(process=process, from_stage="commissioning")
    errors = []

    def worker():
        try:
            webhook_delivery.send_due(batch_size=5)
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(receiver.ids()) == sorted(WebhookDelivery.objects.values_list("message_id", flat=True))
    assert len(set(receiver.ids())) == 20
    assert all(request["verified"] for request in receiver.received)
    assert WebhookEndpoint.objects.get().is_active


@pytest.mark.redis
@pytest.mark.postgres  # the worker opens the test database from another process
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_committed_delivery_through_redis(receiver, tmp_path):
    """The wiring: beat's task, sent through Redis, run by a worker started as production starts it."""
    import os
    import uuid

    from tests.factories import build_world
    from tests.test_celery_worker import REPO_ROOT, celery_worker, database_url_for_this_test_run, worker_env

    world = build_world()
    endpoint = webhook_endpoint(world.council, url=receiver.url)
    receiver.secret = endpoint.secret
    delivery = stage_change(world)
    queue = f"test-webhooks-{uuid.uuid4().hex}"
    env = worker_env(DATABASE_URL=database_url_for_this_test_run(), REDIS_URL=os.environ["REDIS_URL"],
                     DEBUG="True", WEBHOOK_ALLOW_PRIVATE_TARGETS="True")  # fmt: skip
    with celery_worker(env, cwd=REPO_ROOT, log_path=tmp_path / "worker.log", queue=queue) as worker:
        worker.wait_until_ready()
        result = tasks.send_webhooks.apply_async(queue=queue)
        try:
            outcome = result.get(timeout=30)
        except Exception:  # pragma: no cover - the worker's log says why
            worker.fail("send_webhooks did not come back")
        result.forget()
    assert outcome["delivered"] == 1, worker.output()
    assert receiver.ids() == [delivery.message_id] and receiver.received[0]["verified"] == delivery.payload
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
