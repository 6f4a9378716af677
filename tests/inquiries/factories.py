"""Builders for inquiry tests."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from customers.services import customer_create
from inquiries import services
from inquiries.models import Inquiry
from tests.reminders.factories import valid_national_id

_seq = itertools.count(1)


def make_customer(mobile: str = "", email: str = "", name: str = "王小明", language: str = "zh-hans"):
    n = next(_seq)
    return customer_create(
        actor=None,
        name=name,
        national_id=valid_national_id(5000 + n),
        mobile=mobile or f"+86139{n:08d}",
        email=email,
        preferred_language=language,
    )


def make_inquiry(
    *,
    channel: str = Inquiry.Channel.SMS,
    phone: str = "",
    email: str = "",
    body: str = "When is my next payment due?",
    received_at=None,
    minutes_ago: float | None = None,
    customer=None,
    category: str = "repayment",
    **kwargs,
) -> Inquiry:
    """An inquiry through the real service (reference, SLA deadline, first message)."""
    if minutes_ago is not None:
        received_at = timezone.now() - timedelta(minutes=minutes_ago)
    if not phone and not email:
        phone = f"+86137{next(_seq):08d}"
    inquiry, _message = services.inquiry_create(
        channel=channel,
        body=body,
        phone=phone,
        email=email,
        received_at=received_at,
        customer=customer,
        category=category,
        **kwargs,
    )
    return inquiry
