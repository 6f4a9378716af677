"""Fixtures for the security tests: the protections the other apps' tests run without are turned on here."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.conftest import PASSWORD


@pytest.fixture
def security_on(settings):
    """Second factor, lockout and rate limits as in production."""
    settings.TWO_FACTOR_REQUIRED = True
    settings.AXES_ENABLED = True
    settings.RATELIMIT_ENABLED = True
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture
def sample_customer(db, back_office):
    """A customer created through the customers service (PII normalised, encrypted, hashed)."""
    from customers.services import customer_create

    return customer_create(
        actor=back_office,
        name="张三",
        national_id="11010519491231002X",
        mobile="+8613812345678",
        email="zhang.san@example.com",
        address="北京市朝阳区建国路 88 号",
        bank_card="6222020200112233446",
    )


def login_form(client, username: str, password: str = PASSWORD, **extra):
    """Sign in through the real login form (so the authentication backends, axes included, run)."""
    extra.setdefault("HTTP_ACCEPT_LANGUAGE", "en")  # signed-out pages follow the browser's language
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def enrol(client, user):
    """Go through the enrolment page with a real code computed from the device's secret; returns the device."""
    from django.urls import reverse
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    response = client.get(reverse("security:two_factor_enrol"))
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("security:two_factor_enrol"), {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 200, response.content[:500]
    return device
