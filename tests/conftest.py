"""The small world every test starts from, and the switches for tests that need real services.

The world: a partnership whose county council is on the case (with a partnership manager and an
agency user), and an agency that is not (with a user of its own) — the outsider later issues must
refuse.
"""

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import settings as hypothesis_settings

from tests import factories

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000

# Property tests draw the same examples on every run, so a run's result does not depend on luck; set
# HYPOTHESIS_PROFILE=explore to draw new ones on each run while working on the clock.
hypothesis_settings.register_profile("repeatable", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def _redis_answers() -> bool:
    url = urlparse(os.environ.get("REDIS_URL", ""))
    if url.scheme != "redis":
        return False
    try:
        with socket.create_connection((url.hostname, url.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _missing_service(item) -> str | None:
    if (
        item.get_closest_marker("postgres")
        and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    ):
        return "needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/dbname"
    if item.get_closest_marker("redis") and not _redis_answers():
        return "needs Redis: set REDIS_URL=redis://host:6379/0 to a running server"
    if item.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        return "needs Chromium: apt-get install chromium"
    return None


def pytest_configure(config):
    """Pages name their static files by the hashed names collectstatic records, as in production (WhiteNoise's
    manifest storage). `make test` gathers them first; a bare `pytest` does it here, once, before any worker."""
    storage = settings.STORAGES["staticfiles"]["BACKEND"]
    if hasattr(config, "workerinput") or "Manifest" not in storage:
        return
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)


def pytest_runtest_setup(item):
    reason = _missing_service(item)
    if reason:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(f"REQUIRE_SERVICES is set but this test {reason}", pytrace=False)
        pytest.skip(reason)


def pytest_sessionfinish(session, exitstatus):
    """With REQUIRE_SERVICES set (CI, and anyone who has the services), a skipped test fails the run: whatever
    a skip would hide is something the run should have had."""
    if not os.environ.get("REQUIRE_SERVICES") or hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"REQUIRE_SERVICES is set and {len(skipped)} test(s) were skipped: failing the run.",
                            red=True)  # fmt: skip
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def document_root(settings, tmp_path, monkeypatch):
    """Uploaded documents go to a directory of each test's own, never into var/."""
    from django.core.files.storage import storages

    from coordination.models import PdfSummary
    from sharing.models import DocumentVersion

    root = tmp_path / "documents"
    settings.DOCUMENT_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    # The model fields called their storage callable once, at import: point them at the new storage too.
    for model in (DocumentVersion, PdfSummary):
        monkeypatch.setattr(model._meta.get_field("file"), "storage", storages["documents"])
    return root


@pytest.fixture
def world(db):
    return factories.build_world()


@pytest.fixture
def sharing_world(world):
    """The world, plus the IOPC with an investigator granted the case: requests go from the IOPC to the council."""
    return factories.build_sharing_world(world)


@pytest.fixture
def manager(world):
    return world.manager


@pytest.fixture
def case(world):
    return world.case


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def sign_in():
    """Sign a test client in as a user, past every step a person would go through."""

    def sign_in(client, user):
        factories.verified_login(client, user)  # the password, then the second factor

    return sign_in


@pytest.fixture(scope="module")
def browser():
    """Chromium, driven by Playwright, for the browser tests of one module."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as mp:
        # Playwright's sync API keeps an asyncio event loop running in this thread, and Django refuses ORM
        # calls from a thread with a running loop (SynchronousOnlyOperation). The tests build data and check
        # the database here while the browser is open; the live server answers from its own thread. Only
        # for the life of this module's browser.
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, serving static files the way production does: WhiteNoise, from what
    collectstatic gathered under their hashed names (Django's own static handler looks for unhashed names only)."""
    from django.contrib.staticfiles import handlers
    from pytest_django import live_server_helper

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(handlers, "StaticFilesHandler", lambda application: application)
        server = live_server_helper.LiveServer(request.config.getvalue("liveserver") or "localhost")
    yield server
    server.stop()


@pytest.fixture
def new_page(browser, live_server):
    """Makes pages on the live server, each in a context of its own (one person each); all closed at teardown."""
    contexts = []

    def new_page():
        context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """One page on the live server."""
    return new_page()
