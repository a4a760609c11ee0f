"""An error nobody expected: people see the portal's own page, an API client a problem document; nobody sees a
traceback, the settings or the case data being shown (DEBUG is off by default)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from coordination import access, selectors
from tests.api_support import client_for
from tests.factories import verified_login


class Boom(Exception):
    pass


def _explode(**kwargs):
    raise Boom("SECRET-DETAIL Child Q lives at 1 High Street")


@pytest.fixture
def failing(monkeypatch):
    monkeypatch.setattr(selectors, "case_list", _explode)
    monkeypatch.setattr(access, "cases_visible_to", _explode)


def test_debug_is_off_unless_asked_for():
    assert settings.DEBUG is False


def test_a_person_gets_the_portal_s_own_error_page(world, failing):
    client = Client(raise_request_exception=False)
    verified_login(client, world.manager)
    response = client.get(reverse("case-list"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page and "OFFICIAL-SENSITIVE" in page
    assert "SECRET-DETAIL" not in page and "Traceback" not in page and "SECRET_KEY" not in page


def test_an_api_client_gets_a_problem_document(world, failing):
    client = client_for(world.council)
    client.raise_request_exception = False
    response = client.get("/api/v1/cases/")
    assert response.status_code == 500 and response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:parallel:problem:server-error" and body["status"] == 500
    assert "SECRET-DETAIL" not in response.content.decode()
