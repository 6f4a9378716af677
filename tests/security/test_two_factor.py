"""Managers, supervisors and admin users reach nothing before the second factor (TOTP or a recovery code)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftersales import permissions as roles
from aftersales.middleware import TWO_FACTOR_EXEMPT
from aftersales.models import AuditEntry
from tests.security.conftest import enrol, login_form

SAMPLE_ARGS = {"int": "1", "str": "x", "slug": "x", "uuid": str(uuid.uuid4()), "path": "x"}


def every_portal_path() -> list[tuple[str, str]]:
    """(url name, path) for every URL pattern of the project, converters filled with sample values."""
    found = []

    def walk(resolver, prefix: str, namespace: str):
        for entry in resolver.url_patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry, prefix + route, ns)
            elif isinstance(entry, URLPattern):
                path = prefix + route
                if path.startswith("^") or "(?P" in path:  # regex patterns (admin internals): use a fixed sample
                    continue
                path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ARGS.get(m.group(1) or "str", "x"), path)
                found.append((namespace + (entry.name or ""), "/" + path))

    walk(get_resolver(), "", "")
    return found


@pytest.mark.django_db
def test_a_manager_without_the_second_factor_reaches_no_page(security_on, client, manager):
    # given a manager signed in with the password only (no authenticator yet)
    client.force_login(manager)
    paths = [(name, path) for name, path in every_portal_path() if name not in TWO_FACTOR_EXEMPT]
    paths += [("admin", "/admin/"), ("admin-users", "/admin/auth/user/")]
    assert len(paths) > 20
    # when they open each page of the project (portal and admin), then every one sends them to the enrolment
    reached = {}
    for name, path in paths:
        response = client.get(path)
        location = response.headers.get("Location", "")
        if not (response.status_code == 302 and location.startswith(reverse("security:two_factor_enrol"))):
            reached[name] = (path, response.status_code, location)
    assert reached == {}
    # and a POST is refused the same way (nothing is done)
    response = client.post(reverse("notifications_mark_read"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("security:two_factor_enrol"))


@pytest.mark.django_db
def test_htmx_requests_are_redirected_with_hx_redirect(security_on, client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("notifications"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("security:two_factor_enrol"))


@pytest.mark.django_db
def test_enrolment_then_verification_with_totp_and_recovery_codes(security_on, client, manager):
    # (django-otp's growing delay after a wrong code is left out here so the steps can follow each other)
    security_on.OTP_TOTP_THROTTLE_FACTOR = 0
    security_on.OTP_STATIC_THROTTLE_FACTOR = 0
    # given a manager who signs in with the real form
    response = login_form(client, manager.username)
    assert response.status_code == 302
    # when they go to a page they are sent to enrolment, which shows a QR code and the secret
    response = client.get(reverse("audit_log"))
    assert response["Location"].startswith(reverse("security:two_factor_enrol"))
    page = client.get(response["Location"])
    assert b"<svg" in page.content and b"totp-secret" in page.content
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    # a wrong code is refused and nothing is confirmed
    wrong = f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"
    response = client.post(reverse("security:two_factor_enrol"), {"token": wrong})
    assert response.status_code == 200 and b"not right" in response.content
    device.refresh_from_db()
    assert device.confirmed is False
    # the right code confirms the device and shows ten recovery codes once
    response = client.post(reverse("security:two_factor_enrol"), {"token": f"{totp(device.bin_key):06d}"})
    codes = re.findall(r'<li class="col">(\w+)</li>', response.content.decode())
    assert len(codes) == 10
    # then the pages open in this session
    assert client.get(reverse("audit_log")).status_code == 200

    # given a new sign-in (a new session)
    client.logout()
    login_form(client, manager.username)
    response = client.get(reverse("audit_log"))
    assert response["Location"].startswith(reverse("security:two_factor_verify"))
    # a recovery code works exactly once
    response = client.post(reverse("security:two_factor_verify"), {"token": codes[0], "next": "/audit/"})
    assert response.status_code == 302 and response["Location"] == "/audit/"
    assert client.get(reverse("audit_log")).status_code == 200
    client.logout()
    login_form(client, manager.username)
    response = client.post(reverse("security:two_factor_verify"), {"token": codes[0]})
    assert response.status_code == 200 and b"not right" in response.content
    assert client.get(reverse("audit_log")).status_code == 302
    # and the audit log has the whole story
    actions = list(AuditEntry.objects.filter(actor=manager).values_list("action", flat=True))
    for action in ("login", "2fa_enrol_failed", "2fa_enrolled", "2fa_verified", "2fa_failed"):
        assert action in actions


@pytest.mark.django_db
def test_a_password_alone_cannot_replace_an_existing_authenticator(security_on, client, manager):
    # given a manager already enrolled
    client.force_login(manager)
    enrol(client, manager)
    client.logout()
    # when someone with the password only opens the enrolment page
    client.force_login(manager)
    response = client.get(reverse("security:two_factor_enrol"))
    # then they are sent to verification instead and no new device is created
    assert response["Location"].startswith(reverse("security:two_factor_verify"))
    assert TOTPDevice.objects.filter(user=manager).count() == 1


@pytest.mark.django_db
def test_admin_users_need_the_second_factor_and_agents_do_not(security_on, client, agent):
    admin_user = get_user_model().objects.create_superuser("root_admin", "root@example.com", "x-long-password-1")
    client.force_login(admin_user)
    assert client.get("/admin/")["Location"].startswith(reverse("security:two_factor_enrol"))
    client.logout()
    client.force_login(agent)
    response = client.get(reverse("notifications"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_open_redirects_are_refused_after_verification(security_on, client, manager):
    client.force_login(manager)
    device = enrol(client, manager)
    client.logout()
    client.force_login(manager)
    token = f"{totp(device.bin_key):06d}"
    # the same TOTP code cannot be used twice; use the next-step code via a fresh device verification
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    response = client.post(reverse("security:two_factor_verify"), {"token": token, "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_roles_needing_the_second_factor():
    assert set(roles.LEADERS) <= {roles.MANAGER, roles.SUPERVISOR}
