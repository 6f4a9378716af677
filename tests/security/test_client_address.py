"""The client address comes from REMOTE_ADDR, and from X-Forwarded-For only when a trusted proxy sent it.

A forged header from an untrusted client must change nothing: not the lockout, not the sign-in rate limit,
not the public complaint limit, not the address in the audit log.
"""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from aftersales.models import AuditEntry
from aftersales.security.client_address import client_ip
from tests.security.conftest import login_form

rf = RequestFactory()


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


# ---- the rule ------------------------------------------------------------------------------------


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_a_header_from_an_untrusted_client_is_ignored_even_when_proxies_are_configured(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request("203.0.113.9", "10.0.0.5, 198.51.100.1")) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client(settings):
    # given nginx at 10.0.0.1 and an internal balancer at 10.0.0.2 (both trusted), and a client that
    # prepended a forged 198.51.100.1 to its own request
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    request = _request("10.0.0.1", "198.51.100.1, 203.0.113.9, 10.0.0.2")
    # then the forged left-most value is skipped: the first hop from the right outside our proxies is the client
    assert client_ip(request) == "203.0.113.9"


def test_single_addresses_and_a_comma_separated_string_are_accepted(settings):
    settings.TRUSTED_PROXIES = "127.0.0.1, ::1"
    assert client_ip(_request("127.0.0.1", "203.0.113.9")) == "203.0.113.9"
    assert client_ip(_request("::1", "2001:db8::7")) == "2001:db8::7"
    assert client_ip(_request("127.0.0.2", "203.0.113.9")) == "127.0.0.2"


def test_garbage_in_the_chain_stops_at_the_last_hop_we_can_vouch_for(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_ip(_request("127.0.0.1", "203.0.113.9, not-an-address")) == "127.0.0.1"
    assert client_ip(_request("127.0.0.1", "")) == "127.0.0.1"
    # a port on the hop is dropped
    assert client_ip(_request("127.0.0.1", "203.0.113.9:51234")) == "203.0.113.9"


def test_every_caller_uses_the_same_rule(settings):
    from aftersales import audit
    from aftersales.security import lockout, ratelimit

    settings.TRUSTED_PROXIES = []
    request = _request("203.0.113.9", "198.51.100.1")
    assert audit.client_ip(request) == lockout.client_ip(request) == ratelimit.client_ip(request) == "203.0.113.9"


# ---- what a forged header used to bypass ---------------------------------------------------------


@pytest.mark.django_db
def test_rotating_the_header_does_not_escape_the_lockout(security_on, client, agent):
    # given no trusted proxy and a lockout after 5 failures
    security_on.TRUSTED_PROXIES = []
    security_on.AXES_FAILURE_LIMIT = 5
    # when an attacker at 10.0.0.7 tries 5 wrong passwords, each with a fresh X-Forwarded-For
    for i in range(5):
        response = login_form(
            client, agent.username, "wrong-password", REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"
        )
    # then the fifth is already the lockout, and the right password with yet another header is refused too
    assert response.status_code == 403
    response = login_form(client, agent.username, REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    # and the audit log has the real address on every failure, never a forged one
    failures = AuditEntry.objects.filter(action="login_failed", object_repr=agent.username)
    assert failures.count() == 6
    assert set(failures.values_list("ip_address", flat=True)) == {"10.0.0.7"}


@pytest.mark.django_db
def test_rotating_the_header_does_not_escape_the_sign_in_rate_limit(security_on, client):
    security_on.TRUSTED_PROXIES = []
    security_on.LOGIN_RATE_LIMIT = "3/m"
    security_on.AXES_FAILURE_LIMIT = 100
    for i in range(3):
        response = login_form(client, "nobody", "x", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        assert response.status_code == 200
    response = login_form(client, "nobody", "x", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.50")
    assert response.status_code == 429


@pytest.mark.django_db
def test_rotating_the_header_does_not_escape_the_public_complaint_limit(security_on, client):
    security_on.TRUSTED_PROXIES = []
    security_on.PUBLIC_RATE_LIMITS = {"complaints:public_new": ("2/h", ["POST"])}
    url = reverse("complaints:public_new")
    statuses = [
        client.post(url, {}, REMOTE_ADDR="10.7.7.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(3)
    ]
    assert statuses[:2] != [429, 429] and statuses[2] == 429


@pytest.mark.django_db
def test_a_forged_header_does_not_reach_the_audit_log(client, agent, settings):
    settings.TRUSTED_PROXIES = []
    login_form(client, agent.username, REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert AuditEntry.objects.get(action="login", actor=agent).ip_address == "10.0.0.7"


# ---- behind our own proxy ------------------------------------------------------------------------


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_forwarded_address_is_used(security_on, client, agent):
    # given nginx on 127.0.0.1 in TRUSTED_PROXIES, and a lockout after 3 failures
    security_on.TRUSTED_PROXIES = ["127.0.0.1"]
    security_on.AXES_FAILURE_LIMIT = 3
    # when 203.0.113.9 fails three times through the proxy
    for _ in range(3):
        response = login_form(
            client, agent.username, "wrong", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
        )
    assert response.status_code == 403
    # then the audit log records the client's address, not the proxy's
    failures = AuditEntry.objects.filter(action="login_failed", object_repr=agent.username)
    assert set(failures.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    # and the same user from another client behind the same proxy is not locked out
    response = login_form(client, agent.username, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="login", actor=agent).ip_address == "203.0.113.10"
