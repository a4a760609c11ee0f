"""The audit trail: recording entries, chaining them, checking the chain, and who may read it.

Every entry carries the hash of the entry before it, so an entry edited or removed in the database
breaks the chain at that point and `verify()` names it.

The canonical form hashed for an entry is its fields as one JSON object, with keys sorted, no spaces
(separators "," and ":"), non-ASCII characters written as themselves, encoded as UTF-8:

    {"action": "...", "actor_id": 12 | null, "actor_label": "...", "at": "2026-01-31T09:15:02.123456+00:00",
     "changes": {...}, "ip_address": "..." | null, "object_id": "...", "object_label": "...",
     "object_type": "...", "organisation_id": 3 | null, "previous_hash": "<64 hex>", "user_agent": "..."}

- `at` is in UTC, ISO 8601 with microseconds (both databases keep microseconds).
- `ip_address` is the exploded form (IPv4 unchanged; IPv6 as eight groups of four hex digits), so the
  hash does not depend on how a database prints an address.
- `changes` is normalised through JSON before it is stored, so what is hashed is what is read back.
- The first entry's `previous_hash` is 64 zeros.

hash = lowercase hex SHA-256 of those bytes. The entry's id is not part of it: the order is proved by
each entry naming its predecessor's hash.

What the chain cannot prove on its own: that the newest entries were not removed from the end, or that
someone with full database rights did not rewrite the whole table and recompute every hash. Anchors close
both: every AUDIT_ANCHOR_MINUTES the latest hash is written to a file and e-mailed to the auditors
(coordination/audit_anchors.py), and `verify_audit` checks the trail against every anchor.
"""

import csv
import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Iterable, Iterator

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEntry, Membership

GENESIS_HASH = "0" * 64
# Any constant will do, as long as nothing else in the database takes the same advisory lock ("Parallel").
ADVISORY_LOCK_KEY = 0x506172616C6C656C
USER_AGENT_LENGTH = AuditEntry._meta.get_field("user_agent").max_length

Action = AuditEntry.Action


# --- Recording -------------------------------------------------------------------------------------


def _text(value, limit: int) -> str:
    # PostgreSQL text cannot hold NUL; a limit keeps an attacker's 10 kB user agent out of the trail.
    return str(value or "").replace("\x00", "")[:limit]


def _field_limit(name: str) -> int:
    return AuditEntry._meta.get_field(name).max_length


def client_ip(request) -> str | None:
    """The address the request came from. REMOTE_ADDR only: X-Forwarded-For is whatever the client
    says, and may be believed only once settings name a proxy we trust (not configured yet)."""
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return None


def client_user_agent(request) -> str:
    return _text(request.META.get("HTTP_USER_AGENT", ""), USER_AGENT_LENGTH) if request is not None else ""


def _canonical_ip(value: str | None) -> str | None:
    return ipaddress.ip_address(value).exploded if value else None


def _json_normalised(value: dict) -> dict:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, allow_nan=False))


def canonical_form(entry: AuditEntry) -> bytes:
    payload = {
        "action": entry.action,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "changes": entry.changes,
        "ip_address": _canonical_ip(entry.ip_address),
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "object_type": entry.object_type,
        "organisation_id": entry.organisation_id,
        "previous_hash": entry.previous_hash,
        "user_agent": entry.user_agent,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical_form(entry)).hexdigest()


def _lock_the_chain() -> None:
    """Make recorders take turns until commit, so each reads the true last hash and ids follow the chain.
    On PostgreSQL a transaction-scoped advisory lock (this relies on READ COMMITTED, the default, so the
    read after the lock sees the previous holder's commit). On SQLite the IMMEDIATE transaction that
    settings ask for already holds the database's single write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def _organisation_id(actor) -> int | None:
    # A person in more than one organisation is counted under the one they joined first.
    return Membership.objects.filter(user=actor).order_by("id").values_list("organisation_id", flat=True).first()


def record(
    *,
    action: str,
    actor=None,
    obj=None,
    object_label: str = "",
    changes: dict | None = None,
    request=None,
    actor_label: str = "",
    object_type: str = "",
    object_id: str = "",
) -> AuditEntry:
    """Append one entry to the trail. Called inside a service's transaction it commits or rolls back with
    the change it records, and holds the chain's lock until then: call it last, after the row locks the
    service takes, so that two services cannot wait on each other."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or getattr(obj, "reference", "")
    with transaction.atomic():
        _lock_the_chain()
        previous = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor,
            actor_label=_text(actor_label or (actor.get_username() if actor else ""), _field_limit("actor_label")),
            organisation_id=_organisation_id(actor) if actor else None,
            action=action,
            object_type=_text(object_type, _field_limit("object_type")),
            object_id=_text(object_id, _field_limit("object_id")),
            object_label=_text(object_label, _field_limit("object_label")),
            changes=_json_normalised(changes or {}),
            ip_address=client_ip(request),
            user_agent=client_user_agent(request),
            previous_hash=previous or GENESIS_HASH,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
    return entry


REDACTED = "(not recorded)"


def changed_fields(before: dict, after: dict, *, redact: Iterable[str] = ()) -> dict:
    """{"field": [old, new]} for each field whose value differs. Fields named in `redact` (a child's
    identifiable details) are listed as changed without their values, which must not enter the trail."""
    redact = set(redact)
    changes = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old != new:
            changes[field] = [REDACTED, REDACTED] if field in redact else [old, new]
    return _json_normalised(changes)


# --- Checking --------------------------------------------------------------------------------------


def verify() -> tuple[bool, int, AuditEntry | None, str]:
    """Recompute the chain in id order: (ok, entries checked, first broken entry or None, reason)."""
    expected_previous, previous_id, checked = GENESIS_HASH, None, 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != expected_previous:
            after = f"entry #{previous_id}" if previous_id else "the start of the trail"
            reason = f"it does not follow {after}: an entry before it was removed, inserted or reordered"
            return False, checked, entry, reason
        if entry_hash(entry) != entry.hash:
            return False, checked, entry, "its contents do not match its hash: it was changed after it was recorded"
        expected_previous, previous_id = entry.hash, entry.pk
        checked += 1
    return True, checked, None, ""


# --- Reading ---------------------------------------------------------------------------------------


TRAIL_READERS = (Membership.Role.AUDITOR, Membership.Role.AGENCY_ADMINISTRATOR)


def may_read_trail(user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and Membership.objects.filter(user=user, role__in=TRAIL_READERS).exists()
    )


def entries_visible_to(user) -> QuerySet[AuditEntry]:
    """Auditors see every entry; an agency's administrators see the entries of their own organisation's
    people (the organisation recorded on each entry when it was made)."""
    if not may_read_trail(user):
        return AuditEntry.objects.none()
    memberships = Membership.objects.filter(user=user)
    if memberships.filter(role=Membership.Role.AUDITOR).exists():
        return AuditEntry.objects.all()
    administered = memberships.filter(role=Membership.Role.AGENCY_ADMINISTRATOR).values("organisation")
    return AuditEntry.objects.filter(organisation__in=administered)


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains", label="Person")
    action = django_filters.ChoiceFilter(choices=Action.choices, empty_label="Any action")
    object_type = django_filters.CharFilter(lookup_expr="iexact", label="Object type")
    date_from = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEntry
        fields = []


def entries_for(*, user, params) -> AuditFilter:
    return AuditFilter(params, queryset=entries_visible_to(user).select_related("organisation"))


CSV_HEADER = [
    "id",
    "at (UTC)",
    "person",
    "organisation",
    "action",
    "object type",
    "object id",
    "object",
    "changes",
    "ip address",
    "user agent",
    "previous hash",
    "hash",
]


def _cell(value) -> str:
    # A spreadsheet runs a cell that starts like a formula; a failed sign-in's username is typed by anyone.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


def csv_rows(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for entry in entries.order_by("id").iterator(chunk_size=2000):
        yield writer.writerow(
            [
                _cell(value)
                for value in (
                    entry.pk,
                    entry.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                    entry.actor_label,
                    entry.organisation.display_name if entry.organisation else "",
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    entry.object_label,
                    json.dumps(entry.changes, ensure_ascii=False) if entry.changes else "",
                    entry.ip_address,
                    entry.user_agent,
                    entry.previous_hash,
                    entry.hash,
                )
            ]
        )


# --- Signing in and out ----------------------------------------------------------------------------


def on_signed_in(sender, request, user, **kwargs):
    record(action=Action.SIGN_IN, actor=user, request=request)


def on_signed_out(sender, request, user, **kwargs):
    if user is not None:  # signing out when not signed in is no event
        record(action=Action.SIGN_OUT, actor=user, request=request)


def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    # The attempted username, as typed (Django has already masked the password).
    attempted = credentials.get(get_user_model().USERNAME_FIELD, "")
    record(action=Action.SIGN_IN_FAILED, actor_label=attempted, request=request)
