"""A real pdf worker, started with docker-compose.yml's own command line, renders summaries that the portal queued
through Redis: the request commits, the task goes to the queue on commit, the worker claims the row, renders with
WeasyPrint, stores the file and notifies. With --max-tasks-per-child=1 each render runs in a fresh child process.

Also through kombu's filesystem transport, the no-server default that `make run` uses when REDIS_URL is unset; and a
pdf worker SIGKILLed mid-render, whose summary a second worker renders once the lease has lapsed and a sweep ran."""

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from coordination.celery import app
from coordination.models import Notification, PdfSummary
from coordination.summaries import jobs
from coordination.summaries import services as summary_services
from tests.factories import add_process, member
from tests.test_celery_worker import REPO_ROOT, Worker, database_url_for_this_test_run, stop, worker_env
from tests.test_docker_compose import command, interpolate

RENDER_TIMEOUT = 60  # seconds for a queued summary to be ready once the worker is up


@contextlib.contextmanager
def pdf_worker(env: dict, log_path, *, queue: str, max_tasks: int = 1, module: str = "celery"):
    """The compose service's command, run here: its queue swapped for a queue of the test's own (so a developer's
    worker on the same broker cannot take the message), its limits from the environment as compose would. `module`
    runs it: `celery`, or tests.slow_pdf_worker for renders that block for SLOW_PDF_SECONDS."""
    compose = [interpolate(part, {"PDF_WORKER_MAX_TASKS": str(max_tasks)}) for part in command("pdf-worker")]
    assert compose[0] == "celery" and "--queues=pdf" in compose, compose
    nodename = f"test-pdf-{uuid.uuid4().hex[:12]}@%h"
    argv = [part for part in compose[1:] if not part.startswith(("--queues=", "--hostname="))]
    argv = [sys.executable, "-m", module, *argv, f"--queues={queue}", f"--hostname={nodename}"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
    try:
        from celery.utils.nodenames import host_format

        yield Worker(process, host_format(nodename), log_path)
    finally:
        stop(process)


def wait_until_finished(worker: Worker, summary: PdfSummary) -> PdfSummary:
    deadline = time.monotonic() + RENDER_TIMEOUT
    while True:
        summary.refresh_from_db()
        if summary.status in ("ready", "failed"):
            return summary
        worker.check_alive()
        if time.monotonic() > deadline:
            worker.fail(f"summary {summary.pk} still {summary.status} after {RENDER_TIMEOUT} s")
        time.sleep(0.2)


def rendered_by(worker: Worker, summary_pk: int) -> int:
    """The pid of the child process that rendered the summary, from the task's result in the worker's log."""
    match = re.search(rf"'summary': {summary_pk}, 'outcome': 'ready', 'pid': (\d+)", worker.output())
    assert match, worker.output()
    return int(match.group(1))


def check_file(summary: PdfSummary, case_reference: str):
    assert summary.status == "ready", summary.failure_reason
    data = summary.file.read()
    assert hashlib.sha256(data).hexdigest() == summary.sha256 and len(data) == summary.size
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) == summary.pages
    for number, text in enumerate(pages, start=1):
        assert "OFFICIAL-SENSITIVE" in text and case_reference in text and f"Page {number} of {len(pages)}" in text


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # committed, so the worker's own connection sees what this test sees
def test_a_pdf_worker_renders_summaries_queued_through_redis(world, settings, document_root, tmp_path):
    queue = f"test-pdf-{uuid.uuid4().hex}"
    settings.PDF_QUEUE = queue  # where the portal sends renders (coordination/summaries/jobs.py)
    add_process(world, "rapid_review", opened_on=world.case.la_aware_date)
    env = worker_env(DATABASE_URL=database_url_for_this_test_run(), REDIS_URL=os.environ["REDIS_URL"],
                     DOCUMENT_ROOT=str(document_root))  # fmt: skip
    colleague = member(world.council, "partnership_manager", username="colleague")
    with pdf_worker(env, tmp_path / "pdf-worker.log", queue=queue, max_tasks=1) as worker:
        try:
            worker.wait_until_ready()
            # Queued by the service: the task leaves for the broker only when the transaction commits.
            first = summary_services.summary_request(actor=world.manager, case=world.case)
            second = summary_services.summary_request(actor=colleague, case=world.case)
            first, second = wait_until_finished(worker, first), wait_until_finished(worker, second)
        finally:
            with contextlib.suppress(Exception), app.connection_for_write() as conn:
                one_off = app.amqp.queues[queue](conn.default_channel)
                one_off.declare()  # kombu deletes only the bindings its own connection has declared
                one_off.delete()
        check_file(first, world.case.reference)
        check_file(second, world.case.reference)
        # --max-tasks-per-child=1: the second render ran in a new child process.
        assert rendered_by(worker, first.pk) != rendered_by(worker, second.pk)
    assert Notification.objects.filter(user=world.manager, kind="summary", case=world.case).count() == 1
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_pdf_worker_renders_through_the_filesystem_broker_without_redis(tmp_path):
    """`make run` without REDIS_URL: the portal and the pdf worker talk through files under VAR_DIR."""
    database = tmp_path / "db.sqlite3"
    env = worker_env(REDIS_URL="", VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{database}",
                     DOCUMENT_ROOT=str(tmp_path / "documents"))  # fmt: skip
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "--skip-checks"], cwd=REPO_ROOT,
                             env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    ask = (
        "import django; django.setup()\n"
        "from tests import factories\n"
        "from coordination.summaries import services\n"
        "world = factories.build_world()\n"
        "print(services.summary_request(actor=world.manager, case=world.case).pk, world.case.reference)\n"
    )
    check = (
        "import sys, time, django; django.setup()\n"
        "from coordination.models import PdfSummary\n"
        "deadline = time.monotonic() + float(sys.argv[2])\n"
        "while True:\n"
        "    summary = PdfSummary.objects.get(pk=int(sys.argv[1]))\n"
        "    if summary.status in ('ready', 'failed') or time.monotonic() > deadline: break\n"
        "    time.sleep(0.2)\n"
        "print(summary.status, summary.pages, summary.sha256, summary.file.path if summary.file else '',\n"
        "      summary.failure_reason)\n"
    )
    with pdf_worker(env, tmp_path / "pdf-worker.log", queue="pdf") as worker:
        worker.wait_until_ready()
        asked = subprocess.run([sys.executable, "-c", ask], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                               timeout=60)  # fmt: skip
        assert asked.returncode == 0, asked.stderr
        pk, reference = asked.stdout.split()[-2:]
        checked = subprocess.run([sys.executable, "-c", check, pk, str(RENDER_TIMEOUT)], cwd=REPO_ROOT, env=env,
                                 capture_output=True, text=True, timeout=RENDER_TIMEOUT + 30)  # fmt: skip
        assert checked.returncode == 0, checked.stderr
        status, pages, sha256, path = checked.stdout.split(maxsplit=4)[:4]
        if status != "ready":
            worker.fail(f"the summary is {status}: {checked.stdout}")
    data = Path(path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == sha256
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    assert len(texts) == int(pages) and all(reference in text and "OFFICIAL-SENSITIVE" in text for text in texts)


LEASE_SECONDS = 4  # the workers' claim lease in the test below
SWEEP_EVERY = 4  # seconds between the sweeps the test runs, playing beat (every 60 s in production)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # committed, so the workers' connections see what this test sees
def test_a_pdf_worker_killed_mid_render_is_taken_over_within_a_lease_and_a_sweep(
    world, settings, document_root, tmp_path
):
    """Two real pdf workers on Redis. The first renders slowly (tests/slow_pdf_worker.py: one blocking call, as
    WeasyPrint's is), for more than two leases while the test sweeps: its heartbeat keeps the lease ahead, and no
    sweep sends it again. Then its whole process group is SIGKILLed: no warm shutdown, no clean-up, the message
    unacknowledged. Its lease lapses at most a lease later, the next sweep sends the render to the second worker,
    which claims it (a second start) and renders it: within a lease and a sweep of the kill."""
    suffix = uuid.uuid4().hex
    slow_queue, takeover_queue = f"test-pdf-slow-{suffix}", f"test-pdf-takeover-{suffix}"
    add_process(world, "rapid_review", opened_on=world.case.la_aware_date)
    env = worker_env(DATABASE_URL=database_url_for_this_test_run(), REDIS_URL=os.environ["REDIS_URL"],
                     DOCUMENT_ROOT=str(document_root), PDF_CLAIM_LEASE_SECONDS=str(LEASE_SECONDS),
                     SLOW_PDF_SECONDS="50")  # fmt: skip
    sweeps: list[jobs.SweepResult] = []
    next_sweep = time.monotonic()

    def wait_for(condition, workers, what: str, timeout: float):
        """Until `condition()` holds, sweeping every SWEEP_EVERY seconds meanwhile; fail saying `what`."""
        nonlocal next_sweep
        deadline = time.monotonic() + timeout
        while not (result := condition()):
            for worker in workers:
                worker.check_alive()
            if time.monotonic() > deadline:
                workers[0].fail(f"{what} within {timeout} s")
            if time.monotonic() >= next_sweep:
                sweeps.append(jobs.sweep())
                next_sweep += SWEEP_EVERY
            time.sleep(0.05)
        return result

    def row() -> PdfSummary:
        return PdfSummary.objects.get(pk=summary.pk)

    def rendering_by(started_at=None) -> PdfSummary | None:
        """The row once a run other than the one started at `started_at` has claimed it."""
        current = row()
        return current if current.status != "queued" and current.started_at != started_at else None

    with (
        pdf_worker(env, tmp_path / "pdf-worker-slow.log", queue=slow_queue, module="tests.slow_pdf_worker") as slow,
        pdf_worker(env, tmp_path / "pdf-worker-takeover.log", queue=takeover_queue) as takeover,
    ):
        try:
            slow.wait_until_ready()
            takeover.wait_until_ready()
            settings.PDF_QUEUE = slow_queue  # the request's message goes to the slow worker...
            summary = summary_services.summary_request(actor=world.manager, case=world.case)
            settings.PDF_QUEUE = takeover_queue  # ...and whatever a sweep sends, to the other
            claim = wait_for(rendering_by, [slow, takeover], "the slow worker had not claimed the summary", timeout=30)
            lease = dt.timedelta(seconds=LEASE_SECONDS)
            leases = {claim.lease_expires_at}

            def renewed_for_two_leases():
                current = row()
                assert current.status == "rendering" and current.started_at == claim.started_at, current.status
                assert current.lease_expires_at > timezone.now(), "a live render's lease lapsed"
                leases.add(current.lease_expires_at)
                return timezone.now() > claim.started_at + 2 * lease and len(leases) >= 4

            wait_for(renewed_for_two_leases, [slow, takeover], "the lease was not renewed", timeout=30)
            assert sweeps and all(result.resent == 0 for result in sweeps), sweeps  # live: never sent again

            os.killpg(slow.process.pid, signal.SIGKILL)  # the whole group: the worker and its pool process
            slow.process.wait(timeout=10)
            killed_at, killed_mono = timezone.now(), time.monotonic()
            lapses_at = row().lease_expires_at
            assert killed_at < lapses_at <= killed_at + lease

            taken = wait_for(lambda: rendering_by(claim.started_at), [takeover], "the render was not taken over",
                             timeout=LEASE_SECONDS + SWEEP_EVERY + 30)  # fmt: skip
            finished = wait_until_finished(takeover, summary)
            ready_after = time.monotonic() - killed_mono
        finally:
            with contextlib.suppress(Exception), app.connection_for_write() as conn:
                channel = conn.default_channel
                for queue in (slow_queue, takeover_queue):
                    one_off = app.amqp.queues[queue](channel)
                    one_off.declare()  # kombu deletes only the bindings its own connection has declared
                    one_off.delete()
                # The killed worker's message was never acknowledged: kombu would hand it back to a worker on this
                # Redis database an hour from now. Nobody needs it, so drop it.
                for tag, raw in channel.client.hgetall(channel.unacked_key).items():
                    if json.loads(raw)[2] == slow_queue:
                        channel.client.zrem(channel.unacked_index_key, tag)
                        channel.client.hdel(channel.unacked_key, tag)
        check_file(finished, world.case.reference)
        assert rendered_by(takeover, summary.pk)

    taken_over_after = (taken.started_at - killed_at).total_seconds()
    print(f"\ntaken over {taken_over_after:.1f} s after the kill, ready {ready_after:.1f} s after it (lease "
          f"{LEASE_SECONDS} s, a sweep every {SWEEP_EVERY} s)")  # fmt: skip
    # Never before the lease lapsed; within a lease (to lapse) and a sweep interval (to be seen), with a little over
    # for the message to reach the worker and the claim.
    assert lapses_at <= taken.started_at and taken_over_after <= LEASE_SECONDS + SWEEP_EVERY + 3
    assert taken.attempts == finished.attempts == 2
    assert Notification.objects.filter(user=world.manager, kind="summary", case=world.case).count() == 1
