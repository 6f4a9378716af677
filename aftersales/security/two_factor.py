"""Two-factor sign-in: TOTP devices (authenticator apps) and one-time recovery codes (django-otp)."""

from __future__ import annotations

import io

from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftersales import permissions as roles
from aftersales.audit import audit_log

TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


def needs_second_factor(user) -> bool:
    """Managers, supervisors and admin users (staff or superuser) must use a second factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.is_staff:
        return True
    return bool(roles.user_roles(user) & set(settings.TWO_FACTOR_ROLES))


def totp_device_for_enrolment(*, user) -> TOTPDevice:
    """Return the user's unconfirmed authenticator device, creating one with a fresh secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def qr_code_svg(text: str) -> str:
    """The text as an SVG QR code (no imaging library needed)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    # Drop the XML declaration so the SVG can be inlined in the page.
    return svg[svg.index("<svg") :]


def secret_for_display(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app that cannot scan."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _clean(token: str) -> str:
    return "".join(str(token or "").split()).lower()[:16]


@transaction.atomic
def totp_enrolment_confirm(*, request, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a code from the app; returns new recovery codes, or None for a wrong code."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if device.confirmed or not device.verify_token(_clean(token)):
        audit_log(actor=user, action="2fa_enrol_failed", obj=user, request=request)
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # One authenticator per user: an older confirmed one is replaced.
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    codes = recovery_codes_regenerate(user=user)
    otp_login(request, device)
    audit_log(actor=user, action="2fa_enrolled", obj=user, request=request)
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user) -> list[str]:
    """Replace the user's recovery codes with fresh ones (each works once)."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def second_factor_verify(*, request, user, token: str) -> bool:
    """Check a code from the authenticator app or a recovery code; on success mark the session verified."""
    token = _clean(token)
    if token:
        for model in (TOTPDevice, StaticDevice):
            for device in model.objects.filter(user=user, confirmed=True):
                allowed, _data = device.verify_is_allowed()
                if allowed and device.verify_token(token):
                    otp_login(request, device)
                    kind = "recovery_code" if model is StaticDevice else "totp"
                    audit_log(actor=user, action="2fa_verified", obj=user, changes={"method": kind}, request=request)
                    return True
    audit_log(actor=user, action="2fa_failed", obj=user, request=request)
    return False


def recovery_codes_left(*, user) -> int:
    """How many unused recovery codes the user still has."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def second_factor_reset(*, actor, user, request=None) -> None:
    """Remove a user's devices (lost phone): they enrol again at the next sign-in. Admin action, audited."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_log(actor=actor, action="2fa_reset", obj=user, request=request)
