"""The agents' queue: order, filters, live refresh, claiming, automatic assignment, query counts."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales.models import AuditEntry
from inquiries import services
from inquiries.models import Inquiry
from tests.inquiries.factories import make_customer, make_inquiry

pytestmark = pytest.mark.django_db


def refs(response):
    return [row.reference for row in response.context["page"].object_list]


def test_unanswered_first_by_time_left_then_customer_waiting(client_agent, agent):
    # given three unanswered inquiries received 2, 8 and 12 minutes ago, and one answered
    answered = make_inquiry(minutes_ago=20)
    services.inquiry_call_log(inquiry=answered, author=agent, body="called", reached=True)
    fresh = make_inquiry(minutes_ago=2)
    amber = make_inquiry(minutes_ago=8)
    breached = make_inquiry(minutes_ago=12)
    # when the agent opens the queue
    response = client_agent.get(reverse("inquiries:queue"))
    # then the breached one is first (least time left), the answered one last
    assert refs(response) == [breached.reference, amber.reference, fresh.reference, answered.reference]
    html = response.content.decode()
    assert html.count('class="countdown') == 3
    assert f'data-due="{breached.first_response_due.isoformat()}"' in html
    assert 'data-label-amber="Due soon"' in html


def test_resolved_inquiries_are_not_in_the_queue(client_agent, agent):
    done = make_inquiry(minutes_ago=3)
    services.inquiry_resolve(inquiry=done, actor=agent, category="answered", note="ok")
    assert refs(client_agent.get(reverse("inquiries:queue"))) == []


def test_filters(client_agent, agent, make_staff):
    other = make_staff("agent_b", "agent", on_duty=True)
    mine = make_inquiry(minutes_ago=1, channel="email", email="a@example.com", category="fees")
    services.inquiry_claim(inquiry=mine, user=agent)
    theirs = make_inquiry(minutes_ago=2, channel="sms", category="hardship")
    services.inquiry_claim(inquiry=theirs, user=other)
    unassigned = make_inquiry(minutes_ago=15, channel="sms", category="fees")
    url = reverse("inquiries:queue")
    assert refs(client_agent.get(url, {"view": "mine"})) == [mine.reference]
    assert refs(client_agent.get(url, {"view": "unassigned"})) == [unassigned.reference]
    assert refs(client_agent.get(url, {"view": "breached"})) == [unassigned.reference]
    assert refs(client_agent.get(url, {"channel": "email"})) == [mine.reference]
    assert refs(client_agent.get(url, {"category": "hardship"})) == [theirs.reference]
    response = client_agent.get(url)
    assert response.context["counts"] == {"all": 3, "mine": 1, "unassigned": 1, "breached": 1, "unanswered": 3}


def test_htmx_poll_returns_only_the_table_with_new_rows(client_agent):
    page = client_agent.get(reverse("inquiries:queue"))
    assert 'hx-trigger="every 5s"' in page.content.decode()
    new = make_inquiry(minutes_ago=0)
    partial = client_agent.get(reverse("inquiries:queue"), HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert new.reference in text
    assert "<html" not in text


def test_queue_masks_customers(client_agent):
    customer = make_customer(mobile="+8613812345678", name="张三丰")
    make_inquiry(phone="+8613812345678", minutes_ago=1, customer=customer)
    make_inquiry(phone="+8613700001234", minutes_ago=1)
    text = client_agent.get(reverse("inquiries:queue")).content.decode()
    assert "张**" in text and "张三丰" not in text
    assert "137****1234" in text and "13700001234" not in text


def _queue_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("inquiries:queue"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_queue_runs_the_same_number_of_queries_for_10_and_1000_open_inquiries(client_agent, agent):
    # given 10 open inquiries, some with customers and agents
    def bulk(n, start):
        now = timezone.now()
        customer = make_customer()
        rows = []
        for i in range(start, start + n):
            received = now - timedelta(seconds=i)
            rows.append(
                Inquiry(
                    reference=f"INQ-261128-{i:05d}",
                    channel="sms",
                    subject=f"q{i}",
                    received_at=received,
                    first_response_due=received + timedelta(minutes=10),
                    customer=customer if i % 2 else None,
                    assigned_to=agent if i % 3 == 0 else None,
                    contact_masked="138****0000",
                    flagged=i % 5 == 0,
                    flag_reason="malformed mail" if i % 5 == 0 else "",
                )
            )
        Inquiry.objects.bulk_create(rows)

    bulk(10, 0)
    client_agent.get(reverse("inquiries:queue"))  # warm caches (content types, sessions)
    with_10 = _queue_queries(client_agent)
    # when there are 1,000
    bulk(990, 10)
    with_1000 = _queue_queries(client_agent)
    # then the same queries run (the page shows 50 rows; no per-row query)
    assert with_10 == with_1000
    assert with_10 <= 14


def test_tab_counts_are_shared_by_agents_for_a_few_seconds(settings, client_agent, agent, make_staff):
    settings.INQUIRY_QUEUE_COUNTS_CACHE_SECONDS = 1
    other = make_staff("agent_b", "agent", on_duty=True)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        services.inquiry_claim(inquiry=make_inquiry(minutes_ago=1), user=agent)
        assert client_agent.get(reverse("inquiries:queue")).context["counts"]["all"] == 1
        # a new inquiry within the second: the tabs still show the shared figures (no count query)...
        make_inquiry(minutes_ago=0)
        with CaptureQueriesContext(connection) as ctx:
            response = client_agent.get(reverse("inquiries:queue"), HTTP_HX_REQUEST="true")
        assert response.context["counts"]["all"] == 1
        assert not any("COUNT(" in q["sql"] for q in ctx.captured_queries)
        # ...but its row is there at once
        assert len(response.context["page"].object_list) == 2
        # "mine" comes from the same shared figures, per agent
        client_agent.force_login(other)
        assert client_agent.get(reverse("inquiries:queue")).context["counts"]["mine"] == 0
        # a second later everyone sees the new count (the in-memory cache follows the shifted clock,
        # Redis its own: both)
        traveller.shift(timedelta(seconds=3))
        time.sleep(1.2)
        counts = client_agent.get(reverse("inquiries:queue")).context["counts"]
    assert counts == {"all": 2, "mine": 0, "unassigned": 1, "breached": 0, "unanswered": 2}


def test_queue_rows_escape_what_customers_typed(client_agent):
    inquiry = make_inquiry(
        minutes_ago=1, channel="online", email="x@example.com", subject='<script>alert("x")</script>'
    )
    Inquiry.objects.filter(pk=inquiry.pk).update(flagged=True, flag_reason='"><img src=x onerror=alert(1)>')
    html = client_agent.get(reverse("inquiries:queue")).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in html


def test_htmx_refresh_runs_none_of_the_layout_queries(client_agent, agent):
    from django.core.cache import cache

    from aftersales.notifications import _unread_key
    from aftersales.selectors import HEARTBEATS_CACHE_KEY
    from complaints.selectors import OPEN_INCIDENTS_CACHE_KEY

    def forget_layout_cache():
        cache.delete_many([HEARTBEATS_CACHE_KEY, OPEN_INCIDENTS_CACHE_KEY, _unread_key(agent.pk)])

    make_inquiry(minutes_ago=1)
    forget_layout_cache()
    with CaptureQueriesContext(connection) as full:
        client_agent.get(reverse("inquiries:queue"))
    forget_layout_cache()
    with CaptureQueriesContext(connection) as partial:
        client_agent.get(reverse("inquiries:queue"), HTTP_HX_REQUEST="true")
    layout_tables = ("aftersales_notification", "complaints_incident", "aftersales_heartbeat")
    for table in layout_tables:
        assert any(table in q["sql"] for q in full.captured_queries)
        assert not any(table in q["sql"] for q in partial.captured_queries)


def test_unread_count_follows_new_and_read_notifications(client_agent, agent):
    from aftersales.notifications import notification_send

    assert 'id="unread-count"' not in client_agent.get(reverse("notifications")).content.decode()
    notification_send(recipients=[agent], message="Inquiry about to breach")
    assert '<span class="badge rounded-pill text-bg-danger" id="unread-count">1</span>' in (
        client_agent.get(reverse("inquiries:queue")).content.decode()
    )
    client_agent.post(reverse("notifications_mark_read"))
    assert 'id="unread-count"' not in client_agent.get(reverse("inquiries:queue")).content.decode()


def test_claim_once_then_the_other_agent_is_told(client, agent, make_staff):
    other = make_staff("agent_b", "agent", on_duty=True)
    inquiry = make_inquiry(minutes_ago=1)
    client.force_login(agent)
    response = client.post(reverse("inquiries:claim", args=[inquiry.pk]))
    assert response.status_code == 302 and response["Location"] == inquiry.get_absolute_url()
    client.force_login(other)
    response = client.post(reverse("inquiries:claim", args=[inquiry.pk]), follow=True)
    assert "claimed inquiry" in response.content.decode() and "a moment before you" in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.assigned_to == agent and inquiry.status == Inquiry.Status.OPEN
    assert AuditEntry.objects.filter(action="inquiry_claim").count() == 1


def test_claim_service_raises_for_the_loser(agent, make_staff):
    other = make_staff("agent_b", "agent", on_duty=True)
    inquiry = make_inquiry(minutes_ago=1)
    services.inquiry_claim(inquiry=inquiry, user=agent)
    stale = Inquiry.objects.get(pk=inquiry.pk)
    with pytest.raises(services.ClaimLost) as lost:
        services.inquiry_claim(inquiry=stale, user=other)
    assert lost.value.owner == agent


def test_auto_assignment_to_least_loaded_on_duty_agent(settings, make_staff):
    # given three agents: busy (2 open), idle (0 open), off duty (0 open)
    settings.INQUIRY_AUTO_ASSIGN = True
    busy = make_staff("busy", "agent", on_duty=True)
    idle = make_staff("idle", "agent", on_duty=True)
    make_staff("away", "agent", on_duty=False)
    for _ in range(2):
        Inquiry.objects.filter(pk=make_inquiry(minutes_ago=1).pk).update(assigned_to=busy)
    # when a new inquiry arrives
    inquiry = make_inquiry(minutes_ago=0)
    # then it goes to the idle on-duty agent
    assert inquiry.assigned_to == idle
    assert inquiry.status == Inquiry.Status.OPEN


def test_no_auto_assignment_when_switched_off(make_staff):
    make_staff("idle", "agent", on_duty=True)
    assert make_inquiry(minutes_ago=0).assigned_to is None
