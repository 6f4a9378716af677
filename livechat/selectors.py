"""Reads of the online chat: the session behind a token, the transcript as the chat windows show it, who may chat."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aftersales import names
from aftersales import permissions as roles
from inquiries.models import Inquiry, InquiryMessage
from livechat.models import ChatSession
from org.models import StaffProfile

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TRANSCRIPT_KINDS = (InquiryMessage.Kind.CUSTOMER, InquiryMessage.Kind.REPLY)
WORKERS = tuple(roles.FRONT_LINE)  # who may read and work inquiries (as inquiries' views)
LEADERS = tuple(roles.LEADERS)
TOKEN_MAX = 64


def session_by_token(*, token: str) -> ChatSession | None:
    """The chat behind a customer's token, or None for an unknown (or malformed) one."""
    if not token or len(token) > TOKEN_MAX:
        return None
    return ChatSession.objects.select_related("inquiry", "claimed_by").filter(token=token).first()


def session_for_inquiry(*, inquiry_id: int) -> ChatSession | None:
    """The chat of an inquiry (None: an inquiry left as a message outside service hours, or not a chat)."""
    return ChatSession.objects.select_related("inquiry", "claimed_by").filter(inquiry_id=inquiry_id).first()


def agents_on_duty() -> bool:
    """True when an active agent or supervisor is on duty (someone can take a live chat now)."""
    return StaffProfile.objects.filter(
        role__in=[roles.AGENT, roles.SUPERVISOR], on_duty=True, user__is_active=True
    ).exists()


def on_duty_staff(*, user_ids: list[int] | None = None) -> list[tuple[int, str]]:
    """(user id, language) of the active agents and supervisors on duty (of `user_ids` when given)."""
    profiles = StaffProfile.objects.filter(role__in=[roles.AGENT, roles.SUPERVISOR], on_duty=True, user__is_active=True)
    if user_ids is not None:
        profiles = profiles.filter(user_id__in=user_ids)
    return list(profiles.values_list("user_id", "language"))


def may_work(*, user: User, inquiry: Inquiry) -> bool:
    """Front-line staff may chat on an unassigned chat or their own; leaders on any (to watch and take over)."""
    if not user.is_authenticated or not roles.has_role(user, *WORKERS):
        return False
    return inquiry.assigned_to_id in (None, user.pk) or roles.has_role(user, *LEADERS)


def message_event(message: InquiryMessage, *, customer_name: str) -> dict[str, Any]:
    """A thread entry as the chat protocol's "message" event (text masked as stored; escaped by the windows)."""
    is_customer = message.kind == InquiryMessage.Kind.CUSTOMER
    return {
        "type": "message",
        "id": message.pk,
        "client_id": message.external_id or "",
        "author": "customer" if is_customer else "agent",
        "name": customer_name if is_customer else names.user_display(message.author),
        "text": message.body,
        "at": message.created_at.isoformat(),
        "delivered": bool(message.reached_customer) if not is_customer else True,
    }


def transcript(*, session: ChatSession) -> list[dict[str, Any]]:
    """The customer's messages and the answers (any channel) of the chat's inquiry, oldest first (1 query)."""
    messages = (
        InquiryMessage.objects.filter(inquiry_id=session.inquiry_id, kind__in=TRANSCRIPT_KINDS)
        .select_related("author")
        .order_by("created_at", "id")
    )
    return [message_event(m, customer_name=session.customer_name) for m in messages]


def state_event(session: ChatSession) -> dict[str, Any]:
    """The chat protocol's "state" event."""
    return {
        "type": "state",
        "state": session.state,
        "agent": names.user_display(session.claimed_by) if session.claimed_by_id else "",
        "rating": session.rating,
    }
