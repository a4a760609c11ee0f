"""Correcting when a clock started, in a real browser: the link on the milestone, the form, and the worked-out
date and its explanation on the process page afterwards."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coordination import services
from coordination.models import Milestone
from tests import browser as browser_steps
from tests.factories import open_case, test_rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = dt.date


def test_a_manager_corrects_the_start_of_a_clock_and_sees_the_date_worked_out_again(world, page, monkeypatch):
    """5 working days after Tue 6 Jul 2027 fall on Tue 13 Jul; the awareness date corrected to Fri 9 Jul, on Fri 16
    Jul (12, 13, 14, 15, 16 Jul)."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2027, 9, 1))
    test_rule(amount=5, milestone="Notification to the Panel")
    case = open_case(manager=world.manager, partnership=world.partnership, pseudonym="Child B",
                     incident_date=D(2027, 7, 5), la_aware_date=D(2027, 7, 6))  # fmt: skip
    process = services.process_add(actor=world.manager, case=case, kind="serious_incident_notification",
                                   owner=world.council, opened_on=D(2027, 7, 6))  # fmt: skip
    milestone = Milestone.objects.get(process=process, rule__code="T1")

    browser_steps.sign_in(page, "manager")
    page.goto(f"/cases/{case.reference}/processes/{process.pk}/")
    row = page.locator(f"#milestone-{milestone.pk}")
    expect(row).to_contain_text("Tue 13 Jul 2027")
    row.get_by_role("link", name="Correct start").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Correct when its clock started")
    page.get_by_label("The date its clock really started").fill("2027-07-09")
    page.get_by_label("Why is the date being corrected?").fill("The referral was logged three days late.")
    page.get_by_role("button", name="Correct when its clock started").click()

    expect(page).to_have_url(re.compile(rf"/cases/{case.reference}/processes/{process.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("Start date corrected")
    row = page.locator(f"#milestone-{milestone.pk}")
    expect(row).to_contain_text("Fri 16 Jul 2027")
    row.get_by_text("How this date was reached").click()
    expect(row).to_contain_text("5 working days after Fri 9 Jul 2027 (local authority aware)")
    expect(row).to_contain_text(
        "Trigger date corrected: 13 Jul 2027 → 16 Jul 2027. Local authority aware corrected from 6 Jul 2027 to "
        "9 Jul 2027. The referral was logged three days late."
    )
