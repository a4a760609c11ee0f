"""Helpers for the REST API tests: an organisation's administrator, keys issued through the service, and a test
client that sends a key with every request."""

from django.test import Client

from coordination.models import Membership
from integrations.api import keys
from integrations.models import ApiKey
from tests.factories import member

PROBLEM = "application/problem+json"


def administrator(organisation, **fields):
    return member(organisation, Membership.Role.AGENCY_ADMINISTRATOR, **fields)


def issue_key(organisation, *, scope=ApiKey.Scope.READ_WRITE, name="Case system", admin=None, **fields):
    """(the key, its plain text), issued by the organisation's administrator (made if not given)."""
    admin = admin or administrator(organisation)
    return keys.key_create(actor=admin, organisation=organisation, name=name, scope=scope, **fields)


def key_client(plaintext: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {plaintext}"})


def client_for(organisation, **fields) -> Client:
    """A client holding a fresh read-and-write key of the organisation."""
    _key, plaintext = issue_key(organisation, **fields)
    return key_client(plaintext)


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == PROBLEM, response["Content-Type"]
    body = response.json()
    assert body["status"] == status and body["type"].startswith("urn:parallel:problem:") and body["title"]
    return body
