"""Writes of the online chat: starting a chat (its inquiry, its session), the messages of both sides through the
inquiry thread, the customer's window coming and going, the end, the rating and the abandon sweep."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from aftersales import names
from aftersales.live import push_to_agents, push_to_staff
from customers.api import mask_mobile, pii_hash
from inquiries import services as inquiry_services
from inquiries.models import Inquiry, InquiryMessage
from inquiries.services import chat as thread
from livechat import selectors
from livechat.models import ChatSession
from messaging.api import sms_send
from messaging.models import OutboundMessage

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest

LIVE_STATES = (ChatSession.State.WAITING, ChatSession.State.ACTIVE)
CODE_DIGITS = 6


class ChatRefused(Exception):
    """A chat message that cannot be taken (too long, empty, too many, not allowed): `code` says which."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def text_clean(text: Any) -> str:
    """A chat message as stored: a string without control characters (tabs and newlines kept), stripped; refused
    when empty or longer than LIVECHAT_MESSAGE_MAX_CHARS."""
    if not isinstance(text, str):
        raise ChatRefused("invalid")
    cleaned = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()
    if not cleaned:
        raise ChatRefused("empty")
    if len(cleaned) > settings.LIVECHAT_MESSAGE_MAX_CHARS:
        raise ChatRefused("too_long")
    return cleaned


def _queue_changed(session: ChatSession) -> None:
    """Tell every open agent screen (the queue refreshes itself), after the change is committed."""
    event = {"type": "queue", "inquiry": session.inquiry_id, "channel": "chat", "state": session.state}
    transaction.on_commit(lambda: push_to_agents(event))


def chat_start(
    *,
    name: str,
    mobile: str,
    topic: str,
    text: str,
    language: str,
    mobile_confirmed: bool = False,
    request: HttpRequest | None = None,
) -> ChatSession:
    """Start a chat: the inquiry (channel chat) with the first message, and its session. With nobody on duty the
    chat is left at once (state abandoned): an ordinary inquiry answered by SMS."""
    now = timezone.now()
    live = selectors.agents_on_duty()
    with transaction.atomic():
        inquiry = thread.chat_inquiry_open(
            name=name, phone=mobile, category=topic, body=text, language=language, live=live, request=request
        )
        session = ChatSession(
            inquiry=inquiry,
            token=secrets.token_urlsafe(32),
            customer_name=name[:100],
            mobile=mobile,
            mobile_hash=pii_hash(mobile),
            mobile_masked=mask_mobile(mobile) if mobile else "",
            mobile_confirmed_at=now if mobile_confirmed else None,
            topic=topic,
            language=language,
            state=ChatSession.State.WAITING if live else ChatSession.State.ABANDONED,
            started_at=now,
            customer_left_at=now,
            last_customer_activity=now,
        )
        session.full_clean()
        session.save()
        if not live:
            thread.chat_event_add(
                inquiry_id=inquiry.pk, text=_("No agent was on duty when the chat started: answer by SMS."), at=now
            )
        _queue_changed(session)
        if live:
            transaction.on_commit(lambda: _announce(session))
    return session


def _announce(session: ChatSession) -> None:
    """A toast on the screens of the agents on duty (of the agent it was given to, when assigned at once), each in
    the agent's language."""
    inquiry = session.inquiry
    only = [inquiry.assigned_to_id] if inquiry.assigned_to_id else None
    for user_id, language in selectors.on_duty_staff(user_ids=only):
        with override(language or settings.LANGUAGE_CODE):
            context = {"session": session, "inquiry": inquiry, "topic": session.get_topic_display()}
            html = render_to_string("livechat/_toast_waiting.html", context)
        push_to_staff(user_id, {"type": "chat", "inquiry": inquiry.pk, "html": html, "sticky": False})


def chat_message_leave(
    *, name: str, mobile: str, topic: str, text: str, language: str, request: HttpRequest | None = None
) -> Inquiry:
    """Outside service hours: the message becomes an ordinary inquiry (channel chat, the minutes rule)."""
    return thread.chat_inquiry_open(
        name=name, phone=mobile, category=topic, body=text, language=language, live=False, request=request
    )


def mobile_code_send(*, mobile: str, language: str) -> str:
    """Send a confirmation code to the mobile (an answer to the customer's own request: a reply-type SMS);
    returns the code for the session to check."""
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    with override(language or settings.LANGUAGE_CODE):
        body = _("Your online service code is %(code)s. It is valid for %(minutes)s minutes.") % {
            "code": code,
            "minutes": settings.LIVECHAT_CODE_MINUTES,
        }
    sms_send(to=mobile, body=body, purpose=OutboundMessage.Purpose.INQUIRY_REPLY, language=language)
    return code


def chat_customer_connected(*, session_id: int) -> None:
    """A chat window of the customer opened (a socket connected)."""
    now = timezone.now()
    ChatSession.objects.filter(pk=session_id).update(
        customer_sockets=F("customer_sockets") + 1, customer_left_at=None, last_customer_activity=now
    )


def chat_customer_disconnected(*, session_id: int) -> None:
    """A chat window closed: when it was the last one, the abandon clock starts."""
    now = timezone.now()
    with transaction.atomic():
        ChatSession.objects.filter(pk=session_id).update(customer_sockets=F("customer_sockets") - 1)
        ChatSession.objects.filter(pk=session_id, customer_sockets__lte=0).update(
            customer_sockets=0, customer_left_at=now, last_customer_activity=now
        )


def chat_customer_message(*, session: ChatSession, text: Any, client_id: str = "") -> dict[str, Any]:
    """The customer wrote in the chat window: stored in the thread (masked), returned as a protocol event."""
    body = text_clean(text)
    message, _created = thread.chat_customer_message_add(
        inquiry_id=session.inquiry_id, body=body, client_id=_client_id(client_id)
    )
    ChatSession.objects.filter(pk=session.pk).update(last_customer_activity=message.created_at)
    return selectors.message_event(message, customer_name=session.customer_name)


def _client_id(value: Any) -> str:
    return value[:64] if isinstance(value, str) else ""


def chat_agent_message(*, session: ChatSession, user: User, text: Any, client_id: str = "") -> dict[str, Any]:
    """An agent answered in the chat: an unassigned chat is claimed first (the inquiries claim rule); stored as
    a reply in the thread, it reaches the customer when their window receives it."""
    body = text_clean(text)
    inquiry = Inquiry.objects.only("assigned_to_id").get(pk=session.inquiry_id)
    if inquiry.assigned_to_id is None:
        try:
            inquiry_services.inquiry_claim(inquiry=inquiry, user=user)
        except inquiry_services.ClaimLost as lost:
            if lost.owner != user:
                raise ChatRefused("claimed") from None
        inquiry.refresh_from_db(fields=["assigned_to"])
    if not selectors.may_work(user=user, inquiry=inquiry):
        raise ChatRefused("not_yours")
    message, _created = thread.chat_reply_add(
        inquiry_id=session.inquiry_id, author=user, body=body, client_id=_client_id(client_id)
    )
    message.author = user
    return selectors.message_event(message, customer_name=session.customer_name)


def chat_agent_joined(*, session_id: int, user: User) -> ChatSession | None:
    """The agent holding the chat's inquiry opened it (claimed, taken over or handed over): the chat is theirs and
    in conversation. Returns the session when its state changed (to tell both sides), else None."""
    with transaction.atomic():
        session = ChatSession.objects.select_for_update().select_related("inquiry").get(pk=session_id)
        if session.state not in LIVE_STATES or session.inquiry.assigned_to_id != user.pk:
            return None
        if session.state == ChatSession.State.ACTIVE and session.claimed_by_id == user.pk:
            return None
        session.state, session.claimed_by = ChatSession.State.ACTIVE, user
        session.save(update_fields=["state", "claimed_by"])
        thread.chat_event_add(
            inquiry_id=session.inquiry_id,
            text=_("%(user)s joined the chat.") % {"user": names.user_display(user)},
            author=user,
        )
        _queue_changed(session)
    return session


def chat_end(*, session_id: int, by: User | None = None) -> ChatSession | None:
    """End a live chat (the customer, or the agent `by`); returns the session when it ended now."""
    now = timezone.now()
    with transaction.atomic():
        session = ChatSession.objects.select_for_update().get(pk=session_id)
        if session.state not in LIVE_STATES:
            return None
        session.state, session.ended_at = ChatSession.State.ENDED, now
        session.save(update_fields=["state", "ended_at"])
        if by is None:
            text = _("The customer ended the chat.")
        else:
            text = _("%(user)s ended the chat.") % {"user": names.user_display(by)}
        thread.chat_event_add(inquiry_id=session.inquiry_id, text=text, author=by, at=now)
        _queue_changed(session)
    return session


def chat_rate(*, session_id: int, score: Any) -> ChatSession:
    """The customer's rating of the chat (1–5), once; counted in CSAT (livechat.kpi_sources)."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"rating": _("Rate the chat from 1 to 5.")})
    now = timezone.now()
    with transaction.atomic():
        session = ChatSession.objects.select_for_update().get(pk=session_id)
        if session.rating is not None:
            raise ValidationError({"rating": _("This chat has already been rated.")})
        session.rating, session.rated_at = score, now
        if session.state in LIVE_STATES:  # rating closes the conversation
            session.state, session.ended_at = ChatSession.State.ENDED, now
        session.full_clean()
        session.save(update_fields=["rating", "rated_at", "state", "ended_at"])
        thread.chat_event_add(
            inquiry_id=session.inquiry_id,
            text=_("The customer rated the chat %(score)s / 5.") % {"score": score},
            at=now,
        )
    return session


def chats_abandon(*, now: datetime | None = None) -> list[int]:
    """Chats whose customer has had no window open for LIVECHAT_ABANDON_SECONDS become ordinary inquiries answered
    by SMS (state abandoned). Set-based; safe to run twice. Returns the ids of the sessions left now."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.LIVECHAT_ABANDON_SECONDS)
    with transaction.atomic():
        stale = ChatSession.objects.filter(state__in=LIVE_STATES, customer_sockets__lte=0, customer_left_at__lt=cutoff)
        # Resolved meanwhile: nothing is owed, the chat just ended.
        stale.filter(inquiry__status=Inquiry.Status.RESOLVED).update(state=ChatSession.State.ENDED, ended_at=now)
        rows = list(
            stale.exclude(inquiry__status=Inquiry.Status.RESOLVED)
            .select_for_update(skip_locked=True)
            .values_list("pk", "inquiry_id")
        )
        if not rows:
            return []
        ChatSession.objects.filter(pk__in=[pk for pk, _i in rows], state__in=LIVE_STATES).update(
            state=ChatSession.State.ABANDONED, ended_at=now
        )
        text = _("The customer left the chat: answer by SMS.")
        InquiryMessage.objects.bulk_create(
            InquiryMessage(inquiry_id=inquiry_id, kind=InquiryMessage.Kind.EVENT, body=text, created_at=now)
            for _pk, inquiry_id in rows
        )
        transaction.on_commit(lambda: push_to_agents({"type": "queue", "channel": "chat", "state": "abandoned"}))
    return [pk for pk, _i in rows]


def delivered(*, message_id: int) -> bool:
    """The customer's window received an agent's answer (it reached the customer: the SLA)."""
    return thread.chat_reply_delivered(message_id=message_id)


def delivered_many(*, reached: dict[int, datetime]) -> list[int]:
    """Answers the customers' windows received (message id -> when), recorded in one go (the sockets' batches)."""
    return thread.chat_replies_delivered(reached=reached)
