"""In Chromium: a partnership manager asks for a case summary, watches it go from queued to ready without
reloading the page (summaries.js polling the JSON status, allowed by the Content-Security-Policy), and downloads it.
The render itself is run here by the plain function, as the pdf worker would."""

import re

import pytest
from playwright.sync_api import expect

from coordination.models import PdfSummary
from coordination.summaries import jobs
from tests.browser import sign_in
from tests.factories import add_process

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_case_page_follows_a_summary_to_ready_without_a_reload(world, page):
    add_process(world, "rapid_review", opened_on=world.case.la_aware_date)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    sign_in(page, "manager")
    page.goto(f"/cases/{world.case.reference}/")
    page.get_by_role("button", name="Prepare a case summary (PDF)").click()

    section = page.locator("#pdf-summaries")
    summary = PdfSummary.objects.get(requested_by=world.manager)
    row = section.locator(f"#summary-{summary.pk}")
    expect(row).to_contain_text("Queued")
    page.evaluate("window.notReloaded = true")

    assert jobs.run(summary.pk) == "ready"  # what the pdf worker does
    expect(row.get_by_role("link", name="Download PDF")).to_be_visible()
    expect(row).to_contain_text("Ready")
    expect(section.get_by_role("status")).to_have_text("Your PDF is ready to download.")
    assert page.evaluate("window.notReloaded") is True

    with page.expect_download() as download:
        row.get_by_role("link", name="Download PDF").click()
    assert re.fullmatch(rf"case-summary-{world.case.reference}-[\d-]+\.pdf", download.value.suggested_filename)
    assert not [text for text in problems if "Content Security Policy" in text or "Refused" in text], problems
