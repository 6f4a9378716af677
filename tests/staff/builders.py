"""Hand-built records for the staff KPI tests: every field that a KPI reads is set explicitly."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from inquiries.models import Inquiry, InquiryMessage
from messaging.models import OutboundMessage
from staff.models import QaReview, Survey
from staff.surveys import new_token

_seq = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An aware local (Asia/Shanghai) datetime."""
    return timezone.make_aware(datetime(year, month, day, hour, minute))


def inquiry(
    *,
    received_at: datetime,
    assigned_to=None,
    response_minutes: float | None = None,
    sla_met: bool | None = None,
    resolved_at: datetime | None = None,
    resolved_by=None,
    customer=None,
) -> Inquiry:
    """An inquiry with its SLA outcome; a first response `response_minutes` after receipt when given."""
    n = next(_seq)
    responded = received_at + timedelta(minutes=response_minutes) if response_minutes is not None else None
    if sla_met is None and response_minutes is not None:
        sla_met = response_minutes <= 10
    return Inquiry.objects.create(
        reference=f"TQ{n:08d}",
        channel=Inquiry.Channel.HOTLINE,
        subject=f"Question {n}",
        received_at=received_at,
        first_response_due=received_at + timedelta(minutes=10),
        first_responded_at=responded,
        sla_met=sla_met,
        assigned_to=assigned_to,
        status=Inquiry.Status.RESOLVED if resolved_at else Inquiry.Status.OPEN,
        resolved_at=resolved_at,
        resolved_by=resolved_by,
        customer=customer,
    )


def survey(*, staff, rating: int | None, answered_at: datetime | None, customer, kind="inquiry", object_id=None):
    n = next(_seq)
    created = (answered_at or timezone.now()) - timedelta(hours=1)
    return Survey.objects.create(
        kind=kind,
        object_id=object_id or 900000 + n,
        reference=f"S{n}",
        customer=customer,
        staff=staff,
        token=new_token(),
        status=Survey.Status.ANSWERED if rating else Survey.Status.SENT,
        created_at=created,
        expires_at=created + timedelta(days=7),
        rating=rating,
        answered_at=answered_at,
    )


def qa_review(*, agent, score: Decimal | None, reviewed_at: datetime | None):
    n = next(_seq)
    return QaReview.objects.create(
        kind=QaReview.Kind.INQUIRY,
        object_id=800000 + n,
        reference=f"QA{n}",
        agent=agent,
        week=(reviewed_at or timezone.now()).date(),
        score=score,
        reviewed_at=reviewed_at,
    )


def reply_cost(*, inquiry: Inquiry, author, price: str, created_at: datetime) -> InquiryMessage:
    message = OutboundMessage.objects.create(
        channel=OutboundMessage.Channel.SMS,
        purpose=OutboundMessage.Purpose.INQUIRY_REPLY,
        to_number="+8613800000000",
        to_hash="x",
        to_masked="138****0000",
        body="reply",
        provider="outbox",
        price=Decimal(price),
        price_unit="USD",
    )
    # the reply and its outbound message are created together (created_at is auto_now_add)
    OutboundMessage.objects.filter(pk=message.pk).update(created_at=created_at)
    return InquiryMessage.objects.create(
        inquiry=inquiry,
        kind=InquiryMessage.Kind.REPLY,
        body="reply",
        author=author,
        created_at=created_at,
        outbound_message=message,
        reached_customer=True,
    )
