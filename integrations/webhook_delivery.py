"""Sending webhook deliveries: the outbox rows integrations/webhooks.py writes with each change.

`send_due`, run by beat every 30 seconds (integrations.tasks.send_webhooks), sends each pending delivery whose
time has come, signed the Standard Webhooks way (headers webhook-id, webhook-timestamp, webhook-signature; the
`standardwebhooks` library's HMAC-SHA256 over "id.timestamp.body" with the endpoint's whsec_ secret).

- The claim: a conditional UPDATE (still pending, still due) counts the try and pushes
  `next_attempt_at` forward by a lease, so two workers never send the same delivery at once. In the same
  transaction the try is logged (a WebhookAttempt with no outcome yet), and its outcome is filled in once known,
  so the log always holds as many tries as the delivery counts. A worker killed mid-send leaves the claim and a
  try without an outcome, shown as interrupted; once the lease has passed (a minute; beat runs the sender every 30
  seconds) the delivery is due again and a later run sends it. So delivery is at least once: receivers must
  ignore a webhook-id they have already processed.
- A 2xx answer delivers it. Anything else (another status, a redirect, which is never followed, a timeout, a
  refused connection, an unsafe address) is logged as a WebhookAttempt and retried after a capped exponential
  backoff with jitter: 30 s, 2 min, 8 min, 32 min, about 2 h, then 6 h. After WEBHOOK_MAX_ATTEMPTS tries (8: about
  15 hours, so a night's outage does not lose anything) the delivery is given up and its endpoint disabled, with
  the reason; its other pending deliveries wait, unsent, until an administrator enables it again.
- An endpoint that fails once in a run is not tried again in that run, so one dead receiver cannot hold up
  everyone else's deliveries for a timeout each.
- Where it may go: https only (plain http in development), and never to an address that is loopback, private,
  link-local, reserved or multicast (unless settings.WEBHOOK_ALLOW_PRIVATE_TARGETS, for tests and development).
  The host is resolved once and the connection made to the address that was checked, so a DNS answer cannot
  change between the check and the connection. Redirects are not followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import random
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks import Webhook

from coordination import audit, batches

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

USER_AGENT = "Parallel-Webhooks/1.0"
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_FACTOR = 4
BACKOFF_CAP = timedelta(hours=6)
_ERROR_LENGTH = WebhookAttempt._meta.get_field("error").max_length
_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".localdomain")


def timeout_seconds() -> float:
    return getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10)


def max_attempts() -> int:
    return getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 8)


def claim_lease() -> timedelta:
    """How long a claim holds a delivery: longer than one send can take (a DNS look-up, then a connection and each
    read bounded by the timeout), so a live worker is not overtaken; after it, the claim counts as abandoned."""
    return timedelta(seconds=max(60, 6 * timeout_seconds()))


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed try: 30 s · 4^(n-1), at most 6 h, ±10 % so that retries to one receiver spread out."""
    delay = min(BACKOFF_FIRST * BACKOFF_FACTOR ** max(attempts - 1, 0), BACKOFF_CAP)
    return delay * random.uniform(0.9, 1.1)


# --- Where a webhook may go ------------------------------------------------------------------------


class UnsafeTarget(Exception):
    """An endpoint address Parallel will not call."""


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") is link-local anyway
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def url_problem(url: str) -> str | None:
    """What is wrong with an endpoint address, checked without looking the host up (that happens at each send,
    where it matters), or None."""
    parts = urlsplit(url)
    allow_http = not getattr(settings, "WEBHOOK_REQUIRE_HTTPS", True)
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        return "The address must start with https://."
    if parts.username or parts.password:
        return "Put no user name or password in the address; each delivery is signed instead."
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return "The address needs a host name."
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        return "The port in the address is not a number between 0 and 65535."
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False):
        return None
    try:
        if _forbidden(host):
            return "The address is on a private, loopback or reserved network; Parallel will not call it."
    except ValueError:  # a name, not an address literal
        if host == "localhost" or host.endswith(_LOCAL_NAMES):
            return "The address names a local host; Parallel will not call it."
    return None


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query string
    address: str  # the checked address the connection is made to


def resolve_target(url: str) -> Target:
    """The endpoint's address, looked up and checked: every address the name resolves to must be allowed."""
    problem = url_problem(url)
    if problem:
        raise UnsafeTarget(problem)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise UnsafeTarget(f"Could not look up {parts.hostname}: {error}") from error
    addresses = [info[4][0] for info in infos]
    if not getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False) and any(map(_forbidden, addresses)):
        raise UnsafeTarget(f"{parts.hostname} resolves to a private, loopback or reserved address; not called.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to by now."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above, with the certificate checked against the host name (SNI and verification as usual)."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


# --- Sending ---------------------------------------------------------------------------------------


def body_of(delivery: WebhookDelivery) -> str:
    """The exact text signed and sent; the same on every retry."""
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)


def signed_headers(delivery: WebhookDelivery, body: str, secret: str, at) -> dict[str, str]:
    return {
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(delivery.message_id, at, body),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


def post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """One try: (HTTP status or None, error text or "")."""
    endpoint = delivery.endpoint
    try:
        target = resolve_target(endpoint.url)
    except UnsafeTarget as error:
        return None, str(error)
    body = body_of(delivery)
    headers = signed_headers(delivery, body, endpoint.secret, timezone.now())
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout_seconds())
    try:
        connection.request("POST", target.path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)  # what the receiver says is not kept; read a little so the exchange completes
        if 300 <= response.status < 400:
            return response.status, "Redirects are not followed: register the address it redirects to."
        if not 200 <= response.status < 300:
            return response.status, f"The endpoint answered {response.status} {response.reason}."[:_ERROR_LENGTH]
        return response.status, ""
    except TimeoutError:
        return None, f"No answer within {timeout_seconds()} seconds."
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"[:_ERROR_LENGTH]
    finally:
        connection.close()


@dataclass
class SendResult:
    claimed: int = 0  # deliveries this run tried
    delivered: int = 0
    retrying: int = 0  # failed this time; tried again later
    given_up: int = 0  # failed for the last time: their endpoints were disabled
    dropped: int = 0  # not sent because the endpoint's API key is no longer live
    skipped: int = 0  # left for the next run: their endpoint already failed in this run


def _key_is_live(endpoint: WebhookEndpoint, now) -> bool:
    key = endpoint.api_key
    return key.revoked_at is None and (key.expires_at is None or key.expires_at > now) and key.user.is_active


def send_due(*, batch_size: int = 50) -> SendResult:
    """Send every pending delivery whose time has come. Safe to run at any time and in several workers."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    result = SendResult()
    failed_endpoints: set[int] = set()
    pending = (
        WebhookDelivery.objects.filter(status=Status.PENDING, endpoint__is_active=True)
        .select_related("endpoint__api_key__user")
        .order_by("pk")
    )
    for batch in batches.by_id(pending, size=batch_size, each=lambda: Q(next_attempt_at__lte=timezone.now())):
        for delivery in batch:
            if delivery.endpoint_id in failed_endpoints:
                result.skipped += 1
            elif _send_one(delivery, result) is False:
                failed_endpoints.add(delivery.endpoint_id)
    if result.claimed or result.dropped:
        logger.info("Webhooks: %s", result)
    return result


def _send_one(delivery: WebhookDelivery, result: SendResult) -> bool | None:
    """Claim, send, record. True if delivered, False if it failed, None if it was not ours to send."""
    now = timezone.now()
    endpoint = delivery.endpoint
    if not _key_is_live(endpoint, now):
        dropped = WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
            status=Status.FAILED, last_error="Not sent: the endpoint's API key was revoked or has expired."
        )
        result.dropped += dropped
        return None
    # The claim: of two workers reading the same row, only the first UPDATE changes it. Conditions on this table
    # only: PostgreSQL re-checks them on the row the other worker just updated, but a join (endpoint__is_active)
    # would become a subquery read from the old snapshot, and both would win. The try is logged with the claim,
    # before anything is sent, so that a worker dying mid-send still leaves it in the log.
    with transaction.atomic():
        claimed = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=Status.PENDING, next_attempt_at__lte=now
        ).update(claimed_at=now, next_attempt_at=now + claim_lease(), attempts=F("attempts") + 1)
        if not claimed:
            return None
        attempt = WebhookAttempt.objects.create(delivery=delivery, attempted_at=now)
    result.claimed += 1
    attempts = delivery.attempts + 1

    started = time.monotonic()
    status_code, error = post(delivery)
    duration_ms = int((time.monotonic() - started) * 1000)
    finished = timezone.now()
    # Only while the claim is still ours: a run that took it over after the lease decides what happens next. The
    # try itself happened either way, so its outcome is recorded either way.
    ours = WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING, claimed_at=now)
    with transaction.atomic():
        WebhookAttempt.objects.filter(pk=attempt.pk).update(
            finished_at=finished, status_code=status_code, error=error, duration_ms=duration_ms
        )
        if not error:
            ours.update(status=Status.DELIVERED, delivered_at=finished, last_error="")
            result.delivered += 1
            return True
        if attempts >= max_attempts():
            if ours.update(status=Status.FAILED, last_error=error):
                _disable(endpoint, delivery, attempts, error, finished)
            result.given_up += 1
        else:
            ours.update(next_attempt_at=finished + retry_delay(attempts), last_error=error)
            result.retrying += 1
    logger.warning("Webhook %s to endpoint %s failed (try %d): %s", delivery.message_id, endpoint.pk, attempts, error)
    return False


def _disable(endpoint: WebhookEndpoint, delivery: WebhookDelivery, attempts: int, error: str, now) -> None:
    reason = f"Gave up on {delivery.event_type} {delivery.message_id} after {attempts} tries. {error}"[:300]
    disabled = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason
    )
    if disabled:
        audit.record(action="change", obj=endpoint, object_label=endpoint.url, actor_label="webhook dispatcher",
                     changes={"is_active": [True, False], "reason": reason})  # fmt: skip
        logger.error("Webhook endpoint %s disabled: %s", endpoint.pk, reason)
