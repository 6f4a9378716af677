"""The online chat in two real Chromium windows (#16): a customer on the public chat page, an agent in the portal.

Served by the ASGI live server of tests/livechat/conftest.py (uvicorn: HTTP and WebSockets), with the in-memory
channel layer under SQLite and the Redis layer when REDIS_URL is set.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
import time

import pytest

from inquiries.models import Inquiry, InquiryMessage
from livechat.models import ChatSession
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "请问我这期的还款日是哪天？"
ANSWER = "您好，本期还款日是12月15日。"
LIVE_SECONDS = 2.0


def _context(chromium, server, locale):
    context = chromium.new_context(base_url=server.url, locale=locale)
    context.set_default_timeout(10_000)
    return context


def _sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_customer_and_agent_chat_live(chromium, asgi_live_server, make_staff, settings):
    # given an agent on duty whose queue is open (and connected to the live events)
    settings.REMINDER_QUIET_START = settings.REMINDER_QUIET_END = "00:00"  # no quiet hours whatever the hour
    make_staff("chat_agent", "agent", on_duty=True)
    agent_context = _context(chromium, asgi_live_server, "en-US")
    customer_context = _context(chromium, asgi_live_server, "zh-CN")
    agent = agent_context.new_page()
    customer = customer_context.new_page()
    try:
        _sign_in(agent, "chat_agent")
        agent.goto("/inquiries/")
        agent.wait_for_selector("body[data-live=connected]")
        agent.evaluate("window.__notReloaded = true")

        # when a customer starts a chat on the public page
        customer.goto("/chat/")
        customer.fill("input[name=name]", "王小明")
        customer.fill("input[name=mobile]", "13800138000")
        customer.select_option("select[name=topic]", "repayment")
        customer.fill("textarea[name=text]", QUESTION)
        started = time.monotonic()
        customer.click("[data-testid=chat-start]")

        # then the agent's queue shows it within 2 s, without a reload
        agent.locator("[data-testid=queue-table]").get_by_text(QUESTION).wait_for(timeout=LIVE_SECONDS * 1000)
        assert time.monotonic() - started < LIVE_SECONDS
        assert agent.evaluate("window.__notReloaded") is True
        customer.wait_for_selector("[data-testid=chat-window][data-connected='1']")
        customer.locator("#chat-messages").get_by_text(QUESTION).wait_for()

        # when the agent claims it and answers in the chat panel
        inquiry = Inquiry.objects.get(channel=Inquiry.Channel.CHAT)
        agent.goto(f"/inquiries/{inquiry.pk}/")
        agent.click("[data-testid=claim]")
        agent.wait_for_selector("[data-testid=chat-panel][data-connected='1']")
        agent.locator("[data-testid=chat-panel] #chat-messages").get_by_text(QUESTION).wait_for()
        agent.fill("[data-testid=chat-panel] #chat-text", ANSWER)
        answered = time.monotonic()
        agent.click("[data-testid=chat-panel] [data-testid=chat-send]")

        # then the customer sees the answer within 2 s, and the agent sees it delivered
        customer.locator("#chat-messages li[data-author=agent]").get_by_text(ANSWER).wait_for(
            timeout=LIVE_SECONDS * 1000
        )
        assert time.monotonic() - answered < LIVE_SECONDS
        agent.locator("[data-testid=chat-panel] li[data-author=agent][data-delivered='1']").wait_for()
        customer.wait_for_selector("[data-testid=chat-window][data-state=active]")

        # when the customer ends the chat and rates it 5
        customer.click("[data-testid=chat-end]")
        customer.click("[data-testid=rate-5]")
        customer.wait_for_selector("[data-testid=chat-rated]:not(.d-none)")
        agent.locator("#chat-rating").get_by_text("5 / 5").wait_for()

        # then the inquiry page shows the transcript, the SLA met and the rating
        agent.reload()
        thread = agent.locator("[data-testid=thread]")
        thread.get_by_text(QUESTION).first.wait_for()
        thread.get_by_text(ANSWER).wait_for()
        assert "SLA met" in agent.locator("[data-testid=chat-sla]").inner_text()
        assert "5 / 5" in agent.locator("[data-testid=chat-rating]").inner_text()
        inquiry.refresh_from_db()
        assert inquiry.sla_met is True and inquiry.assigned_to.username == "chat_agent"
        session = ChatSession.objects.get(inquiry=inquiry)
        assert (session.state, session.rating) == ("ended", 5)
        assert list(
            InquiryMessage.objects.filter(inquiry=inquiry, kind__in=["customer", "reply"]).values_list("kind", "body")
        ) == [("customer", QUESTION), ("reply", ANSWER)]
    finally:
        agent_context.close()
        customer_context.close()


@contextlib.contextmanager
def _website(html: str):
    """The company's website: one page on its own local origin (another port than the portal)."""
    body = html.encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_embed_script_opens_the_chat_in_a_panel_on_the_company_website(chromium, asgi_live_server, settings):
    # given the company's website (another origin) allowed to frame the chat, with the script on its page
    script = f"{asgi_live_server.url}/static/js/livechat-embed.js"
    html = f'<!doctype html><meta charset="utf-8"><title>公司官网</title><h1>欢迎</h1><script src="{script}"></script>'
    context = _context(chromium, asgi_live_server, "zh-CN")
    page = context.new_page()
    try:
        with _website(html) as site:
            settings.LIVECHAT_EMBED_ORIGINS = [site]
            page.goto(f"{site}/")
            # when the visitor presses the floating button
            page.click("[data-aftersales-chat=button]")
            # then the chat's start form opens in a panel on the page
            frame = page.frame_locator("[data-aftersales-chat=panel]")
            frame.locator("[data-testid=chat-start-form]").wait_for()
            assert frame.locator("[data-testid=chat-start]").inner_text().strip() == "开始咨询"
    finally:
        context.close()
