"""Before the second factor (#17): the enrol and verify pages show only the sign-in layout; other pages carry the
translated countdown units and the loading indicator."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftersales.notifications import notification_send

pytestmark = pytest.mark.django_db
MENU_MARKERS = ('data-testid="user-menu"', 'id="mainnav"', reverse("notifications"), "unread-count")


@pytest.fixture
def two_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


def _assert_sign_in_layout(page: str) -> None:
    for marker in MENU_MARKERS:
        assert marker not in page, marker
    assert "set_language" in page or 'name="language"' in page  # the language switcher stays


def test_the_enrol_page_shows_no_menus_banners_or_notification_count(two_factor_on, client, manager):
    # given a manager with an unread notification and no authenticator yet
    notification_send(recipients=[manager], message="Something to read")
    client.force_login(manager)
    # when they open the enrolment page
    response = client.get(reverse("security:two_factor_enrol"))
    # then it has only the sign-in layout
    assert response.status_code == 200
    _assert_sign_in_layout(response.content.decode())


def test_the_verify_page_shows_only_the_sign_in_layout(two_factor_on, client, manager):
    TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    client.force_login(manager)
    response = client.get(reverse("security:two_factor_verify"))
    assert response.status_code == 200
    _assert_sign_in_layout(response.content.decode())


def test_after_the_second_factor_the_menus_are_back(client_agent):
    page = client_agent.get(reverse("notifications")).content.decode()
    assert 'data-testid="user-menu"' in page and 'id="mainnav"' in page


def test_countdown_units_come_from_the_page_in_chinese(client, make_staff):
    client.force_login(make_staff("zh_agent", "agent", language="zh-hans"))
    page = client.get(reverse("notifications")).content.decode()
    assert 'data-countdown-hm="{h}小时{m}分"' in page
    assert 'data-countdown-ms="{m}分{s}秒"' in page
    assert 'id="portal-loading"' in page


def test_the_printed_demo_logins_are_complete_and_match_the_readme():
    import re
    from pathlib import Path

    from aftersales.management.commands.run_portal import demo_logins

    names = [username for username, *_ in demo_logins()]
    assert names == [
        "admin",
        "agent",
        "agent2",
        "agent3",
        "agent4",
        "agent5",
        "supervisor",
        "manager",
        "risk",
        "legal",
        "backoffice",
        "finance",
    ]
    readme = Path(__file__).resolve().parents[2].joinpath("README.md").read_text(encoding="utf-8")
    section = readme.split("## Demo logins", 1)[1].split("\n## ", 1)[0]
    in_table = re.findall(r"^\| `(\w+)`", section, flags=re.M)
    assert in_table == [n for n in names if not re.fullmatch(r"agent[2-5]", n)]
    assert "`agent2`…`agent5`" in section
