"""API keys: issued by an organisation's administrators, shown once, kept only as a hash, revocable.

A key is `pk_<prefix>_<secret>`. The prefix is stored as it is, so a key can be named in lists and logs; of the
whole key only its SHA-256 is kept. The secret is 32 random bytes, so a fast hash is right here: there is nothing
to guess a password-style hash would slow down, and a slow hash on every request would cost for no gain.

Each key acts through a user of its own: a member of the organisation with the role "case system", with no
usable password, so the access layer gives the key exactly what it gives that organisation, and the audit trail
names the key (username `key-<prefix>`).
"""

import datetime as dt
import hashlib
import hmac
import secrets
import string

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from coordination import audit
from coordination.models import Membership, Organisation
from integrations.models import ApiKey

PREFIX_ALPHABET = string.ascii_lowercase + string.digits
PREFIX_LENGTH = 8
SECRET_BYTES = 32
# last_used_at is written at most this often per key, so a busy key does not cost a write on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def key_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def split_key(plaintext: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None. The secret may itself hold underscores."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != "pk" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def matches(api_key: ApiKey, plaintext: str) -> bool:
    return hmac.compare_digest(api_key.secret_hash, key_hash(plaintext))


def refusal(api_key: ApiKey, *, now=None) -> str:
    """Why a key that matched may not be used now, or "" when it may."""
    now = now or timezone.now()
    if api_key.revoked_at is not None:
        return "This API key has been revoked."
    if api_key.expires_at is not None and api_key.expires_at <= now:
        return f"This API key expired at {timezone.localtime(api_key.expires_at):%H:%M on %-d %B %Y}."
    if not api_key.user.is_active:
        return "This API key's user has been deactivated."
    return ""


def note_use(api_key: ApiKey, *, now=None) -> None:
    """Record that the key was used, at most once a LAST_USED_RESOLUTION (a conditional UPDATE, no read)."""
    now = now or timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at=None) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ApiKey.objects.filter(stale, pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


# --- Who manages keys --------------------------------------------------------------------------------


def administered_organisations(user) -> QuerySet[Organisation]:
    """The organisations whose keys the user manages: those they administer."""
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.AGENCY_ADMINISTRATOR
    ).distinct()


def may_manage_integrations(user) -> bool:
    """Whether the user administers any organisation, so manages its keys and webhooks (the Integrations link)."""
    return administered_organisations(user).exists()


def may_manage_keys(user, organisation: Organisation) -> bool:
    return administered_organisations(user).filter(pk=organisation.pk).exists()


def keys_managed_by(user) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(organisation__in=administered_organisations(user))


# --- Issuing and revoking ----------------------------------------------------------------------------


def _new_prefix() -> str:
    return "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))


def _label(api_key: ApiKey) -> str:
    return f"API key {api_key.prefix}"


@transaction.atomic
def key_create(
    *,
    actor,
    organisation: Organisation,
    name: str,
    scope: str,
    expires_at: dt.datetime | None = None,
    prefix: str | None = None,
    secret: str | None = None,
) -> tuple[ApiKey, str]:
    """Issue a key; returns it with the whole key in plain text, which is shown once and never kept.
    `prefix` and `secret` are for the demo's published key only (demo/api_key.py); leave them out."""
    if not may_manage_keys(actor, organisation):
        raise PermissionDenied(f"Only {organisation.display_name}'s administrators can issue its API keys.")
    errors = {}
    if not name.strip():
        errors["name"] = "Say which system will use the key, e.g. “Force case management”."
    elif len(name.strip()) > ApiKey._meta.get_field("name").max_length:
        errors["name"] = "Keep the name to 100 characters."
    if scope not in ApiKey.Scope.values:
        errors["scope"] = "Choose read only, or read and write."
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "The expiry must be in the future."
    if errors:
        raise ValidationError(errors)
    secret = secret or secrets.token_urlsafe(SECRET_BYTES)
    for _attempt in range(5):
        candidate = prefix or _new_prefix()
        try:
            with transaction.atomic():
                api_key = _create(actor, organisation, name.strip(), scope, expires_at, candidate, secret)
            break
        except IntegrityError:
            if prefix:  # a fixed prefix already taken: nothing to retry
                raise
    else:
        raise RuntimeError("could not find a free key prefix")
    audit.record(action="create", actor=actor, obj=api_key, object_label=_label(api_key),
                 changes={"name": api_key.name, "scope": scope, "organisation": organisation.pk,
                          "expires_at": expires_at})  # fmt: skip
    return api_key, f"pk_{api_key.prefix}_{secret}"


def _create(actor, organisation, name, scope, expires_at, prefix, secret) -> ApiKey:
    user = get_user_model()(username=f"key-{prefix}", first_name=name[:150], last_name="(API key)")
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.CASE_SYSTEM)
    if organisation.group_id:
        user.groups.add(organisation.group_id)
    return ApiKey.objects.create(
        organisation=organisation,
        user=user,
        name=name,
        prefix=prefix,
        secret_hash=key_hash(f"pk_{prefix}_{secret}"),
        scope=scope,
        created_by=actor,
        created_at=timezone.now(),
        expires_at=expires_at,
    )


@transaction.atomic
def key_revoke(*, actor, api_key: ApiKey) -> ApiKey:
    """Stop a key working at once. Its user is deactivated too, so nothing it could reach answers it any more."""
    api_key = ApiKey.objects.select_for_update().select_related("organisation", "user").get(pk=api_key.pk)
    if not may_manage_keys(actor, api_key.organisation):
        raise PermissionDenied(f"Only {api_key.organisation.display_name}'s administrators can revoke its keys.")
    if api_key.revoked_at is not None:
        raise ValidationError(
            f"This key was already revoked at {timezone.localtime(api_key.revoked_at):%H:%M on %-d %B %Y}."
        )
    api_key.revoked_at = timezone.now()
    api_key.revoked_by = actor
    api_key.save(update_fields=["revoked_at", "revoked_by"])
    api_key.user.is_active = False
    api_key.user.save(update_fields=["is_active"])
    audit.record(action="revoke", actor=actor, obj=api_key, object_label=_label(api_key),
                 changes={"revoked": [False, True]})  # fmt: skip
    return api_key
