"""The chat pages in the visitor's language (the checks of tests/aftersales/test_language_pages.py, on these pages):
no English on the Chinese pages, no Chinese on the English ones, apart from data typed in by people."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.aftersales.test_language_pages import (
    chinese_runs,
    data_pattern,
    data_values,
    latin_words,
    visible_text,
    without_data,
)
from tests.livechat.factories import make_chat

pytestmark = pytest.mark.django_db


def _pages(client, session, language):
    urls = [reverse("livechat:chat"), reverse("livechat:thanks"), reverse("livechat:window", args=[session.token])]
    return {url: client.get(url, HTTP_ACCEPT_LANGUAGE=language) for url in urls}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_public_chat_pages_speak_one_language(client, agent, settings, language):
    settings.LANGUAGE_CODE = language
    session = make_chat()
    values = data_pattern(data_values())
    check = latin_words if language == "zh-hans" else chinese_runs
    found = {}
    for url, response in _pages(client, session, language).items():
        assert response.status_code == 200
        words = check(without_data(visible_text(response.content.decode()), values))
        if words:
            found[url] = sorted(words)
    assert found == {}


def test_the_chat_panel_on_the_inquiry_page_is_in_chinese(client, make_staff, settings):
    agent = make_staff("zh_agent", "agent", on_duty=True, language="zh-hans")
    session = make_chat()
    client.force_login(agent)
    html = client.get(reverse("inquiries:detail", args=[session.inquiry_id])).content.decode()
    panel = html[
        html.index('data-testid="chat-panel"') : html.index("</section>", html.index('data-testid="chat-panel"'))
    ]
    words = latin_words(without_data(visible_text("<section " + panel + "</section>"), data_pattern(data_values())))
    assert "在线会话" in panel and words == set()
