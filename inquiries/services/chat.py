"""The online chat's writes to the inquiry thread (#16): a chat is an inquiry of channel "chat" whose messages are
ordinary thread entries (customer messages and replies, masked like every channel), written live by the livechat app.

A live chat's first response is due by the chat rule of inquiries.sla (seconds, not minutes); a reply counts for
the SLA once the customer's chat window received it (`chat_reply_delivered`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from inquiries import sla
from inquiries.models import Inquiry, InquiryMessage
from inquiries.services.common import event_add, first_response_record, message_create
from inquiries.services.intake import follow_up_answered, inquiry_create

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest


def service_open(at: datetime) -> bool:
    """True while the service takes live chats (inside INQUIRY_SERVICE_HOURS; always when 24×7)."""
    return sla.within_service_hours(at)


def service_opens_at(at: datetime) -> datetime:
    """When the service opens next (`at` itself while it is open)."""
    return sla.service_opens_at(at)


@transaction.atomic
def chat_inquiry_open(
    *,
    name: str,
    phone: str,
    category: str,
    body: str,
    language: str,
    live: bool,
    received_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Inquiry:
    """Open the inquiry of a new chat with the customer's first message. A live chat (an agent on duty) is due by
    the chat rule; one nobody can take now keeps the ordinary first-response rule and is answered by SMS."""
    received_at = received_at or timezone.now()
    inquiry, _message = inquiry_create(
        channel=Inquiry.Channel.CHAT,
        subject=body,
        body=body,
        name=name,
        phone=phone,
        category=category,
        language=language,
        received_at=received_at,
        request=request,
    )
    if live:
        inquiry.first_response_due = sla.first_response_due(received_at, channel=Inquiry.Channel.CHAT)
        Inquiry.objects.filter(pk=inquiry.pk).update(first_response_due=inquiry.first_response_due)
    return inquiry


def _existing(inquiry_id: int, kind: str, client_id: str) -> InquiryMessage | None:
    if not client_id:
        return None
    return InquiryMessage.objects.filter(inquiry_id=inquiry_id, kind=kind, external_id=client_id).first()


@transaction.atomic
def chat_customer_message_add(
    *, inquiry_id: int, body: str, client_id: str = "", at: datetime | None = None
) -> tuple[InquiryMessage, bool]:
    """Store a customer's chat message once per client id (a resend after a reconnect is not stored twice);
    returns (message, created). After an answer, the queue shows the inquiry as waiting on the agent again."""
    found = _existing(inquiry_id, InquiryMessage.Kind.CUSTOMER, client_id)
    if found is not None:
        return found, False
    at = at or timezone.now()
    message = message_create(
        inquiry_id=inquiry_id,
        kind=InquiryMessage.Kind.CUSTOMER,
        channel=Inquiry.Channel.CHAT,
        body=body,
        created_at=at,
        external_id=client_id[:64],
    )
    Inquiry.objects.filter(pk=inquiry_id, first_responded_at__isnull=False, awaiting_agent=False).update(
        awaiting_agent=True
    )
    return message, True


@transaction.atomic
def chat_reply_add(
    *, inquiry_id: int, author: User, body: str, client_id: str = "", at: datetime | None = None
) -> tuple[InquiryMessage, bool]:
    """Store an agent's chat answer once per client id; it reaches the customer when their window receives it
    (`chat_reply_delivered`). Returns (message, created)."""
    found = _existing(inquiry_id, InquiryMessage.Kind.REPLY, client_id)
    if found is not None:
        return found, False
    at = at or timezone.now()
    message = message_create(
        inquiry_id=inquiry_id,
        kind=InquiryMessage.Kind.REPLY,
        channel=Inquiry.Channel.CHAT,
        body=body,
        author=author,
        created_at=at,
        external_id=client_id[:64],
    )
    Inquiry.objects.filter(pk=inquiry_id).update(
        awaiting_agent=False,
        status=Case(When(status=Inquiry.Status.NEW, then=Value(Inquiry.Status.OPEN)), default=F("status")),
    )
    return message, True


@transaction.atomic
def chat_reply_delivered(*, message_id: int, at: datetime | None = None) -> bool:
    """The customer's chat window received an answer: it reached the customer, and may be the first response
    (the SLA) or the answer to a follow-up. Safe to call twice (True only the first time)."""
    at = at or timezone.now()
    row = (
        InquiryMessage.objects.filter(pk=message_id, kind=InquiryMessage.Kind.REPLY, reached_customer=False)
        .values_list("inquiry_id", "author_id", "created_at")
        .first()
    )
    if row is None:
        return False
    inquiry_id, author_id, sent_at = row
    if not InquiryMessage.objects.filter(pk=message_id, reached_customer=False).update(reached_customer=True):
        return False
    author = InquiryMessage.objects.get(pk=message_id).author if author_id else None
    # Answered when it reached the customer's window (for a live socket a moment after the agent sent it).
    reached_at = max(at, sent_at)
    first_response_record(inquiry_id=inquiry_id, at=reached_at, by=author)
    follow_up_answered(inquiry_id=inquiry_id, at=reached_at, by=author)
    return True


def chat_replies_delivered(*, reached: dict[int, datetime]) -> list[int]:
    """Many answers reached the customers' windows (message id -> when): as `chat_reply_delivered` for each, in a
    few queries for the whole batch (the chat sockets record deliveries in batches). Safe to call twice; returns
    the ids marked now."""
    if not reached:
        return []
    with transaction.atomic():
        rows = list(
            InquiryMessage.objects.select_for_update()
            .filter(pk__in=list(reached), kind=InquiryMessage.Kind.REPLY, reached_customer=False)
            .order_by("pk")
            .values_list("pk", "inquiry_id", "author_id", "created_at")
        )
        if not rows:
            return []
        InquiryMessage.objects.filter(pk__in=[row[0] for row in rows]).update(reached_customer=True)
        # Only an inquiry still waiting for its first response, or with a follow-up clock running, has more to record.
        pending = {
            pk: (first is None, due is not None)
            for pk, first, due in Inquiry.objects.filter(pk__in={row[1] for row in rows})
            .filter(Q(first_responded_at__isnull=True) | Q(next_response_due__isnull=False))
            .values_list("pk", "first_responded_at", "next_response_due")
        }
        if pending:
            authors = {row[2] for row in rows if row[1] in pending and row[2]}
            users = get_user_model().objects.in_bulk(authors) if authors else {}
            done: set[int] = set()
            for pk, inquiry_id, author_id, sent_at in rows:
                if inquiry_id not in pending or inquiry_id in done:
                    continue
                done.add(inquiry_id)
                first, follow_up = pending[inquiry_id]
                author, reached_at = users.get(author_id), max(reached[pk], sent_at)
                if first:
                    first_response_record(inquiry_id=inquiry_id, at=reached_at, by=author)
                if follow_up:
                    follow_up_answered(inquiry_id=inquiry_id, at=reached_at, by=author)
    return [row[0] for row in rows]


def chat_event_add(*, inquiry_id: int, text: str, author: User | None = None, at: datetime | None = None) -> None:
    """A line in the thread recording what happened in the chat (ended, rated, the customer left)."""
    event_add(Inquiry(pk=inquiry_id), text, author=author, at=at)
