"""An information-sharing request end to end in Chromium: an IOPC investigator raises and submits it, the
council's partnership manager acknowledges, considers and decides it, attaches a document and logs the
disclosure, the investigator acknowledges receipt, and both organisations' registers show it disclosed."""

import re

import pytest
from playwright.sync_api import expect

from sharing.models import Disclosure, SharingRequest
from tests.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def status_tag(page):
    return page.get_by_role("heading", level=1).locator(".tag")


def test_an_iopc_request_is_raised_answered_disclosed_and_acknowledged_in_the_browser(sharing_world, new_page):
    world = sharing_world.world
    case = world.case
    council = world.council.name

    # The investigator raises the request from the case page and submits it.
    investigator = new_page()
    sign_in(investigator, "investigator")
    investigator.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    investigator.get_by_role("link", name=case.reference).click()
    investigator.get_by_role("link", name="New information request").click()
    expect(investigator.get_by_role("heading", level=1)).to_contain_text("New information request")
    form = investigator.locator("main form")
    form.get_by_label("Organisation asked").select_option(label=council)
    form.get_by_label("Specific items requested").fill("Social care chronology, Jan to Jun 2026: contact history.")
    form.get_by_role("group", name="Whose information").get_by_label("The child").check()
    form.get_by_label("Function it serves").fill("IOPC independent investigation")
    form.get_by_label("Question it will answer").fill("What did the force know of the family?")
    form.get_by_role("group", name="Statutory gateway").get_by_label("Police Reform Act 2002").check()
    form.get_by_role("group", name="UK GDPR Article 6 lawful basis").get_by_label("public task").check()
    form.get_by_label("Necessity and proportionality").fill("Only the months before the death.")
    form.get_by_label("Not sought").check()
    form.get_by_label("Reason for the consent position").fill("Asking could prejudice the investigation.")
    form.get_by_role("group", name="Have the people concerned been told?").get_by_label("Not informed").check()
    form.get_by_label("Reason for telling or not telling them").fill("Risk to the investigation.")
    investigator.get_by_role("button", name="Save and submit").click()

    sharing_request = SharingRequest.objects.get()
    reference = sharing_request.reference
    expect(investigator).to_have_url(re.compile(rf"/sharing/requests/{reference}/$"))
    expect(investigator.get_by_role("status")).to_contain_text(f"{reference} submitted to")
    expect(status_tag(investigator)).to_have_text("Submitted")
    expect(investigator.get_by_role("note", name="Handling marking")).to_contain_text("OFFICIAL-SENSITIVE")
    expect(investigator.locator("#deadline + dl")).to_contain_text("Respond by")

    # The council's partnership manager finds it in the inbox and answers it.
    manager = new_page()
    sign_in(manager, "manager")
    manager.get_by_role("navigation", name="Main").get_by_role("link", name="Information sharing").click()
    expect(manager.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    manager.get_by_role("link", name=reference).click()
    manager.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(status_tag(manager)).to_have_text("Acknowledged")
    manager.get_by_role("button", name="Start considering").click()
    expect(status_tag(manager)).to_have_text("Under consideration")
    manager.get_by_role("link", name="Record the decision").click()
    manager.get_by_role("radio", name="Share in full").check()
    manager.get_by_label("Conditions on use and onward disclosure").fill("Not for publication.")
    manager.get_by_role("button", name="Record the decision").click()
    expect(status_tag(manager)).to_have_text("Decided")
    expect(manager.locator(".decision")).to_contain_text("Share in full")

    # The manager attaches the chronology to the request and logs that it was sent.
    manager.get_by_role("link", name="Upload a document").click()
    manager.get_by_label("Title").fill("Social care chronology")
    manager.get_by_label("File").set_input_files(
        files=[{"name": "chronology.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    manager.get_by_role("button", name="Upload").click()
    expect(manager.get_by_role("status")).to_contain_text("uploaded")
    manager.goto(f"/sharing/requests/{reference}/")
    manager.get_by_role("link", name="Log a disclosure").click()
    manager.get_by_role("group", name="Documents sent").get_by_label(re.compile("Social care chronology, v1")).check()
    manager.get_by_role("group", name="How it was sent").get_by_label("Through Parallel").check()
    manager.get_by_role("button", name="Log the disclosure").click()
    expect(status_tag(manager)).to_have_text("Disclosed")
    disclosure = Disclosure.objects.get()
    sha256 = disclosure.versions.get().sha256
    expect(manager.locator(f"#disclosure-{disclosure.pk}")).to_contain_text(sha256)

    # The investigator sees what was sent, by its SHA-256, and acknowledges receipt.
    investigator.reload()
    log = investigator.locator(f"#disclosure-{disclosure.pk}")
    expect(log).to_contain_text(sha256)
    log.get_by_role("button", name="Acknowledge receipt").click()
    expect(investigator.get_by_role("status")).to_contain_text("Receipt acknowledged")
    expect(investigator.locator(f"#disclosure-{disclosure.pk}")).to_contain_text("Receipt acknowledged")

    # Both organisations' registers list it as disclosed.
    for page in (investigator, manager):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Information sharing").click()
        page.get_by_role("navigation", name="Information sharing").get_by_role("link", name="Register").click()
        row = page.locator(f"#request-{reference}")
        expect(row).to_contain_text("Disclosed")
        expect(row).to_contain_text("Share in full")
    manager.screenshot(path="/tmp/parallel-e2e-sharing-register.png", full_page=True)
    investigator.goto(f"/sharing/requests/{reference}/")
    investigator.screenshot(path="/tmp/parallel-e2e-sharing-request.png", full_page=True)
