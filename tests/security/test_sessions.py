"""Idle sessions end after SESSION_IDLE_SECONDS; background polling does not keep them alive; a warning comes first."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone


@pytest.mark.django_db
def test_an_idle_session_ends_and_the_user_is_told_why(settings, client, agent):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(agent)
        assert client.get(reverse("notifications")).status_code == 200
        # 29 minutes later the session is still alive (and the request counts as activity)
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("notifications")).status_code == 200
        # background polling for 31 minutes does not count as activity
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("notifications"), HTTP_X_PORTAL_BACKGROUND="1").status_code == 200
        traveller.shift(dt.timedelta(minutes=2))
        response = client.get(reverse("notifications"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"])
        assert "signed out after 30 minutes without activity" in page.content.decode()


@pytest.mark.django_db
def test_stay_signed_in_counts_as_activity(settings, client, agent):
    settings.SESSION_IDLE_SECONDS = 600
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(agent)
        client.get(reverse("notifications"))
        traveller.shift(dt.timedelta(minutes=9))
        assert client.post(reverse("security:session_keepalive")).json() == {"ok": True, "idle_seconds": 600}
        traveller.shift(dt.timedelta(minutes=9))
        assert client.get(reverse("notifications")).status_code == 200


@pytest.mark.django_db
def test_htmx_request_after_expiry_redirects_the_whole_page(settings, client, agent):
    settings.SESSION_IDLE_SECONDS = 60
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(agent)
        client.get(reverse("notifications"))
        traveller.shift(dt.timedelta(seconds=61))
        response = client.get(reverse("notifications"), HTTP_HX_REQUEST="true", HTTP_X_PORTAL_BACKGROUND="1")
        assert response.status_code == 204
        assert response["HX-Redirect"].startswith(reverse("login"))


@pytest.mark.django_db
def test_pages_carry_the_idle_figures_for_the_warning_script(settings, client_agent):
    settings.SESSION_IDLE_SECONDS = 1800
    settings.SESSION_IDLE_WARNING_SECONDS = 120
    page = client_agent.get(reverse("notifications")).content.decode()
    assert 'data-session-idle="1800"' in page
    assert 'data-session-warning="120"' in page
    assert "js/session.js" in page
    assert 'id="session-warning"' in page


def test_password_validators_are_on(settings):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("password", "12345678901", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak)
