"""Steps the browser tests share: signing in as a person would."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.factories import PASSWORD, authenticator, totp_code


def sign_in(page, username):
    """Sign in with password and second factor; done once the deadlines dashboard, where signing in lands, shows."""
    # Enrolled beforehand, as a returning user would be; the code is the one their app would show.
    device = authenticator(get_user_model().objects.get(username=username))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code", level=1)).to_be_visible()
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Deadlines", level=1)).to_be_visible()
