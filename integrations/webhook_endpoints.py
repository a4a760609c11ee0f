"""An organisation's administrators register, enable, disable and re-key its webhook endpoints. One transaction
each, audited (the secret never is). An endpoint acts as one of the organisation's API keys: it hears only of
what that key may read (integrations/webhooks.py)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from coordination import audit
from coordination.events import EVENTS
from coordination.models import Organisation

from .api.keys import administered_organisations
from .models import ApiKey, WebhookDelivery, WebhookEndpoint
from .webhook_delivery import url_problem


def may_manage_webhooks(user) -> bool:
    return administered_organisations(user).exists()


def endpoints_managed_by(user) -> QuerySet[WebhookEndpoint]:
    """The endpoints of the organisations the user administers; any other endpoint is a 404 to them."""
    return WebhookEndpoint.objects.filter(organisation__in=administered_organisations(user))


def keys_for_endpoints(user) -> QuerySet[ApiKey]:
    """The live API keys an endpoint of the user's organisations may act as."""
    now = timezone.now()
    return (
        ApiKey.objects.filter(organisation__in=administered_organisations(user), revoked_at=None)
        .exclude(expires_at__lte=now)
        .select_related("organisation")
    )


def _require_administrator(actor, organisation: Organisation) -> None:
    if not administered_organisations(actor).filter(pk=organisation.pk).exists():
        raise PermissionDenied("Only the organisation's administrators manage its webhooks.")


def new_secret() -> str:
    """A Standard Webhooks signing secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _clean(*, url: str, events: Iterable[str]) -> tuple[str, list[str]]:
    url = url.strip()
    events = sorted(set(events))
    errors = {}
    problem = url_problem(url)
    if problem:
        errors["url"] = problem
    if not events:
        errors["events"] = "Choose at least one event to send."
    elif set(events) - set(EVENTS):
        errors["events"] = "Choose events from the list."
    if errors:
        raise ValidationError(errors)
    return url, events


@transaction.atomic
def endpoint_create(
    *, actor, api_key: ApiKey, url: str, events: Iterable[str], description: str = "", request=None
) -> WebhookEndpoint:
    """Register an endpoint of the key's organisation. Its secret is on the returned object: show it once."""
    _require_administrator(actor, api_key.organisation)
    if api_key.revoked_at is not None or (api_key.expires_at and api_key.expires_at <= timezone.now()):
        raise ValidationError({"api_key": "That key has been revoked or has expired; choose a live one."})
    url, events = _clean(url=url, events=events)
    endpoint = WebhookEndpoint.objects.create(
        organisation=api_key.organisation,
        api_key=api_key,
        url=url,
        description=description.strip(),
        events=events,
        secret=new_secret(),
        created_by=actor,
        created_at=timezone.now(),
    )
    audit.record(action="create", actor=actor, obj=endpoint, object_label=url, request=request,
                 changes={"url": [None, url], "events": [None, events], "api_key": [None, api_key.prefix]})  # fmt: skip
    return endpoint


def _locked(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)


@transaction.atomic
def endpoint_disable(*, actor, endpoint: WebhookEndpoint, request=None) -> WebhookEndpoint:
    """Stop sending: pending deliveries wait, unsent, until the endpoint is enabled again."""
    _require_administrator(actor, endpoint.organisation)
    endpoint = _locked(endpoint)
    if endpoint.is_active:
        endpoint.is_active = False
        endpoint.disabled_at = timezone.now()
        endpoint.disabled_reason = f"Disabled by {actor.get_full_name() or actor.get_username()}."[:300]
        endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
        audit.record(action="change", actor=actor, obj=endpoint, object_label=endpoint.url, request=request,
                     changes={"is_active": [True, False]})  # fmt: skip
    return endpoint


@transaction.atomic
def endpoint_enable(*, actor, endpoint: WebhookEndpoint, request=None) -> WebhookEndpoint:
    """Start sending again, the deliveries that waited first: they are due at once, whatever backoff they had."""
    _require_administrator(actor, endpoint.organisation)
    endpoint = _locked(endpoint)
    if not endpoint.is_active:
        endpoint.is_active = True
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
        WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
            next_attempt_at=timezone.now()
        )
        audit.record(action="change", actor=actor, obj=endpoint, object_label=endpoint.url, request=request,
                     changes={"is_active": [False, True]})  # fmt: skip
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, actor, endpoint: WebhookEndpoint, request=None) -> WebhookEndpoint:
    """A new signing secret, used from the next delivery on; the old one stops working at once."""
    _require_administrator(actor, endpoint.organisation)
    endpoint = _locked(endpoint)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    audit.record(action="change", actor=actor, obj=endpoint, object_label=endpoint.url, request=request,
                 changes={"secret": ["(old)", "(new)"]})  # fmt: skip
    return endpoint
