"""PDF summaries (issue 7), rendered directly by the plain functions (no broker) and read back with pypdf: the
marking, reference and page numbers on every page; milestones in due-date order; the content filtered to the
reader; identifiable details only with a grant (and audited); the safe URL fetcher; failures, claims and the
sweep; the pages that ask for, follow and download a summary."""

import datetime as dt
import hashlib
import io
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from coordination import clock, grants, services
from coordination.models import (
    AuditEntry,
    CaseUserObjectPermission,
    ChildIdentity,
    Membership,
    Milestone,
    Notification,
    PdfSummary,
)
from coordination.summaries import TEMPLATE_VERSION, content, fetcher, jobs, render
from coordination.summaries import services as summary_services
from tests import factories
from tests.factories import add_process, member, test_rule

REPO_ROOT = Path(__file__).resolve().parent.parent
MARKING = "OFFICIAL-SENSITIVE"
NOW = timezone.make_aware(dt.datetime(2026, 11, 3, 14, 15))


def print_register(actor, organisation):
    return summary_services.organisation_document_request(
        actor=actor, organisation=organisation, kind="sharing_register"
    )


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def busy_case(world):
    """The world's case with three processes, their seeded milestones (one met, one extended), a pause, a
    relationship and a history."""
    today = timezone.localdate()
    opened = today - dt.timedelta(days=60)
    world.case.la_aware_date = world.case.incident_date = opened
    world.case.save()
    rules = (("T1", "rapid_review", 3), ("T2", "lcspr", 15), ("T3", "serious_incident_notification", 8),
             ("T4", "rapid_review", 25))  # fmt: skip
    for code, kind, amount in rules:
        test_rule(code=code, process_kind=kind, amount=amount, milestone=f"Test milestone {code}")
    notification = add_process(world, "serious_incident_notification", opened_on=opened)
    rapid = add_process(world, "rapid_review", opened_on=opened)
    lcspr = add_process(world, "lcspr", opened_on=opened + dt.timedelta(days=20))
    milestones = list(Milestone.objects.filter(process__case=world.case).order_by("due_date", "id"))
    assert len(milestones) >= 3, "the seeded national rules give these processes milestones"
    clock.milestone_complete(actor=world.manager, milestone=milestones[0], completed_on=milestones[0].due_date,
                             note="Sent on time.")  # fmt: skip
    clock.milestone_extend(actor=world.manager, milestone=milestones[1],
                           new_due_date=milestones[-1].due_date + dt.timedelta(days=10),
                           reason="Awaiting the police chronology.", authorised_by="Panel chair",
                           basis="Chair's discretion")  # fmt: skip
    services.process_pause(actor=world.manager, process=lcspr, reason="criminal_proceedings",
                           explanation="Trial first: witnesses overlap.", caused_by=rapid)  # fmt: skip
    services.relationship_record(actor=world.manager, case=world.case, kind="informs", from_process=rapid,
                                 to_process=lcspr, reason="The rapid review's findings frame the LCSPR.")  # fmt: skip
    world.processes = [notification, rapid, lcspr]
    return world


def render_for(user, case, **kwargs) -> render.Rendered:
    return render.render_case(user=user, case=case, prepared_at=kwargs.pop("prepared_at", NOW), **kwargs)


# --- What the file says ----------------------------------------------------------------------------


def test_every_page_carries_the_marking_the_reference_and_page_n_of_m(busy_case):
    rendered = render_for(busy_case.manager, busy_case.case)
    texts = pages_text(rendered.pdf)
    assert len(texts) == rendered.pages >= 3
    for number, text in enumerate(texts, start=1):
        assert MARKING in text, f"page {number} has no marking"
        assert busy_case.case.reference in text, f"page {number} has no reference"
        assert f"Page {number} of {len(texts)}" in text
    cover = flat(texts[0])
    assert busy_case.case.pseudonym in cover and "3 November 2026, 14:15" in cover
    assert busy_case.manager.get_full_name() in cover and f"Template version {TEMPLATE_VERSION}" in cover


def test_the_contents_name_every_section(busy_case):
    text = flat(" ".join(pages_text(render_for(busy_case.manager, busy_case.case).pdf)))
    for heading in ("Case overview", "Processes", "The processes side by side", "Milestones",
                    "Relationships between the processes", "Pauses", "Sharing register",
                    "Stage and decision history"):  # fmt: skip
        assert heading in text
    assert "Trial first: witnesses overlap." in text  # the pause's explanation
    assert "The rapid review's findings frame the LCSPR." in text  # the relationship
    assert "Awaiting the police chronology." in text and "Panel chair" in text  # the extension and who allowed it
    assert "Sent on time." in text  # the milestone met


def test_milestones_are_listed_in_due_date_order(busy_case):
    text = flat(" ".join(pages_text(render_for(busy_case.manager, busy_case.case).pdf)))
    section = text[text.index("Every deadline of the processes") : text.index("Relationships between the processes")]
    due = {
        m.rule.code: m.due_date for m in Milestone.objects.filter(process__case=busy_case.case).select_related("rule")
    }
    listed = re.findall(r"\(([A-Z]+[0-9]+(?:-[A-Z]+)?)\)", section)
    assert sorted(listed) == sorted(due) and len(listed) >= 5
    assert [due[code] for code in listed] == sorted(due.values()), listed


def test_the_parallel_processes_picture_is_drawn_in_the_bundled_font(busy_case):
    rendered = render_for(busy_case.manager, busy_case.case)
    reader = PdfReader(io.BytesIO(rendered.pdf))
    fonts = set()
    for page in reader.pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all(name.endswith(("Parallel-Sans", "Parallel-Sans-Bold")) for name in fonts), fonts
    # The SVG's own text (its month labels and lanes) is in the file, not an image of it.
    timeline_page = next(text for text in pages_text(rendered.pdf) if "The processes side by side" in text)
    assert "Rapid review" in timeline_page and "Today" in timeline_page


def test_a_reader_without_working_detail_gets_the_processes_in_summary_only(busy_case, sharing_world):
    request = factories.submitted_request(sharing_world)  # from the IOPC to the council
    grants.grant(actor=busy_case.manager, case=busy_case.case, scope="case", user=busy_case.outsider,
                 reason="Police partner needs the overview.")  # fmt: skip
    text = flat(" ".join(pages_text(render_for(busy_case.outsider, busy_case.case).pdf)))
    assert "Rapid review" in text and "Kind, stage and key dates only" in text
    assert "Trial first: witnesses overlap." not in text  # a pause's explanation is working detail
    assert "Awaiting the police chronology." not in text and "Sent on time." not in text
    assert "No process is seen in full" in text
    assert request.reference not in text  # a request they are not party to
    manager_text = flat(" ".join(pages_text(render_for(busy_case.manager, busy_case.case).pdf)))
    assert request.reference in manager_text


def test_identifiable_details_only_with_a_grant_and_putting_them_in_a_file_is_audited(busy_case):
    ChildIdentity.objects.create(case=busy_case.case, full_name="Ada Example", nhs_number="9990000018",
                                 date_of_birth=dt.date(2019, 4, 2), address="1 Example Street")  # fmt: skip
    manager = busy_case.manager

    without = summary_services.summary_request(actor=manager, case=busy_case.case)
    assert jobs.run(without.pk) == "ready"
    without.refresh_from_db()
    text = flat(" ".join(pages_text(without.file.read())))
    for detail in ("Ada Example", "9990000018", "1 Example Street", "2 April 2019"):
        assert detail not in text
    assert "identifiable details are not included" in text
    assert not AuditEntry.objects.filter(action="view_identity").exists()

    grants.grant(actor=manager, case=busy_case.case, scope="identity", user=manager, reason="Panel meeting.")
    granted = summary_services.summary_request(actor=manager, case=busy_case.case)
    assert jobs.run(granted.pk) == "ready"
    granted.refresh_from_db()
    text = flat(" ".join(pages_text(granted.file.read())))
    for detail in ("Ada Example", "9990000018", "1 Example Street", "2 April 2019"):
        assert detail in text
    entry = AuditEntry.objects.get(action="view_identity", actor=manager)
    assert entry.object_label == busy_case.case.reference
    assert entry.changes == {"via": f"PDF summary {granted.pk}", "sha256": granted.sha256}


@pytest.mark.parametrize("subsetter", ["harfbuzz", "fonttools"])
def test_two_renders_in_one_process_give_identical_text_and_bytes(busy_case, subsetter, monkeypatch):
    """The same bytes whichever way WeasyPrint subsets the fonts: with HarfBuzz-subset (the system library `make`
    installs) or with its fontTools fallback, which would otherwise stamp each render with the time."""
    from weasyprint.pdf import fonts

    if subsetter == "harfbuzz":
        assert fonts.harfbuzz_subset is not None, (
            "HarfBuzz-subset is missing, so WeasyPrint falls back to fontTools (a path it will stop supporting): "
            "`make test` installs libharfbuzz-subset0 as root, or run: sudo apt-get install libharfbuzz-subset0"
        )
    else:
        monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    first = render_for(busy_case.manager, busy_case.case)
    second = render_for(busy_case.manager, busy_case.case)
    assert pages_text(first.pdf) == pages_text(second.pdf)
    assert hashlib.sha256(first.pdf).hexdigest() == hashlib.sha256(second.pdf).hexdigest()


def test_the_sharing_register_pdf_lists_the_organisations_requests(sharing_world):
    sw = sharing_world
    request = factories.submitted_request(sw)
    summary = summary_services.organisation_document_request(
        actor=sw.investigator, organisation=sw.iopc, kind="sharing_register"
    )
    assert jobs.run(summary.pk) == "ready"
    summary.refresh_from_db()
    texts = pages_text(summary.file.read())
    for number, text in enumerate(texts, start=1):
        assert MARKING in text and "IOPC" in text and f"Page {number} of {len(texts)}" in text
    text = flat(" ".join(texts))
    assert request.reference in text and sw.world.case.reference in text and "Sharing register" in text

    # An organisation not party to the request prints a register without it; a stranger cannot print the IOPC's.
    elsewhere = summary_services.organisation_document_request(
        actor=sw.world.outsider, organisation=sw.world.outside_agency, kind="sharing_register"
    )
    assert jobs.run(elsewhere.pk) == "ready"
    elsewhere.refresh_from_db()
    assert request.reference not in flat(" ".join(pages_text(elsewhere.file.read())))
    with pytest.raises(PermissionDenied):
        summary_services.organisation_document_request(
            actor=sw.world.outsider, organisation=sw.iopc, kind="sharing_register"
        )


# --- The safe URL fetcher --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/hostname",
        "http://127.0.0.1:9/x.css",
        "https://example.org/font.ttf",
        "ftp://example.org/x.css",
        "data:text/css,body{}",
        "parallelstatic:../coordination/settings.py",
        "parallelstatic:coordination/../../coordination/settings.py",
        "parallelstatic:/etc/passwd",
        "parallelstatic:coordination/%2e%2e/%2e%2e/coordination/settings.py",
        "parallelstatic:coordination\\..\\settings.py",
        "parallelstatic:coordination/parallel.css?../../x",
        "parallelstatic:coordination/summaries.js",  # not a kind of file a summary loads
        "parallelstatic:coordination/nothing-here.css",
        "parallelstatic:",
        "coordination/pdf.css",
    ],
)
def test_the_fetcher_refuses_everything_but_the_projects_static_files(url):
    with pytest.raises(fetcher.RefusedURL):
        fetcher.StaticFilesFetcher().fetch(url)


def test_the_fetcher_serves_the_stylesheet_and_the_bundled_fonts():
    css = fetcher.StaticFilesFetcher().fetch("parallelstatic:coordination/pdf.css")
    assert b"@page" in css.read() and css.content_type == "text/css"
    font = fetcher.StaticFilesFetcher().fetch("parallelstatic:coordination/fonts/DejaVuSans.ttf")
    assert font.read()[:4] == b"\x00\x01\x00\x00" and font.content_type == "font/ttf"


def test_weasyprint_loads_through_the_fetcher_only(tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("@page { @top-left { content: 'LEAKED' } }")
    html = f"""<html><head>
      <link rel="stylesheet" href="{fetcher.static_url("coordination/pdf.css")}">
      <link rel="stylesheet" href="file://{secret}">
    </head><body><p class="subject">Ref-1</p><img src="file:///etc/hostname"><img src="http://127.0.0.1:9/x.png">
    </body></html>"""
    pdf, pages = render.html_to_pdf(html)
    text = pages_text(pdf)[0]
    assert MARKING in text and "Page 1 of 1" in text  # our stylesheet came through the fetcher
    assert "LEAKED" not in text  # the local file did not


def test_output_does_not_depend_on_the_hosts_fonts(tmp_path, busy_case):
    """Rendered in a process whose fontconfig knows no fonts at all, the file is typeset the same."""
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f"<cachedir>{tmp_path}/cache</cachedir></fontconfig>")  # fmt: skip
    html, _ = render.case_html(user=busy_case.manager, case=busy_case.case, prepared_at=NOW)
    (tmp_path / "summary.html").write_text(html)
    script = (
        "import os, sys, django; django.setup()\n"
        "from coordination.summaries.render import html_to_pdf\n"
        f"pdf, pages = html_to_pdf(open({str(tmp_path / 'summary.html')!r}).read())\n"
        "sys.stdout.buffer.write(pdf)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "FONTCONFIG_FILE": str(conf), "DJANGO_SETTINGS_MODULE": "coordination.settings",
           "PYTHONPATH": str(REPO_ROOT), "VAR_DIR": str(tmp_path / "var"), "HOME": str(tmp_path)}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    here, _ = render.html_to_pdf(html)
    assert result.stdout == here  # the same bytes: the same fonts, subset the same way


# --- The job: claims, failures, the sweep ----------------------------------------------------------


def test_a_summary_is_claimed_once_and_a_dead_workers_claim_is_taken_over(busy_case):
    summary = summary_services.summary_request(actor=busy_case.manager, case=busy_case.case)
    now = timezone.now()
    PdfSummary.objects.filter(pk=summary.pk).update(status="rendering", started_at=now, attempts=1,
                                                    lease_expires_at=now + jobs.claim_lease())  # fmt: skip
    assert jobs.run(summary.pk) == "skipped"  # a live lease: another worker is rendering it

    PdfSummary.objects.filter(pk=summary.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert jobs.run(summary.pk) == "ready"  # the worker died: its lease lapsed, and the re-sent task redoes it
    assert jobs.run(summary.pk) == "skipped"  # a duplicate message finds nothing to do

    summary.refresh_from_db()
    assert summary.attempts == 2
    data = summary.file.read()
    assert summary.sha256 == hashlib.sha256(data).hexdigest() and summary.size == len(data)
    assert summary.pages == len(PdfReader(io.BytesIO(data)).pages)
    assert summary.template_version == TEMPLATE_VERSION and summary.finished_at
    assert summary.data_as_of == content.latest_case_change(user=busy_case.manager, case=busy_case.case)
    assert summary.file.name.endswith(f"{summary.pk}-{summary.sha256}.pdf")
    notification = Notification.objects.get(user=busy_case.manager, kind="summary")
    assert notification.case == busy_case.case and "ready" in notification.message


def test_a_failed_render_records_a_short_reason_without_case_data(busy_case, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("Template blew up near Ada Example, NHS 9990000018")

    monkeypatch.setattr(render, "render_case", explode)
    summary = summary_services.summary_request(actor=busy_case.manager, case=busy_case.case)
    assert jobs.run(summary.pk) == "failed"
    summary.refresh_from_db()
    assert summary.status == "failed" and summary.failure_reason == "Rendering failed (RuntimeError)."
    assert not summary.file and summary.finished_at
    assert "could not be prepared" in Notification.objects.get(user=busy_case.manager).message
    assert jobs.run(summary.pk) == "skipped"  # not retried

    def too_slow(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(render, "render_case", too_slow)
    slow = summary_services.summary_request(actor=busy_case.manager, case=busy_case.case)
    assert jobs.run(slow.pk) == "failed"
    slow.refresh_from_db()
    assert slow.failure_reason == "It took longer than the 60 seconds allowed."


def test_a_reader_who_lost_access_gets_a_failure_not_a_file(busy_case):
    grants.grant(actor=busy_case.manager, case=busy_case.case, scope="case", user=busy_case.outsider, reason="Brief.")
    summary = summary_services.summary_request(actor=busy_case.outsider, case=busy_case.case)
    busy_case.outsider.is_active = False  # left the organisation before the worker got to it
    busy_case.outsider.save()
    assert jobs.run(summary.pk) == "failed"
    summary.refresh_from_db()
    assert summary.failure_reason == "You may no longer see what it would show, so nothing was rendered."


def test_the_sweep_resends_lost_work_and_gives_up_on_old_work(busy_case, monkeypatch):
    sent = []
    monkeypatch.setattr(jobs, "enqueue", sent.append)
    manager = busy_case.manager
    fresh = summary_services.summary_request(actor=manager, case=busy_case.case)
    lost = PdfSummary.objects.create(kind="case", case=busy_case.case, requested_by=manager,
                                     requested_at=timezone.now() - dt.timedelta(minutes=6))  # fmt: skip
    now = timezone.now()
    three_minutes_ago = now - dt.timedelta(minutes=3)
    dead = PdfSummary.objects.create(kind="case", case=busy_case.case, requested_by=manager, status="rendering",
                                     requested_at=three_minutes_ago, started_at=three_minutes_ago, attempts=1,
                                     lease_expires_at=now - dt.timedelta(seconds=1))  # fmt: skip
    # Started as long ago, but its worker is alive and renewing: however long it takes, it is left alone.
    alive = PdfSummary.objects.create(kind="case", case=busy_case.case, requested_by=manager, status="rendering",
                                      requested_at=three_minutes_ago, started_at=three_minutes_ago, attempts=1,
                                      lease_expires_at=now + jobs.claim_lease())  # fmt: skip
    old = PdfSummary.objects.create(kind="case", case=busy_case.case, requested_by=manager,
                                    requested_at=timezone.now() - dt.timedelta(minutes=31))  # fmt: skip
    result = jobs.sweep()
    assert sorted(sent) == sorted([lost.pk, dead.pk]) and fresh.pk not in sent and alive.pk not in sent
    assert (result.resent, result.given_up, result.stopped_too_often) == (2, 1, 0)
    alive.refresh_from_db()
    assert alive.status == "rendering"
    old.refresh_from_db()
    assert old.status == "failed" and "30 minutes" in old.failure_reason


def _heartbeats() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("pdf-summary-")]


def _run_on_its_own_connection(summary_pk: int, outcome: list):
    """jobs.run in a thread of the test's, as a worker would run it; the thread's connection closed after."""
    try:
        outcome.append(jobs.run(summary_pk))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)  # committed, so the heartbeat's own connection sees the claim
def test_a_live_renders_lease_is_renewed_until_the_render_ends(busy_case, settings, monkeypatch):
    """The render blocks (one long WeasyPrint call) for more than two leases: the heartbeat keeps the lease ahead
    all the while, so neither a second worker nor the sweep takes it over; when it ends, the heartbeat stops."""
    settings.PDF_CLAIM_LEASE_SECONDS = 1.5  # renewed every half second
    sent = []
    monkeypatch.setattr(jobs, "enqueue", sent.append)
    began, release = threading.Event(), threading.Event()
    real_html_to_pdf = render.html_to_pdf

    def blocking(html):
        began.set()
        assert release.wait(60), "the test never let the render finish"
        return real_html_to_pdf(html)

    monkeypatch.setattr(render, "html_to_pdf", blocking)
    summary = summary_services.summary_request(actor=busy_case.manager, case=busy_case.case)
    outcome = []
    worker = threading.Thread(target=_run_on_its_own_connection, args=(summary.pk, outcome))
    worker.start()
    try:
        assert began.wait(30), "the render did not start"
        [heartbeat] = _heartbeats()
        claimed = PdfSummary.objects.get(pk=summary.pk)
        lease = dt.timedelta(seconds=1.5)
        assert claimed.lease_expires_at == claimed.started_at + lease and claimed.attempts == 1
        leases, deadline = {claimed.lease_expires_at}, time.monotonic() + 30
        while timezone.now() < claimed.started_at + 2 * lease or len(leases) < 4:
            row = PdfSummary.objects.get(pk=summary.pk)
            assert row.status == "rendering" and row.started_at == claimed.started_at
            assert row.lease_expires_at > timezone.now(), "a live render's lease lapsed"
            leases.add(row.lease_expires_at)
            assert time.monotonic() < deadline, f"the lease was renewed only {len(leases) - 1} times in 30 s"
            time.sleep(0.05)
        assert jobs.run(summary.pk) == "skipped"  # a second worker finds the claim live
        assert jobs.sweep().resent == 0 and sent == [summary.pk]  # only the request's own message
    finally:
        release.set()
        worker.join(30)
    assert outcome == ["ready"]
    assert not heartbeat.is_alive()  # stopped before run() returned
    summary.refresh_from_db()
    assert summary.status == "ready" and summary.attempts == 1


@pytest.mark.django_db(transaction=True)  # committed, so each thread's own connection sees the others' writes
def test_a_lapsed_lease_is_taken_over_and_the_old_run_neither_renews_nor_stores(busy_case, settings, monkeypatch):
    """A worker stalls (its heartbeat renews nothing) until its lease lapses: the sweep sends the render again and
    another run takes it over. When the stalled one comes back, its heartbeat finds the claim is no longer its own
    and stops, and its render, finishing later, stores nothing: the summary is the new run's."""
    settings.PDF_CLAIM_LEASE_SECONDS = 1.5
    sent = []
    monkeypatch.setattr(jobs, "enqueue", sent.append)
    began, release, stalled = threading.Event(), threading.Event(), threading.Event()
    real_html_to_pdf, real_renew = render.html_to_pdf, jobs._Heartbeat._renew
    first: dict = {}

    def blocking_the_first(html):
        if threading.current_thread() is first["worker"]:
            began.set()
            assert release.wait(60), "the test never let the render finish"
        return real_html_to_pdf(html)

    def renew(heartbeat):
        if stalled.is_set() and heartbeat.started_at == first.get("started_at"):
            return True  # stalled: nothing reaches the database, and the thread carries on
        return real_renew(heartbeat)

    monkeypatch.setattr(render, "html_to_pdf", blocking_the_first)
    monkeypatch.setattr(jobs._Heartbeat, "_renew", renew)
    summary = summary_services.summary_request(actor=busy_case.manager, case=busy_case.case)
    outcome = []
    first["worker"] = threading.Thread(target=_run_on_its_own_connection, args=(summary.pk, outcome))
    first["worker"].start()
    try:
        assert began.wait(30), "the render did not start"
        [old_heartbeat] = _heartbeats()
        first["started_at"] = PdfSummary.objects.get(pk=summary.pk).started_at
        stalled.set()
        deadline = time.monotonic() + 10
        while PdfSummary.objects.get(pk=summary.pk).lease_expires_at >= timezone.now():
            assert time.monotonic() < deadline, "the stalled run's lease did not lapse"
            time.sleep(0.05)
        lapsed_at = PdfSummary.objects.get(pk=summary.pk).lease_expires_at

        assert jobs.sweep().resent == 1 and sent == [summary.pk, summary.pk]
        assert jobs.run(summary.pk) == "ready"  # the re-sent render, taken over
        summary.refresh_from_db()
        assert summary.status == "ready" and summary.attempts == 2 and summary.started_at >= lapsed_at

        stalled.clear()  # the old run comes back: its next renewal finds another run's claim
        old_heartbeat.join(10)
        assert not old_heartbeat.is_alive()
    finally:
        release.set()
        first["worker"].join(30)
    assert outcome == ["skipped"]  # its file is not stored over the new run's
    stored = PdfSummary.objects.get(pk=summary.pk)
    assert (stored.sha256, stored.file.name, stored.finished_at) == (summary.sha256, summary.file.name,
                                                                     summary.finished_at)  # fmt: skip
    assert Notification.objects.filter(user=busy_case.manager, kind="summary").count() == 1


@pytest.mark.parametrize("error", [SoftTimeLimitExceeded(), RuntimeError("Cairo said no"), None])
def test_the_heartbeat_stops_however_the_render_ends(busy_case, monkeypatch, error):
    seen = []
    real_html_to_pdf = render.html_to_pdf

    def watched(html):
        seen.extend(_heartbeats())
        if error is not None:
            raise error
        return real_html_to_pdf(html)

    monkeypatch.setattr(render, "html_to_pdf", watched)
    summary = summary_services.summary_request(actor=busy_case.manager, case=busy_case.case)
    assert jobs.run(summary.pk) == ("ready" if error is None else "failed")
    assert len(seen) == 1 and not seen[0].is_alive() and not _heartbeats()


class Killed(BaseException):
    """What a worker's death looks like from inside run(): nothing after it runs (the hard time limit, say)."""


def test_a_render_whose_worker_keeps_dying_fails_after_three_starts(busy_case, monkeypatch):
    sent = []
    monkeypatch.setattr(jobs, "enqueue", sent.append)

    def killed(summary, prepared_at):
        raise Killed()

    monkeypatch.setattr(jobs, "_render", killed)
    summary = summary_services.summary_request(actor=busy_case.manager, case=busy_case.case)
    for start in range(1, jobs.MAX_ATTEMPTS + 1):
        with pytest.raises(Killed):
            jobs.run(summary.pk)
        summary.refresh_from_db()
        assert summary.status == "rendering" and summary.attempts == start
        # The dead worker's lease lapses; the sweep sends it again until its starts are used up.
        PdfSummary.objects.filter(pk=summary.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
        result = jobs.sweep()
        assert (result.resent, result.stopped_too_often) == ((1, 0) if start < jobs.MAX_ATTEMPTS else (0, 1))
    summary.refresh_from_db()
    assert summary.status == "failed" and summary.failure_reason == jobs.STOPPED_TOO_OFTEN
    assert "started 3 times" in summary.failure_reason and summary.finished_at
    assert summary.failure_reason in Notification.objects.get(user=busy_case.manager, kind="summary").message
    assert jobs.run(summary.pk) == "skipped"

    # A message that arrives for one whose starts are used up fails it there and then, without starting it again.
    used_up = PdfSummary.objects.create(
        kind="case", case=busy_case.case, requested_by=busy_case.manager, requested_at=timezone.now(),
        status="rendering", started_at=timezone.now(), attempts=jobs.MAX_ATTEMPTS,
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1),
    )  # fmt: skip
    assert jobs.run(used_up.pk) == "failed"
    used_up.refresh_from_db()
    assert used_up.failure_reason == jobs.STOPPED_TOO_OFTEN and used_up.attempts == jobs.MAX_ATTEMPTS


@pytest.mark.parametrize("lease", ["0", "2", "91"])
def test_settings_refuse_a_lease_too_short_to_renew_or_longer_than_the_time_limit(tmp_path, lease):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coordination.settings", "VAR_DIR": str(tmp_path),
           "PDF_TASK_TIME_LIMIT": "90", "PDF_CLAIM_LEASE_SECONDS": lease}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True,
                          text=True, timeout=60, cwd=REPO_ROOT)  # fmt: skip
    assert done.returncode != 0
    assert "PDF_CLAIM_LEASE_SECONDS must be at least 3 and at most PDF_TASK_TIME_LIMIT" in done.stderr


def test_one_summary_at_a_time_per_person_and_case(busy_case):
    summary_services.summary_request(actor=busy_case.manager, case=busy_case.case)
    with pytest.raises(ValidationError):
        summary_services.summary_request(actor=busy_case.manager, case=busy_case.case)


def test_requesting_sends_the_render_to_the_pdf_queue_on_commit(busy_case, monkeypatch,
                                                                 django_capture_on_commit_callbacks):  # fmt: skip
    from coordination import tasks

    calls = []
    monkeypatch.setattr(tasks.render_summary, "apply_async", lambda **kwargs: calls.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        summary = summary_services.summary_request(actor=busy_case.manager, case=busy_case.case)
        assert calls == []  # nothing leaves before the commit
    [sent] = calls
    assert sent["args"] == [summary.pk] and sent["queue"] == "pdf"
    assert sent["retry"] is False  # one try: a broker that is down must not hold the request (the sweep resends)
    entry = AuditEntry.objects.get(action="create", object_type="coordination.pdfsummary")
    assert entry.object_label == busy_case.case.reference


def test_the_task_carries_the_time_limits_and_its_route(settings):
    from coordination.tasks import render_summary

    assert render_summary.soft_time_limit == settings.PDF_TASK_SOFT_TIME_LIMIT
    assert render_summary.time_limit == settings.PDF_TASK_TIME_LIMIT > settings.PDF_TASK_SOFT_TIME_LIMIT
    assert render_summary.acks_late
    assert settings.CELERY_TASK_ROUTES[render_summary.name]["queue"] == settings.PDF_QUEUE == "pdf"
    assert "sweep-pdf-summaries" in settings.CELERY_BEAT_SCHEDULE


# --- The pages -------------------------------------------------------------------------------------


def _ready_summary(user, case) -> PdfSummary:
    summary = summary_services.summary_request(actor=user, case=case)
    assert jobs.run(summary.pk) == "ready"
    summary.refresh_from_db()
    return summary


def test_the_case_page_asks_for_a_summary_and_lists_the_users_own(client, sign_in, busy_case,
                                                                  django_capture_on_commit_callbacks):  # fmt: skip
    sign_in(client, busy_case.manager)
    page = client.get(reverse("case-detail", args=[busy_case.case.reference])).content.decode()
    assert "Case summary (PDF)" in page and reverse("case-summary-request", args=[busy_case.case.reference]) in page
    script = f'src="{static("coordination/summaries.js")}"'
    assert script not in page  # no summaries yet, nothing to follow

    response = client.post(reverse("case-summary-request", args=[busy_case.case.reference]))
    assert response.status_code == 302 and response["Location"].endswith("#pdf-summaries")
    summary = PdfSummary.objects.get(requested_by=busy_case.manager)
    page = client.get(reverse("case-detail", args=[busy_case.case.reference])).content.decode()
    assert f'id="summary-{summary.pk}" data-status="queued"' in page and script in page
    assert "Refresh the page" in page  # without JavaScript, a refresh shows the state

    status = client.get(reverse("summary-status", args=[summary.pk])).json()
    assert status["status"] == "queued" and status["final"] is False

    jobs.run(summary.pk)
    status = client.get(reverse("summary-status", args=[summary.pk])).json()
    assert status["status"] == "ready" and status["final"] is True
    assert reverse("summary-download", args=[summary.pk]) in status["html"]
    page = client.get(reverse("case-detail", args=[busy_case.case.reference])).content.decode()
    assert "Download PDF" in page and "older than the latest change" not in page

    # Someone else who may see the case does not see this person's summary.
    sign_in(client, busy_case.agency_user)
    page = client.get(reverse("case-detail", args=[busy_case.case.reference])).content.decode()
    assert f"summary-{summary.pk}" not in page


def test_a_summary_older_than_the_latest_change_says_so(client, sign_in, busy_case):
    summary = _ready_summary(busy_case.manager, busy_case.case)
    sign_in(client, busy_case.manager)
    url = reverse("case-detail", args=[busy_case.case.reference])
    assert "older than the latest change to the case" not in client.get(url).content.decode()

    rapid = busy_case.processes[1]
    rapid.refresh_from_db()
    next_stage = rapid.kind_def.next_stages(rapid.stage)[0].key
    services.process_move(actor=busy_case.manager, process=rapid, to_stage=next_stage, expected_stage=rapid.stage)
    assert "older than the latest change to the case" in client.get(url).content.decode()
    status = client.get(reverse("summary-status", args=[summary.pk])).json()
    assert "older than the latest change" in status["html"]


def test_only_the_requester_downloads_and_each_download_is_audited(client, sign_in, busy_case):
    summary = _ready_summary(busy_case.manager, busy_case.case)
    url = reverse("summary-download", args=[summary.pk])
    sign_in(client, busy_case.manager)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and busy_case.case.reference in response["Content-Disposition"]
    )
    assert "no-store" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(response.content).hexdigest() == summary.sha256
    entry = AuditEntry.objects.get(action="download", actor=busy_case.manager)
    assert entry.object_label == busy_case.case.reference and entry.changes["sha256"] == summary.sha256

    for other in (busy_case.agency_user, busy_case.outsider):  # on the case, or not: neither asked for it
        sign_in(client, other)
        assert client.get(url).status_code == 404
        assert client.get(reverse("summary-status", args=[summary.pk])).status_code == 404
    assert AuditEntry.objects.filter(action="download").count() == 1


def test_an_outsider_can_neither_ask_for_nor_follow_a_summary(client, sign_in, busy_case):
    summary = _ready_summary(busy_case.manager, busy_case.case)
    sign_in(client, busy_case.outsider)
    response = client.post(reverse("case-summary-request", args=[busy_case.case.reference]))
    assert response.status_code == 404 and busy_case.case.reference not in response.content.decode()
    assert not PdfSummary.objects.filter(requested_by=busy_case.outsider).exists()
    for name in ("summary-status", "summary-download"):
        assert client.get(reverse(name, args=[summary.pk])).status_code == 404


def test_a_requester_who_loses_the_case_loses_the_download(client, sign_in, busy_case):
    grants.grant(actor=busy_case.manager, case=busy_case.case, scope="case", user=busy_case.outsider, reason="Brief.")
    summary = _ready_summary(busy_case.outsider, busy_case.case)
    sign_in(client, busy_case.outsider)
    assert client.get(reverse("summary-download", args=[summary.pk])).status_code == 200
    CaseUserObjectPermission.objects.filter(user=busy_case.outsider).update(expires_at=timezone.now())
    assert client.get(reverse("summary-download", args=[summary.pk])).status_code == 404


def test_a_stored_file_that_no_longer_matches_its_hash_is_not_handed_out(client, sign_in, busy_case):
    summary = _ready_summary(busy_case.manager, busy_case.case)
    Path(summary.file.path).write_bytes(b"%PDF-1.7 something else")
    with pytest.raises(summary_services.StoredFileDoesNotMatch):
        summary_services.download(actor=busy_case.manager, pk=summary.pk)


def test_the_register_page_offers_the_register_as_a_pdf(client, sign_in, sharing_world):
    sw = sharing_world
    factories.submitted_request(sw)
    sign_in(client, sw.investigator)
    page = client.get(reverse("sharing-register")).content.decode()
    assert (
        "Sharing register (PDF)" in page and reverse("organisation-summary-request", args=["sharing_register"]) in page
    )
    assert client.post(reverse("organisation-summary-request", args=["sharing_register"])).status_code == 302
    summary = PdfSummary.objects.get(requested_by=sw.investigator)
    assert summary.kind == "sharing_register" and summary.organisation == sw.iopc
    jobs.run(summary.pk)
    assert client.get(reverse("summary-download", args=[summary.pk])).status_code == 200
    # Another organisation's id is refused as if it did not exist.
    response = client.post(
        reverse("organisation-summary-request", args=["sharing_register"]), {"organisation": sw.world.council.pk}
    )
    assert response.status_code == 404


def test_notifications_link_to_the_summaries(client, sign_in, busy_case, sharing_world):
    _ready_summary(busy_case.manager, busy_case.case)
    sign_in(client, busy_case.manager)
    page = client.get(reverse("notifications")).content.decode()
    assert reverse("case-detail", args=[busy_case.case.reference]) + "#pdf-summaries" in page


def test_a_member_of_two_organisations_chooses_which_register(client, sign_in, sharing_world):
    sw = sharing_world
    both = member(sw.iopc, "iopc_investigator", username="both")
    Membership.objects.create(user=both, organisation=sw.world.council, role="agency_representative")
    sign_in(client, both)
    page = client.get(reverse("sharing-register")).content.decode()
    assert 'name="organisation"' in page
    client.post(
        reverse("organisation-summary-request", args=["sharing_register"]), {"organisation": sw.world.council.pk}
    )
    assert PdfSummary.objects.get(requested_by=both).organisation == sw.world.council
    with pytest.raises(ValidationError):  # one at a time
        summary_services.organisation_document_request(
            actor=both, organisation=sw.world.council, kind="sharing_register"
        )
