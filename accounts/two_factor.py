"""The second factor: an authenticator app (TOTP) and single-use backup codes, both django-otp devices.

Everyone signs in with one (accounts.security.TwoFactorRequiredMiddleware); a user with none enrols
on first sign-in. Only a user with no confirmed device may enrol, so a stolen password alone cannot add
a second authenticator to an account that has one.
"""

import math
from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_CODES_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10


def normalise_code(code: str) -> str:
    """People type codes with spaces ("123 456") or in capitals; tokens are stored lower-case."""
    return "".join(code.split()).lower()


def pending_authenticator(user) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled: the same one on every reload, so the QR code shown
    does not change under someone part-way through scanning it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def base32_secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG drawn here, so the secret never goes to another service."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


def authenticator_confirm(*, user, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the enrolling device with a code from it, and issue fresh backup codes. Returns the codes
    (shown once; only their use is checked later), or None when the code is wrong."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
        if not device.verify_token(normalise_code(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return backup_codes_replace(user=user)


def backup_codes_replace(*, user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def verify(request, code: str) -> int | None:
    """Check a code: six digits against the authenticator, anything else against the backup codes (so a
    mistyped code slows down only the device it was meant for). The device that accepts it marks this
    session verified, and a backup code is deleted as it is used. Returns None when accepted, else the
    seconds to wait before trying again: after wrong codes django-otp refuses every code, right or wrong,
    for 1, 2, 4 … seconds, and saying so is better than letting a right code look wrong."""
    code = normalise_code(code)
    devices = [d for d in devices_for_user(request.user) if isinstance(d, TOTPDevice) == code.isdigit()]
    now, waits = timezone.now(), []
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed and info and info.get("locked_until"):
            waits.append(max(1, math.ceil((info["locked_until"] - now).total_seconds())))
            continue
        accepted = django_otp.verify_token(request.user, device.persistent_id, code)
        if accepted is not None:
            django_otp.login(request, accepted)
            return None
    return min(waits) if waits and len(waits) == len(devices) else 0
