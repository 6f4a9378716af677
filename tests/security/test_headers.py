"""Content-Security-Policy without inline script, upload size limit, and no inline JavaScript in any template."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"] + [
    Path(settings.BASE_DIR) / app / "templates" for app in settings.LOCAL_APPS
]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son(click|change|submit|load|input|keyup|keydown|focus|blur)\s*=", re.I)
JS_URL = re.compile(r"href=\"javascript:", re.I)


@pytest.mark.django_db
def test_every_page_has_a_strict_content_security_policy(client_agent):
    response = client_agent.get(reverse("notifications"))
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["img-src"] == "'self' data:"
    assert "unsafe-inline" not in directives["style-src"]
    assert "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_template_contains_inline_javascript():
    offenders = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JS_URL):
                for match in pattern.finditer(text):
                    offenders.append(f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)}")
    assert offenders == []


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(settings, client_agent):
    settings.UPLOAD_MAX_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client_agent.post(
        reverse("notifications_mark_read"), data=b"x" * 5000, content_type="application/octet-stream"
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()


@pytest.mark.django_db
def test_pages_load_with_the_policy_in_a_real_browser_without_violations(settings, page, live_server, make_staff):
    pytest.importorskip("playwright")
    from tests.conftest import browser_login

    settings.SESSION_IDLE_SECONDS = 125
    settings.SESSION_IDLE_WARNING_SECONDS = 120
    make_staff("csp_agent", "agent")
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    browser_login(page, "csp_agent")
    page.goto("/notifications/")
    page.wait_for_load_state("networkidle")
    # the idle warning appears (125 s idle limit, warning 120 s before) and "Stay signed in" dismisses it
    warning = page.locator("#session-warning")
    warning.wait_for(state="visible", timeout=15_000)
    assert "signed out soon" in warning.inner_text()
    page.click(".js-session-stay")
    warning.wait_for(state="hidden", timeout=5_000)
    assert violations == []


test_pages_load_with_the_policy_in_a_real_browser_without_violations = pytest.mark.browser(
    pytest.mark.django_db(transaction=True)(test_pages_load_with_the_policy_in_a_real_browser_without_violations)
)
