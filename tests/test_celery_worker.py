"""Real task delivery: a Celery worker in a process of its own receives `record_heartbeat` and writes to the database.

The tests at the unit level call tasks as plain functions; these two prove the wiring around them: that a message
sent by one process reaches a worker started the way `make run` and production start it, that the worker runs the
task against the right database, and that the result comes back. One test goes through Redis (production); the
other through kombu's filesystem transport, the no-server default that `make run` uses when REDIS_URL is unset.
"""

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.utils.nodenames import host_format
from django.db import connection

from coordination.celery import app
from coordination.models import WorkerHeartbeat
from coordination.tasks import record_heartbeat

REPO_ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 30  # seconds for a worker to start (Django set-up, broker connection, mingle)
RESULT_TIMEOUT = 30  # seconds for a task to come back once the worker is ready


class Worker:
    """A running `celery -A coordination worker`; its stdout and stderr go to a file that can be read at any time."""

    def __init__(self, process: subprocess.Popen, hostname: str, log_path: Path):
        self.process = process
        self.hostname = hostname
        self.log_path = log_path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def fail(self, message: str):
        pytest.fail(f"{message}\n--- worker {self.hostname} output ---\n{self.output()}", pytrace=False)

    def check_alive(self):
        if self.process.poll() is not None:
            self.fail(f"the worker exited early with status {self.process.returncode}")

    def wait_until_ready(self, timeout: float = READY_TIMEOUT):
        """Wait for Celery's "<hostname> ready." line, which it logs once it is consuming from its queues."""
        deadline = time.monotonic() + timeout
        while f"{self.hostname} ready." not in self.output():
            self.check_alive()
            if time.monotonic() > deadline:
                self.fail(f"the worker was not ready after {timeout} s")
            time.sleep(0.2)


@contextlib.contextmanager
def celery_worker(env: dict, cwd: Path, log_path: Path, queue: str | None = None):
    """Start a one-process worker with a unique node name; whatever happens, stop it on the way out."""
    nodename = f"test-{uuid.uuid4().hex[:12]}@%h"
    command = [sys.executable, "-m", "celery", "-A", "coordination", "worker"]
    command += ["--pool=solo", "--concurrency=1", "--loglevel=INFO", "-n", nodename]
    if queue:
        command += ["-Q", queue]
    with open(log_path, "wb") as log:
        # A session of its own, so a Ctrl-C in the terminal reaches pytest only, and pytest stops the worker.
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        # `host_format` is what Celery itself uses to expand %h, so this is the name the task will report.
        yield Worker(process, host_format(nodename), log_path)
    finally:
        stop(process)


def stop(process: subprocess.Popen):
    """SIGTERM (Celery's warm shutdown), then SIGKILL if it has not gone within ten seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def database_url_for_this_test_run() -> str:
    """The URL of the database this process is using now (the test database), for a worker to open."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = quote(db["HOST"] or "", safe="")  # a Unix socket directory is written percent-encoded
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"
    raise AssertionError(f"no DATABASE_URL form known for {db['ENGINE']}")


def worker_env(**overrides: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coordination.settings", "PYTHONUNBUFFERED": "1"}
    # The project is importable from any working directory, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    env.update(overrides)
    return env


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # committed, so the worker's own connection sees what this test sees
def test_worker_runs_heartbeat_sent_through_redis(tmp_path):
    # A queue of its own, so that a developer's worker on the same Redis cannot take the message instead.
    queue = f"test-heartbeat-{uuid.uuid4().hex}"
    env = worker_env(DATABASE_URL=database_url_for_this_test_run(), REDIS_URL=os.environ["REDIS_URL"])

    with celery_worker(env, cwd=REPO_ROOT, log_path=tmp_path / "worker.log", queue=queue) as worker:
        try:
            worker.wait_until_ready()
            result = record_heartbeat.apply_async(queue=queue)
            deadline = time.monotonic() + RESULT_TIMEOUT
            while True:
                try:
                    outcome = result.get(timeout=1)
                    break
                except CeleryTimeoutError:
                    worker.check_alive()
                    if time.monotonic() > deadline:
                        worker.fail(f"no result for task {result.id} within {RESULT_TIMEOUT} s")
        finally:
            # Leave nothing of the one-off queue behind in Redis; tidying must not hide the real failure.
            with contextlib.suppress(Exception), app.connection_for_write() as conn:
                one_off = app.amqp.queues[queue](conn.default_channel)
                one_off.declare()  # kombu deletes only the bindings its own connection has declared
                one_off.delete()

        result.forget()
        assert outcome["worker"] == worker.hostname, worker.output()
    assert WorkerHeartbeat.objects.filter(worker=worker.hostname).exists()


def test_worker_runs_heartbeat_through_filesystem_broker_without_redis(tmp_path):
    """The `make run` default: no REDIS_URL, messages and results pass through files under VAR_DIR."""
    database = tmp_path / "db.sqlite3"
    env = worker_env(
        REDIS_URL="",  # settings treat empty as unset
        VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{database}",
    )
    migrate = subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), "migrate", "--noinput"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert migrate.returncode == 0, f"migrate failed:\n{migrate.stdout}\n{migrate.stderr}"

    send = (
        "import json, django; django.setup()\n"
        "from coordination.tasks import record_heartbeat\n"
        f"print(json.dumps(record_heartbeat.delay().get(timeout={RESULT_TIMEOUT})))\n"
    )
    with celery_worker(env, cwd=REPO_ROOT, log_path=tmp_path / "worker.log") as worker:
        worker.wait_until_ready()
        try:
            sender = subprocess.run(
                [sys.executable, "-c", send],
                cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=RESULT_TIMEOUT + 15,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            worker.fail(f"the sending process hung:\n{exc.stdout}\n{exc.stderr}")
        if sender.returncode != 0:
            worker.fail(f"sending failed (status {sender.returncode}):\n{sender.stdout}\n{sender.stderr}")
        lines = sender.stdout.strip().splitlines()
        if not lines:
            worker.fail(f"the sending process printed no result:\n{sender.stderr}")
        outcome = json.loads(lines[-1])
        assert outcome["worker"] == worker.hostname, worker.output()

    with contextlib.closing(sqlite3.connect(database)) as db:
        workers = [row[0] for row in db.execute("SELECT worker FROM coordination_workerheartbeat")]
    assert workers == [worker.hostname]
