"""End-to-end checks in a real browser: Debian's Chromium driven by Playwright against pytest-django's live server.

They cover what only a browser shows: that the pages link up, that forms post and redirect, that a refused
move keeps what was typed, and that the history on the case page is inside a <details> that opens.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import browser as browser_steps
from tests.factories import add_process

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LCSPR_LABEL = "Local child safeguarding practice review"


def sign_in(page, username):
    """Sign in, then go on from the deadlines dashboard to the case list, one click away."""
    browser_steps.sign_in(page, username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.get_by_role("heading", name="Cases", level=1)).to_be_visible()


def full_name(user):
    return user.get_full_name() or user.username


def test_manager_moves_an_lcspr_on_and_the_history_shows_it(world, page):
    lcspr = add_process(world, "lcspr")
    assert lcspr.stage_label == "Commissioning"
    reference = world.case.reference
    note = "Dr Example appointed by the partners on Tuesday."
    entry_text = "Moved from “Commissioning” to “Reviewer appointed”"

    sign_in(page, "manager")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))
    expect(row).to_contain_text(world.case.pseudonym)
    row.get_by_role("link", name=reference).click()

    expect(page).to_have_url(re.compile(rf"/cases/{reference}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    card = page.locator(f"#process-{lcspr.pk}")
    expect(card).to_contain_text("Commissioning")
    card.get_by_role("link", name=LCSPR_LABEL).click()

    expect(page).to_have_url(re.compile(rf"/cases/{reference}/processes/{lcspr.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(LCSPR_LABEL)
    page.get_by_label("Move to", exact=True).select_option(label="Reviewer appointed")
    page.get_by_label("Why, or what happened").fill(note)
    page.get_by_role("button", name="Move to stage").click()

    expect(page).to_have_url(re.compile(rf"/cases/{reference}/processes/{lcspr.pk}/$"))
    expect(page.get_by_role("status")).to_have_text("LCSPR moved on.")
    current = page.locator(".summary-list > div").filter(has_text="Current stage")
    expect(current.locator("dd strong")).to_have_text("Reviewer appointed")
    history = page.get_by_role("region", name="History")
    entry = history.get_by_role("listitem").filter(has_text=entry_text)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(f"by {full_name(world.manager)}")
    expect(entry).to_contain_text(note)
    page.screenshot(path="/tmp/parallel-e2e-process.png", full_page=True)

    page.get_by_role("link", name=f"Back to {reference}").click()
    expect(page).to_have_url(re.compile(rf"/cases/{reference}/$"))
    card = page.locator(f"#process-{lcspr.pk}")
    expect(card).to_contain_text("Reviewer appointed")
    card_entry = card.get_by_role("listitem").filter(has_text=entry_text)
    expect(card_entry).to_be_hidden()  # the history starts folded away
    card.locator("summary", has_text="History").click()
    expect(card_entry).to_be_visible()
    expect(card_entry).to_contain_text(f"by {full_name(world.manager)}")
    expect(card_entry).to_contain_text(note)
    page.screenshot(path="/tmp/parallel-e2e-case.png", full_page=True)


def test_a_move_the_kind_does_not_allow_is_refused_with_why_and_keeps_what_was_typed(world, page):
    lcspr = add_process(world, "lcspr")
    note = "The chair wants it out before the inquest."

    sign_in(page, "manager")
    page.goto(f"/cases/{world.case.reference}/processes/{lcspr.pk}/")
    move_to = page.get_by_label("Move to", exact=True)
    others = move_to.locator("optgroup[label='Other stages (not allowed from here)'] option")
    expect(others.filter(has_text=re.compile(r"^Published$"))).to_have_count(1)
    move_to.select_option("published")
    page.get_by_label("Why, or what happened").fill(note)
    page.get_by_role("button", name="Move to stage").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("cannot move from “Commissioning” to “Published”")
    expect(summary).to_contain_text("Publication comes after the final report is agreed")
    expect(page.get_by_label("Why, or what happened")).to_have_value(note)
    expect(page.get_by_label("Move to", exact=True)).to_have_value("published")

    lcspr.refresh_from_db()
    assert lcspr.stage == "commissioning"
    assert lcspr.stage_changes.count() == 1


def test_manager_opens_a_case_and_a_wrong_date_is_refused_keeping_the_form(world, page):
    today = timezone.localdate()
    incident = today - dt.timedelta(days=10)
    expected_reference = f"{world.partnership.code}-{timezone.localtime().year}-002"

    sign_in(page, "manager")
    page.get_by_role("link", name="Open a case").click()
    expect(page.get_by_role("heading", name="Open a case")).to_be_visible()
    page.get_by_label("Pseudonym").fill("Child R")
    page.get_by_role("group", name="Incident type").get_by_label("Serious harm").check()
    page.get_by_label("Date of the incident").fill(incident.isoformat())
    page.get_by_label("Date the local authority became aware").fill((incident - dt.timedelta(days=2)).isoformat())
    page.get_by_label("Summary").fill("A fictional incident, for the browser test.")
    page.get_by_role("button", name="Open case").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "The local authority cannot have become aware before the incident happened."
    )
    expect(page.get_by_label("Pseudonym")).to_have_value("Child R")
    expect(page.get_by_role("group", name="Incident type").get_by_label("Serious harm")).to_be_checked()

    page.get_by_label("Date the local authority became aware").fill((incident + dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Open case").click()

    expect(page).to_have_url(re.compile(rf"/cases/{expected_reference}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(expected_reference)
    expect(page.get_by_role("status")).to_have_text(f"Case {expected_reference} opened for Child R.")
