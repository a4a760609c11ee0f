"""`make run` as a new user starts it: gunicorn with DEBUG off, a Celery worker, the pdf worker and beat under
supervisord, which restarts one that dies while the web server goes on serving; Ctrl-C stops them all.

Run for real: the README's command, in a directory of its own (VAR_DIR, STATIC_ROOT), on a free port, with the
embedded defaults (SQLite, the filesystem broker)."""

import concurrent.futures
import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_KEY = "pk_demotrust_demo-only-key-published-in-the-README-2026"
START_TIMEOUT = 240  # migrate, demo data, collectstatic, then four programs starting, on a busy 2-core machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, key: str | None = None, timeout: float = 30) -> tuple[int | str, dict, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()
    except OSError as error:  # a reset, a refusal: what must not happen once it is up
        return type(error).__name__, {}, str(error)


class Run:
    def __init__(self, tmp_path: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.var = tmp_path / "var"
        self.log_path = tmp_path / "make-run.log"
        env = {**os.environ, "PORT": str(self.port), "VAR_DIR": str(self.var), "STATIC_ROOT": str(tmp_path / "static")}
        for name in ("DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "MAKEFLAGS", "MAKELEVEL"):
            env.pop(name, None)  # the embedded defaults a new user gets
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(["make", "run"], cwd=REPO_ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def fail(self, message: str):
        pytest.fail(f"{message}\n--- make run ---\n{self.output()[-6000:]}", pytrace=False)

    def wait_for(self, condition, what: str, timeout: float):
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                self.fail(f"make run exited with {self.process.returncode} while waiting for {what}")
            if time.monotonic() > deadline:
                self.fail(f"no {what} within {timeout} s")
            time.sleep(0.25)

    def pids(self, program: str) -> list[int]:
        return [int(pid) for pid in re.findall(rf"spawned: '{program}' with pid (\d+)", self.output())]

    def worker_seen_at(self) -> str:
        """When the default-queue worker last recorded its heartbeat ("" if it never has)."""
        with sqlite3.connect(self.var / "parallel.sqlite3", timeout=10) as db:
            row = db.execute("select max(seen_at) from coordination_workerheartbeat where worker like 'worker@%'")
            return row.fetchone()[0] or ""

    def stop(self):
        """What Ctrl-C does: SIGINT to the terminal's process group (make and supervisord)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.fail("make run did not stop within 90 s of Ctrl-C")


@pytest.fixture
def make_run(tmp_path):
    run = Run(tmp_path)
    try:
        yield run
    finally:
        run.stop()
        pid_file = run.var / "supervisord.pid"
        if pid_file.exists():  # should it still be about, its programs go with it
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text()), signal.SIGTERM)


def test_make_run_serves_for_real_and_keeps_serving_when_a_worker_dies(make_run):
    run = make_run
    run.wait_for(lambda: _get(run.base + "/healthz", timeout=5)[0] == 200, "answer from /healthz", START_TIMEOUT)
    run.wait_for(lambda: "success: beat entered RUNNING state" in run.output(), "beat running", 60)
    output = run.output()
    assert "parallel-demo-2026" in output  # the demo logins are printed
    assert "Booting worker with pid" in output  # gunicorn, not Django's development server
    assert (run.var / "secret_key").stat().st_mode & 0o777 == 0o600  # generated once, kept from others

    # DEBUG is off: the portal's own 404 page, not Django's technical one listing the URL patterns.
    status, _, page = _get(run.base + "/no-such-page/")
    assert status == 404 and "Page not found" in page and "URLconf" not in page

    # 50 requests at once to the API: every one answered, none reset.
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda _: _get(run.base + "/api/v1/cases/", DEMO_KEY)[0], range(50)))
    assert answers == [200] * 50, answers

    # The worker dies: supervisord says so and starts another, and the web server never stops answering.
    run.wait_for(lambda: run.worker_seen_at(), "first heartbeat", 60)
    [worker] = run.pids("worker")
    seen_before = run.worker_seen_at()
    os.kill(worker, signal.SIGKILL)
    killed_at = time.monotonic()
    assert _get(run.base + "/healthz", timeout=10)[0] == 200
    run.wait_for(lambda: len(run.pids("worker")) == 2, "new worker", 60)
    assert "exited: worker (terminated by SIGKILL; not expected)" in run.output()
    # The new worker is at work: it records a heartbeat as it starts (coordination/tasks.py).
    run.wait_for(lambda: run.worker_seen_at() > seen_before, "heartbeat from the new worker", 60)
    assert time.monotonic() - killed_at < 60
    status, _, body = _get(run.base + "/api/v1/cases/", DEMO_KEY)
    assert status == 200 and '"results"' in body

    # Beat too.
    [beat] = run.pids("beat")
    os.kill(beat, signal.SIGKILL)
    run.wait_for(lambda: len(run.pids("beat")) == 2, "new beat", 60)
    assert _get(run.base + "/healthz", timeout=10)[0] == 200

    # Ctrl-C stops everything it started.
    run.stop()
    for program in ("web", "worker", "pdf-worker", "beat"):
        assert f"stopped: {program}" in run.output()
    with pytest.raises(ProcessLookupError):
        os.kill(run.pids("worker")[-1], 0)
