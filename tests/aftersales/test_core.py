from datetime import UTC
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from aftersales.audit import audit_log
from aftersales.models import AuditEntry
from aftersales.money import format_cny, money


def test_money_rounds_half_up_and_refuses_float():
    assert money("2.345") == Decimal("2.35")
    assert money("-2.345") == Decimal("-2.35")
    assert format_cny(Decimal("1234.5")) == "¥1,234.50"
    with pytest.raises(TypeError):
        money(0.1)


def test_audit_log_is_append_only(db, agent):
    entry = audit_log(
        actor=agent, action="test", object_type="x", object_id=1, changes={"mobile": ["+8613812345678", "x"]}
    )
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - SQLite and PostgreSQL raise different classes
        AuditEntry.objects.filter(pk=entry.pk).update(action="changed")
    assert AuditEntry.objects.get(pk=entry.pk).action == "test"
    if connection.vendor == "postgresql":
        with pytest.raises(Exception), transaction.atomic():  # noqa: B017
            AuditEntry.objects.filter(pk=entry.pk).delete()


def test_login_and_failed_login_are_audited(client, agent):
    client.post(reverse("login"), {"username": "agent_a", "password": "wrong"})
    client.post(reverse("login"), {"username": "agent_a", "password": "test-pass-12345"})
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "login_failed" in actions and "login" in actions


def test_admin_cannot_change_audit_entries(admin_client, agent):
    entry = audit_log(actor=agent, action="test")
    response = admin_client.post(reverse("admin:aftersales_auditentry_change", args=[entry.pk]), {"action": "x"})
    assert response.status_code == 403
    assert (
        admin_client.post(reverse("admin:aftersales_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )


def test_stale_worker_banner_for_all_staff(client_agent):
    response = client_agent.get(reverse("notifications"))
    assert "Background processing is silent" in response.content.decode()


def test_status_page_shows_components(client_manager):
    from aftersales.services import heartbeat_record

    heartbeat_record(name="worker")
    heartbeat_record(name="beat")
    response = client_manager.get(reverse("status"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Worker" in body and "Scheduler" in body and "Background processing is silent" not in body


def test_notification_dedupe(db, agent):
    from aftersales.notifications import notification_send

    assert notification_send(recipients=[agent], message="x", dedupe_key="k1") == 1
    assert notification_send(recipients=[agent], message="x", dedupe_key="k1") == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        from aftersales.models import Notification

        Notification.objects.create(recipient=agent, message="y", dedupe_key="k1")


def test_each_page_reads_the_user_with_the_staff_profile_in_one_query(client_agent, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client_agent.get(reverse("notifications"))
    assert response.status_code == 200
    user_queries = [q["sql"] for q in ctx.captured_queries if 'FROM "auth_user"' in q["sql"]]
    assert len(user_queries) == 1
    assert 'JOIN "staff_staffprofile"' in user_queries[0]
    assert not any(q["sql"].startswith('SELECT "staff_staffprofile"') for q in ctx.captured_queries)


def test_a_role_taken_away_applies_on_the_next_request(client_agent, agent):
    from django.contrib.auth.models import Group

    assert client_agent.get(reverse("inquiries:queue")).status_code == 200
    agent.groups.remove(Group.objects.get(name="agent"))
    assert client_agent.get(reverse("inquiries:queue")).status_code == 403


def test_cached_menus_keep_a_working_sign_out_and_follow_the_page_and_language(agent):
    import re

    from django.test import Client

    from tests.conftest import PASSWORD

    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username=agent.username, password=PASSWORD)
    queue = reverse("inquiries:queue")
    browser.get(queue)
    page = browser.get(queue).content.decode()  # the menus now come from the cache
    assert re.search(rf'class="dropdown-item active" href="{queue}"', page)
    other = browser.get(reverse("customers:list")).content.decode()
    assert not re.search(rf'class="dropdown-item active" href="{queue}"', other)
    # the language is part of the menus' key
    agent.staff_profile.language = "zh-hans"
    agent.staff_profile.save()
    assert "退出登录" in browser.get(queue).content.decode()
    # the cached sign-out form still carries a valid CSRF token
    token = re.search(
        r'action="/accounts/logout/"><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', page
    )
    assert token
    response = browser.post("/accounts/logout/", {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert browser.get(queue).status_code == 302  # signed out


def test_crispy_once_reuses_an_empty_form_per_language_and_renders_input_afresh():
    from django import forms
    from django.utils import translation

    from aftersales.templatetags.portal import crispy_once

    class NoteForm(forms.Form):
        body = forms.CharField(label="Note")

    with translation.override("en"):
        first = crispy_once(NoteForm())
        assert crispy_once(NoteForm()) is first  # the same markup, not rendered again
    bound = crispy_once(NoteForm(data={"body": "<b>typed</b>"}))
    assert "&lt;b&gt;typed&lt;/b&gt;" in bound and bound is not first
    empty_error = crispy_once(NoteForm(data={"body": ""}))
    assert "invalid-feedback" in empty_error or "is-invalid" in empty_error


@pytest.mark.django_db
def test_permissions_come_from_the_user_and_their_groups_in_one_query(django_user_model, django_assert_num_queries):
    """The sign-in backend reads a user's own and group permissions together, and a superuser has every one."""
    from django.contrib.auth.models import Group, Permission

    own = Permission.objects.get(codename="view_full_pii")
    via_group = Permission.objects.get(codename="change_customer")
    group = Group.objects.create(name="perm-test-group")
    group.permissions.add(via_group)
    user = django_user_model.objects.create_user("perm_user", password="x")
    user.user_permissions.add(own)
    user.groups.add(group)
    user = django_user_model.objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert user.has_perm("customers.view_full_pii") and user.has_perm("customers.change_customer")
        assert not user.has_perm("customers.delete_customer")
    user.is_active = False
    assert not user.has_perm("customers.view_full_pii")
    boss = django_user_model.objects.create_superuser("perm_boss", password="x")
    assert boss.has_perm("customers.delete_customer")


def test_when_filter_writes_local_digits_like_the_date_filter(settings):
    """`|when` gives the date filter's digit patterns in the portal's time zone, and nothing for nothing."""
    from datetime import date, datetime

    from django.template.defaultfilters import date as date_filter
    from django.utils import timezone, translation

    from aftersales.templatetags.portal import when

    settings.TIME_ZONE = "Asia/Shanghai"
    moment = datetime(2026, 12, 31, 16, 5, 9, tzinfo=UTC)  # 2027-01-01 00:05:09 in Shanghai
    with timezone.override("Asia/Shanghai"), translation.override("zh-hans"):
        for pattern in ("Y-m-d H:i:s", "Y-m-d H:i", "Y-m-d", "m-d H:i", "H:i"):
            assert when(moment, pattern) == date_filter(timezone.localtime(moment), pattern)
        assert when(moment) == "2027-01-01 00:05"
        assert when(date(2026, 2, 28), "Y-m-d") == "2026-02-28"
        assert when(None) == "" and when("") == ""
