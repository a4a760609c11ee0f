"""Account security: the second factor, lockout, session limits, password hashing and response headers."""

import base64
import datetime as dt
import re
import time
from io import StringIO
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.security import LAST_ACTIVITY, SIGNED_IN_AT
from demo.loader import load_demo
from demo.world import DEMO_BACKUP_CODES, DEMO_LOGINS, DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.factories import PASSWORD, UserFactory, authenticator, totp_code, verified_login

pytestmark = pytest.mark.django_db


def _sign_in_with_password(client, username: str, password: str = PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- The second factor ----------------------------------------------------------------------------


def test_a_signed_in_user_gives_a_code_before_seeing_any_case(client, world):
    device = authenticator(world.manager)
    assert _sign_in_with_password(client, "manager").status_code == 302

    response = client.get(reverse("case-list"))
    assert response.status_code == 302
    assert response.url == reverse("two-factor-verify") + "?next=%2Fcases%2F"
    assert world.case.reference not in client.get(response.url).content.decode()

    wrong = client.post(reverse("two-factor-verify"), {"code": "000000", "next": "/cases/"})
    assert wrong.status_code == 200 and "did not match" in wrong.content.decode()
    assert client.get(reverse("case-list")).status_code == 302

    # A wrong code makes django-otp refuse every code for a second; the page says so.
    too_soon = client.post(reverse("two-factor-verify"), {"code": totp_code(device), "next": "/cases/"})
    assert "Too many wrong codes. Wait 1 second," in too_soon.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # as if that second had passed
    right = client.post(reverse("two-factor-verify"), {"code": totp_code(device), "next": "/cases/"})
    assert right.status_code == 302 and right.url == "/cases/"
    page = client.get(reverse("case-list"))
    assert page.status_code == 200 and world.case.reference in page.content.decode()


def test_signing_in_without_a_device_leads_to_enrolment_which_shows_backup_codes_once(client, world):
    _sign_in_with_password(client, "manager")
    response = client.get(reverse("case-detail", args=[world.case.reference]))
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-setup"))

    page = client.get(response.url)
    device = TOTPDevice.objects.get(user=world.manager)
    assert not device.confirmed
    html = page.content.decode()
    assert "<svg" in html and two_factor.base32_secret(device) in html
    assert client.get(response.url).context["secret"] == two_factor.base32_secret(device)  # same on reload

    done = client.post(reverse("two-factor-setup"), {"code": totp_code(device), "next": "/cases/"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and all(code in done.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert StaticDevice.objects.get(user=world.manager).token_set.count() == 10
    assert client.get(reverse("case-list")).status_code == 200  # verified by enrolling

    again = client.get(reverse("two-factor-setup"))
    assert again.status_code == 302  # the codes are not shown a second time
    assert not any(code in client.get(reverse("home")).content.decode() for code in codes)


def test_someone_with_a_device_cannot_enrol_another_with_the_password_alone(client, world):
    authenticator(world.manager)
    client.force_login(world.manager)
    response = client.get(reverse("two-factor-setup"))
    assert response.status_code == 302 and response.url == reverse("two-factor-verify")
    assert TOTPDevice.objects.filter(user=world.manager).count() == 1


def test_a_backup_code_signs_in_once(client, world):
    authenticator(world.manager)
    code = two_factor.backup_codes_replace(user=world.manager)[0]

    client.force_login(world.manager)
    response = client.post(reverse("two-factor-verify"), {"code": f" {code.upper()} "})
    assert response.status_code == 302 and response.url == reverse("home")
    assert world.case.reference in client.get(reverse("case-list")).content.decode()

    client.logout()
    client.force_login(world.manager)
    refused = client.post(reverse("two-factor-verify"), {"code": code})
    assert refused.status_code == 200 and "it has been used" in refused.content.decode()
    assert client.get(reverse("case-list")).status_code == 302


def test_the_admin_needs_the_second_factor_too(client, db):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    authenticator(admin)
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-verify"))
    verified_login(client, admin)
    index = client.get("/admin/")
    assert index.status_code == 200 and "Site administration" in index.content.decode()


def test_the_health_check_and_sign_out_need_no_second_factor(client, world):
    client.force_login(world.manager)
    assert client.get(reverse("healthz")).status_code == 200
    client.post(reverse("logout"))
    assert not _is_signed_in(client)


def test_the_next_address_must_be_on_this_site(client, world):
    device = authenticator(world.manager)
    client.force_login(world.manager)
    response = client.post(reverse("two-factor-verify"), {"code": totp_code(device), "next": "https://evil.example/"})
    assert response.url == reverse("home")


# --- Lockout --------------------------------------------------------------------------------------


def test_repeated_failures_lock_out_that_username_from_that_address_even_with_the_right_password(
    client, world, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        response = _sign_in_with_password(client, "manager", "wrong-password")
        assert response.status_code == 200 and "didn't match" in response.content.decode()
    locked = _sign_in_with_password(client, "manager", "wrong-password")
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Signing in is locked for now" in text and "30 minutes" in text
    assert "<h1>Sign in</h1>" in text  # the sign-in page saying why, not a bare error page

    right = _sign_in_with_password(client, "manager")
    assert right.status_code == 429 and not _is_signed_in(client)

    # Another person at another address is not locked out by someone guessing at this one.
    other = _sign_in_with_password(client, "manager", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302 and _is_signed_in(client)
    client.logout()

    # After the cool-off the right password works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=31))
    after = _sign_in_with_password(client, "manager")
    assert after.status_code == 302 and _is_signed_in(client)


# --- Sessions -------------------------------------------------------------------------------------


def _shift_session(client, key: str, seconds: float) -> None:
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def test_a_session_idle_for_thirty_minutes_is_signed_out(client, world):
    verified_login(client, world.manager)
    assert client.get(reverse("case-list")).status_code == 200
    _shift_session(client, LAST_ACTIVITY, 29 * 60)
    assert client.get(reverse("case-list")).status_code == 200  # activity restarts the idle clock

    _shift_session(client, LAST_ACTIVITY, 30 * 60 + 1)
    response = client.get(reverse("case-list"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "You were signed out after 30 minutes without activity" in response.content.decode()
    assert not _is_signed_in(client)


def test_a_session_ends_eight_hours_after_sign_in_however_busy(client, world):
    verified_login(client, world.manager)
    client.get(reverse("case-list"))
    expires = client.session.get_expiry_date()
    time.sleep(0.01)
    client.get(reverse("case-list"))  # saves the session (last activity) without moving its expiry
    assert client.session.get_expiry_date() == expires
    assert abs((expires - timezone.now()).total_seconds() - django_settings.SESSION_COOKIE_AGE) < 60

    _shift_session(client, SIGNED_IN_AT, django_settings.SESSION_COOKIE_AGE + 1)
    response = client.get(reverse("case-list"), follow=True)
    assert "You were signed out because you signed in more than 8 hours ago." in response.content.decode()
    assert not _is_signed_in(client)


# --- Passwords and headers ------------------------------------------------------------------------


def test_new_passwords_are_hashed_with_argon2(db):
    user = UserFactory()
    user.set_password("a-new-long-password")
    user.save()
    assert user.password.startswith("argon2$")
    assert get_user_model().objects.get(pk=user.pk).check_password("a-new-long-password")


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_page_has_a_content_security_policy_without_inline_script(client, world):
    verified_login(client, world.manager)
    for url in (reverse("login"), reverse("case-detail", args=[world.case.reference])):
        csp = _directives(client.get(url)["Content-Security-Policy"])
        assert csp["script-src"] == ["'self'"]
        assert "'unsafe-inline'" not in csp["style-src"]
        assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]


def test_no_page_template_has_inline_script_or_style():
    # E-mails are not served by the site (and mail clients need inline styles), so they are left out.
    for path in Path(django_settings.BASE_DIR, "templates").rglob("*.html"):
        if "emails" in path.parts:
            continue
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), f"{path} has an inline <script>"
        assert not re.search(r"\sstyle=", text), f"{path} has an inline style attribute"
        assert not re.search(r"\son[a-z]+=", text), f"{path} has an inline event handler"


def test_signed_in_pages_are_never_cached(client, world):
    verified_login(client, world.manager)
    for url in (reverse("case-list"), reverse("case-detail", args=[world.case.reference]), reverse("home")):
        assert "no-store" in client.get(url)["Cache-Control"]


# --- The demo -------------------------------------------------------------------------------------


def test_demo_users_have_the_documented_second_factor_also_in_an_older_demo_database(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo()  # as a demo database from before the second factor: no devices
    assert not TOTPDevice.objects.exists()
    call_command("seed_demo", stdout=(out := StringIO()))
    assert DEMO_TOTP_SECRET in out.getvalue() and DEMO_BACKUP_CODES[0] in out.getvalue()

    manager = get_user_model().objects.get(username="manager")
    device = TOTPDevice.objects.get(user=manager)
    assert device.confirmed and two_factor.base32_secret(device) == DEMO_TOTP_SECRET
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    assert totp.token() == TOTP(base64.b32decode(DEMO_TOTP_SECRET)).token()
    static = StaticDevice.objects.get(user=manager)
    assert set(static.token_set.values_list("token", flat=True)) == set(DEMO_BACKUP_CODES)
    assert TOTPDevice.objects.count() == len(DEMO_LOGINS)

    call_command("seed_demo", stdout=StringIO())  # again: nothing doubled
    assert TOTPDevice.objects.count() == len(DEMO_LOGINS)
    assert static.token_set.count() == len(DEMO_BACKUP_CODES)


def test_a_demo_user_who_changed_their_password_gets_no_published_second_factor(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo()
    manager = get_user_model().objects.get(username="manager")
    manager.set_password("someone-real-now-2026")
    manager.save()
    call_command("seed_demo", stdout=StringIO())
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert get_user_model().objects.get(username="agency").check_password(DEMO_PASSWORD)
    assert TOTPDevice.objects.filter(user__username="agency").exists()
