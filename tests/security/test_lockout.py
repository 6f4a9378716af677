"""Repeated failed sign-ins lock the user name from that address; the person is told; an admin unlocks."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from aftersales.models import AuditEntry
from tests.security.conftest import enrol, login_form


@pytest.mark.django_db
def test_an_agent_locked_out_is_told_so_and_unlocked_by_an_admin(security_on, client, agent, back_office):
    security_on.AXES_FAILURE_LIMIT = 5
    # given five failed attempts for the agent from one address
    for _ in range(5):
        response = login_form(client, agent.username, "wrong-password", REMOTE_ADDR="10.0.0.7")
    # then the fifth already answers with the lockout page, and even the right password is refused now
    assert response.status_code == 403
    response = login_form(client, agent.username, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 403
    page = response.content.decode()
    assert "locked after 5 failed sign-in attempts" in page
    assert "ask your supervisor or the back office to unlock" in page
    assert "_auth_user_id" not in client.session
    # and every failure is in the audit log with the address
    failures = AuditEntry.objects.filter(action="login_failed", object_repr=agent.username)
    assert failures.count() == 6
    assert set(failures.values_list("ip_address", flat=True)) == {"10.0.0.7"}

    # when the back office opens the locked sign-ins and unlocks it
    admin_client = client.__class__()
    admin_client.force_login(back_office)
    enrol(admin_client, back_office)  # back office works in the admin: second factor required
    listing = admin_client.get(reverse("security:lockouts"))
    assert listing.status_code == 200
    assert agent.username in listing.content.decode()
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username=agent.username)
    response = admin_client.post(reverse("security:lockout_release", args=[attempt.pk]))
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="lockout_release", actor=back_office, object_repr=agent.username).exists()

    # then the agent signs in with the right password
    response = login_form(client, agent.username, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)
    assert AuditEntry.objects.filter(action="login", actor=agent).count() == 1


@pytest.mark.django_db
def test_the_lockout_is_per_user_and_address(security_on, client, agent, make_staff):
    security_on.AXES_FAILURE_LIMIT = 3
    colleague = make_staff("agent_b", "agent")
    for _ in range(3):
        login_form(client, agent.username, "wrong-password", REMOTE_ADDR="10.0.0.7")
    # the same user from another address, and a colleague from the same address, still sign in
    assert login_form(client, agent.username, REMOTE_ADDR="10.0.0.8").status_code == 302
    client.logout()
    assert login_form(client, colleague.username, REMOTE_ADDR="10.0.0.7").status_code == 302


@pytest.mark.django_db
def test_only_managers_and_back_office_see_and_release_lockouts(security_on, client, agent):
    client.force_login(agent)
    assert client.get(reverse("security:lockouts")).status_code == 403
    assert client.post(reverse("security:lockout_release", args=[1])).status_code == 403


@pytest.mark.django_db
def test_login_posts_are_rate_limited_per_address_and_name(security_on, client, agent, make_staff):
    security_on.LOGIN_RATE_LIMIT = "3/m"
    security_on.AXES_FAILURE_LIMIT = 100
    for _ in range(3):
        assert login_form(client, "nobody", "x", REMOTE_ADDR="10.9.9.9").status_code == 200
    response = login_form(client, "nobody", "x", REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert "try again later" in response.content.decode()
    assert int(response["Retry-After"]) >= 1
    # a colleague behind the same office address signs in; another address is not affected either
    colleague = make_staff("agent_c", "agent")
    assert login_form(client, colleague.username, REMOTE_ADDR="10.9.9.9").status_code == 302
    client.logout()
    assert login_form(client, agent.username, REMOTE_ADDR="10.9.9.10").status_code == 302


@pytest.mark.django_db
def test_many_names_from_one_address_are_capped(security_on, client):
    security_on.LOGIN_ADDRESS_RATE_LIMIT = "5/m"
    security_on.AXES_FAILURE_LIMIT = 100
    # inside one minute's window whatever the machine's speed (the limit counts in fixed minute windows)
    with time_machine.travel("2026-12-03 10:00:05+08:00", tick=False):
        for i in range(5):
            assert login_form(client, f"guess{i}", "x", REMOTE_ADDR="10.9.9.11").status_code == 200
        assert login_form(client, "guess99", "x", REMOTE_ADDR="10.9.9.11").status_code == 429
