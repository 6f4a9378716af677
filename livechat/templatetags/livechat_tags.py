"""The chat panel on the inquiry page of a chat inquiry (included by templates/livechat/_inquiry_chat.html)."""

from __future__ import annotations

from django import template
from django.conf import settings

from inquiries import selectors as inquiry_selectors
from livechat import selectors

register = template.Library()


@register.inclusion_tag("livechat/_panel.html", takes_context=True)
def chat_panel(context, inquiry) -> dict:
    """The chat's state, rating and live conversation (2 queries: the session, the canned replies)."""
    request = context.get("request")
    session = selectors.session_for_inquiry(inquiry_id=inquiry.pk)
    user = getattr(request, "user", None)
    may_chat = bool(session and user and session.is_live and selectors.may_work(user=user, inquiry=inquiry))
    language = inquiry.language or getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    response_seconds = None
    if inquiry.first_responded_at:
        response_seconds = int((inquiry.first_responded_at - inquiry.received_at).total_seconds())
    return {
        "inquiry": inquiry,
        "session": session,
        "may_chat": may_chat,
        "canned": inquiry_selectors.canned_replies_for(language=language) if may_chat else [],
        "socket_path": f"/ws/chat/agent/{inquiry.pk}/" if session else "",
        "response_seconds": response_seconds,
        "max_chars": settings.LIVECHAT_MESSAGE_MAX_CHARS,
        "stars": "★" * (session.rating or 0) if session else "",
    }
