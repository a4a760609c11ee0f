"""A real pdf worker, started with docker-compose.yml's own command line, renders summaries that the portal queued
through Redis: the request commits, the task goes to the queue on commit, the worker claims the row, renders with
WeasyPrint, stores the file and notifies. With --max-tasks-per-child=1 each render runs in a fresh child process.

Also through kombu's filesystem transport, the no-server default that `make run` uses when REDIS_URL is unset."""

import contextlib
import hashlib
import io
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from pypdf import PdfReader

from coordination.celery import app
from coordination.models import Notification, PdfSummary
from coordination.summaries import services as summary_services
from tests.factories import add_process, member
from tests.test_celery_worker import REPO_ROOT, Worker, database_url_for_this_test_run, stop, worker_env
from tests.test_docker_compose import command, interpolate

RENDER_TIMEOUT = 60  # seconds for a queued summary to be ready once the worker is up


@contextlib.contextmanager
def pdf_worker(env: dict, log_path, *, queue: str, max_tasks: int = 1):
    """The compose service's command, run here: its queue swapped for a queue of the test's own (so a developer's
    worker on the same broker cannot take the message), its limits from the environment as compose would."""
    compose = [interpolate(part, {"PDF_WORKER_MAX_TASKS": str(max_tasks)}) for part in command("pdf-worker")]
    assert compose[0] == "celery" and "--queues=pdf" in compose, compose
    nodename = f"test-pdf-{uuid.uuid4().hex[:12]}@%h"
    argv = [part for part in compose[1:] if not part.startswith(("--queues=", "--hostname="))]
    argv = [sys.executable, "-m", "celery", *argv, f"--queues={queue}", f"--hostname={nodename}"]
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
