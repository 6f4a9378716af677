"""Shared fixtures: staff of every role, service requirements (PostgreSQL, Redis, Chromium), the browser.

On a developer's machine a test that needs a missing service or browser skips with the reason.
With REQUIRE_SERVICES=1 (set by .ci/run) such a skip becomes a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connection

from aftersales import permissions as roles

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# The first CI run (make test, on SQLite) still needs the browser: skipping it there is a failure too.
REQUIRE_BROWSER = REQUIRE_SERVICES or os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "test-pass-12345"


def missing(reason: str, *, browser: bool = False) -> None:
    """Skip for a missing service on a developer machine; fail in CI (REQUIRE_SERVICES=1 / REQUIRE_BROWSER=1)."""
    if REQUIRE_SERVICES or (browser and REQUIRE_BROWSER):
        pytest.fail(f"required service missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _service_markers(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing("needs PostgreSQL: run with DATABASE_URL=postgres://... (see README)")
    if request.node.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        missing("needs Redis: run with REDIS_URL=redis://127.0.0.1:6379/0 (see README)")
    if request.node.get_closest_marker("browser") and not os.path.exists(CHROMIUM):
        missing("needs Chromium: apt-get install chromium (see README)", browser=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts without what the layout and the queue keep in the cache for a few seconds.

    The in-memory cache (SQLite runs) is cleared. A Redis cache may be the database the broker also uses
    (CI run 2), so it is never flushed: only the portal's own shared keys are deleted.
    """
    from django.core.cache import cache
    from django.core.cache.backends.locmem import LocMemCache

    from aftersales.portal import _menus

    _menus.clear()
    if isinstance(cache, LocMemCache):
        cache.clear()
        return
    from aftersales.selectors import HEARTBEATS_CACHE_KEY
    from complaints.selectors import OPEN_INCIDENTS_CACHE_KEY
    from inquiries.selectors import QUEUE_COUNTS_CACHE_KEY
    from loans.kpi_sources import ACTIVE_LOANS_CACHE_KEY

    try:
        cache.delete_many(
            [HEARTBEATS_CACHE_KEY, OPEN_INCIDENTS_CACHE_KEY, QUEUE_COUNTS_CACHE_KEY, ACTIVE_LOANS_CACHE_KEY]
        )
        client = cache._cache.get_client(write=True)
        stale = list(client.scan_iter(match=cache.make_key("notifications:unread:*")))
        stale += list(client.scan_iter(match=cache.make_key("loans:review_queue_count:*")))
        if stale:
            client.delete(*stale)
    except Exception:  # noqa: BLE001 - a test that stops Redis on purpose must still start
        pass


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _make_staff(django_user_model, username: str, role: str, **profile):
    profile.setdefault("language", "en")  # tests read English pages unless they ask otherwise
    from staff.services import staff_member_create

    return staff_member_create(
        username=username, password=PASSWORD, role=role, first_name=username.title(), **profile
    ).user


@pytest.fixture
def make_staff(db, django_user_model):
    """Factory: make_staff("alice", "agent", on_duty=True) -> User with a profile and the role's group."""

    def make(username: str, role: str, **profile):
        return _make_staff(django_user_model, username, role, **profile)

    return make


@pytest.fixture
def agent(make_staff):
    return make_staff("agent_a", roles.AGENT, on_duty=True)


@pytest.fixture
def supervisor(make_staff):
    return make_staff("supervisor_s", roles.SUPERVISOR, on_duty=True)


@pytest.fixture
def manager(make_staff):
    return make_staff("manager_m", roles.MANAGER)


@pytest.fixture
def risk_assessor(make_staff):
    return make_staff("risk_r", roles.RISK_ASSESSOR)


@pytest.fixture
def legal_advisor(make_staff):
    return make_staff("legal_l", roles.LEGAL_ADVISOR)


@pytest.fixture
def back_office(make_staff):
    return make_staff("backoffice_b", roles.BACK_OFFICE)


def _client_for(client, user):
    """A client signed in as the user, who has already opened a page (as staff have, all day).

    The first page after signing in stamps the session's activity and fills the layout's shared cache;
    later pages do neither, so query counts are measured on those.
    """
    client.force_login(user)
    client.get("/", follow=True)
    return client


@pytest.fixture
def client_agent(client, agent):
    return _client_for(client, agent)


@pytest.fixture
def client_supervisor(client, supervisor):
    return _client_for(client, supervisor)


@pytest.fixture
def client_manager(client, manager):
    return _client_for(client, manager)


@pytest.fixture
def client_risk(client, risk_assessor):
    return _client_for(client, risk_assessor)


@pytest.fixture
def client_legal(client, legal_advisor):
    return _client_for(client, legal_advisor)


@pytest.fixture
def client_back_office(client, back_office):
    return _client_for(client, back_office)


# ---- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _playwright():
    if not os.path.exists(CHROMIUM):
        missing("needs Chromium: apt-get install chromium (see README)", browser=True)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium(_playwright):
    """A real headless Debian Chromium driven by Playwright."""
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield browser
    browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser page (own cookies) with `page.base_url` pointing at the live server."""
    context = chromium.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.base_url = live_server.url
    yield pg
    context.close()


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


# ---- fake Twilio -------------------------------------------------------------------------------


@pytest.fixture
def fake_twilio(settings):
    """A fake Twilio server on 127.0.0.1; the portal's twilio backend is pointed at it."""
    from tests.fakes.twilio_server import FakeTwilio

    fake = FakeTwilio().start()
    settings.MESSAGING_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = fake.account_sid
    settings.TWILIO_AUTH_TOKEN = fake.auth_token
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_API_BASE_URL = fake.base_url
    yield fake
    fake.stop()
