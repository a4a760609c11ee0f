"""API keys: issued by an organisation's administrators, shown once, kept as a hash, refused when revoked or
expired, limited to reading when read-only; and people's own sessions, only once their second factor is given."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coordination.models import AuditEntry, Membership
from integrations.api import keys
from integrations.models import ApiKey
from tests.api_support import administrator, is_problem, issue_key, key_client
from tests.factories import member

CASES = "/api/v1/cases/"


def test_a_key_is_shown_once_kept_as_a_hash_and_acts_as_a_member_of_its_organisation(world):
    admin = administrator(world.council)
    api_key, plaintext = issue_key(world.council, admin=admin, name="Council case system")
    assert plaintext.startswith(f"pk_{api_key.prefix}_") and 8 <= len(api_key.prefix) <= 10
    assert len(plaintext.split("_", 2)[2]) >= 43  # 32 random bytes, URL-safe base64
    api_key.refresh_from_db()
    assert api_key.secret_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext.split("_", 2)[2] not in str(ApiKey.objects.filter(pk=api_key.pk).values().get())
    user = api_key.user
    assert user.username == f"key-{api_key.prefix}" and not user.has_usable_password()
    assert Membership.objects.get(user=user).role == Membership.Role.CASE_SYSTEM
    entry = AuditEntry.objects.get(action="create", object_type="integrations.apikey")
    assert entry.actor == admin and plaintext.split("_", 2)[2] not in str(entry.changes)


def test_only_the_organisations_administrators_issue_and_revoke_its_keys(world):
    with pytest.raises(PermissionDenied):
        keys.key_create(actor=world.manager, organisation=world.council, name="x", scope="read")
    elsewhere_admin = administrator(world.outside_agency)
    with pytest.raises(PermissionDenied):
        keys.key_create(actor=elsewhere_admin, organisation=world.council, name="x", scope="read")
    api_key, _ = issue_key(world.council)
    with pytest.raises(PermissionDenied):
        keys.key_revoke(actor=elsewhere_admin, api_key=api_key)
    with pytest.raises(ValidationError) as refused:
        issue_key(world.council, name=" ", scope="admin", expires_at=timezone.now() - dt.timedelta(days=1))
    assert set(refused.value.message_dict) == {"name", "scope", "expires_at"}


def test_a_valid_key_reads_and_notes_its_use_at_most_once_a_minute(world):
    api_key, plaintext = issue_key(world.council)
    client = key_client(plaintext)
    assert client.get(CASES).status_code == 200
    api_key.refresh_from_db()
    first_use = api_key.last_used_at
    assert first_use is not None
    assert client.get(CASES).status_code == 200
    api_key.refresh_from_db()
    assert api_key.last_used_at == first_use  # no write on every request


@pytest.mark.parametrize(
    "header",
    ["Bearer pk_nosuch_key", "Bearer not-a-key", "Bearer", "Bearer a b"],
)
def test_a_wrong_key_answers_401_as_a_problem(world, header):
    issue_key(world.council)
    body = is_problem(Client(headers={"Authorization": header}).get(CASES), 401)
    assert body["type"] == "urn:parallel:problem:not-authenticated"


def test_the_right_prefix_with_the_wrong_secret_is_refused(world):
    api_key, plaintext = issue_key(world.council)
    response = key_client(f"pk_{api_key.prefix}_{'x' * 43}").get(CASES)
    is_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_at_once_and_its_user_is_deactivated(world):
    admin = administrator(world.council)
    api_key, plaintext = issue_key(world.council, admin=admin)
    client = key_client(plaintext)
    assert client.get(CASES).status_code == 200
    keys.key_revoke(actor=admin, api_key=api_key)
    assert "revoked" in is_problem(client.get(CASES), 401)["detail"]
    api_key.refresh_from_db()
    assert api_key.revoked_by == admin and not api_key.user.is_active
    assert AuditEntry.objects.filter(action="revoke", object_label=f"API key {api_key.prefix}").exists()
    with pytest.raises(ValidationError):
        keys.key_revoke(actor=admin, api_key=api_key)


def test_an_expired_key_is_refused(world, monkeypatch):
    _key, plaintext = issue_key(world.council, expires_at=timezone.now() + dt.timedelta(hours=1))
    client = key_client(plaintext)
    assert client.get(CASES).status_code == 200
    later = timezone.now() + dt.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "expired" in is_problem(client.get(CASES), 401)["detail"]


def test_a_read_only_key_cannot_write(sharing_world):
    from tests.factories import submitted_request

    request = submitted_request(sharing_world)
    _key, plaintext = issue_key(sharing_world.world.council, scope=ApiKey.Scope.READ)
    client = key_client(plaintext)
    url = f"/api/v1/sharing-requests/{request.reference}/"
    etag = client.get(url)["ETag"]
    response = client.post(url + "acknowledge/", {}, content_type="application/json", headers={"If-Match": etag})
    assert "may only read" in is_problem(response, 403)["detail"]
    request.refresh_from_db()
    assert request.status == "submitted"


def test_a_signed_in_session_works_only_after_the_second_factor(client, world, sign_in):
    client.force_login(world.manager)  # password given, second factor not yet
    response = client.get(CASES)
    is_problem(response, 401)  # not a redirect to the second-factor page
    sign_in(client, world.manager)
    response = client.get(CASES)
    assert response.status_code == 200 and world.case.reference in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_a_session_write_needs_the_csrf_token(world, sign_in):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.manager)
    response = client.post(CASES, {}, content_type="application/json")
    assert "CSRF" in is_problem(response, 403)["detail"]


def test_an_idle_session_is_signed_out_with_a_401_not_a_redirect(client, world, sign_in, settings, monkeypatch):
    sign_in(client, world.manager)
    assert client.get(CASES).status_code == 200
    import time

    later = time.time() + settings.SESSION_IDLE_SECONDS + 60
    monkeypatch.setattr(time, "time", lambda: later)
    is_problem(client.get(CASES), 401)


# --- The integrations page ---------------------------------------------------------------------------


def test_the_integrations_page_issues_a_key_shown_once_and_revokes_it(client, world, sign_in):
    admin = administrator(world.council)
    sign_in(client, admin)
    home = client.get(reverse("home")).content.decode()
    assert reverse("integrations") in home  # the nav link, for administrators
    response = client.post(reverse("integrations"), {"organisation": world.council.pk, "name": "Council CMS",
                                                     "scope": "read_write", "expires_on": ""})  # fmt: skip
    assert response.status_code == 200
    api_key = ApiKey.objects.get(name="Council CMS")
    page = response.content.decode()
    plaintext = page.split("<code>pk_", 1)[1].split("</code>", 1)[0]
    assert keys.matches(api_key, f"pk_{plaintext}") and "only time the key is shown" in page
    assert "no-store" in response["Cache-Control"]
    listing = client.get(reverse("integrations")).content.decode()
    assert api_key.prefix in listing and plaintext.split("_", 1)[1] not in listing
    response = client.post(reverse("integration-key-revoke", args=[api_key.pk]))
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


def test_the_integrations_link_shows_to_administrators_only_and_marks_its_page(client, world, sign_in):
    """A link the integrations app registers (coordination/extensions.py), shown as the header always showed it."""
    link = f'<a href="{reverse("integrations")}"'
    sign_in(client, administrator(world.council))
    assert f"{link}>Integrations</a>" in client.get(reverse("home")).content.decode()
    assert f'{link} aria-current="page">Integrations</a>' in client.get(reverse("integrations")).content.decode()
    for someone_else in (world.manager, world.agency_user, world.outsider):
        sign_in(client, someone_else)
        assert link not in client.get(reverse("home")).content.decode()


def test_people_who_administer_nothing_cannot_manage_keys_and_anothers_key_is_404(client, world, sign_in):
    api_key, _ = issue_key(world.council)
    sign_in(client, world.manager)
    assert reverse("integrations") not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("integrations")).status_code == 403
    elsewhere_admin = administrator(world.outside_agency)
    sign_in(client, elsewhere_admin)
    assert api_key.name not in client.get(reverse("integrations")).content.decode()
    assert client.post(reverse("integration-key-revoke", args=[api_key.pk])).status_code == 404
    api_key.refresh_from_db()
    assert api_key.revoked_at is None


def test_an_expiry_date_lasts_to_the_end_of_that_day(client, world, sign_in):
    sign_in(client, administrator(world.council))
    day = timezone.localdate() + dt.timedelta(days=30)
    client.post(reverse("integrations"), {"organisation": world.council.pk, "name": "Short-lived", "scope": "read",
                                          "expires_on": day.isoformat()})  # fmt: skip
    expires = timezone.localtime(ApiKey.objects.get(name="Short-lived").expires_at)
    assert (expires.date(), expires.time()) == (day + dt.timedelta(days=1), dt.time(0, 0))


def test_a_person_in_two_organisations_manages_only_the_one_they_administer(world):
    admin = administrator(world.council)
    Membership.objects.create(user=admin, organisation=world.outside_agency, role="agency_representative")
    assert list(keys.administered_organisations(admin)) == [world.council]
    other = member(world.outside_agency, Membership.Role.AGENCY_ADMINISTRATOR)
    issue_key(world.outside_agency, admin=other)
    assert not keys.keys_managed_by(admin).filter(organisation=world.outside_agency).exists()


def test_a_keys_user_is_never_offered_as_a_person(sharing_world):
    from coordination.forms import GrantForm, ProcessAddForm
    from coordination.kinds import get
    from sharing.forms import RequestForm

    api_key, _ = issue_key(sharing_world.world.council)
    world = sharing_world.world
    offered = [
        ProcessAddForm(kind=get("lcspr")).fields["lead"].queryset,
        RequestForm(user=sharing_world.investigator, case=world.case).fields["addressee"].queryset,
    ]
    grant_form = GrantForm(case=world.case, scopes={"case": "The case"})
    offered.append(grant_form.fields["user"].queryset)
    for people in offered:
        assert world.agency_user in people and api_key.user not in people
