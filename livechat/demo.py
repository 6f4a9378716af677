"""Demo chats: a few finished ones (answered, one late for the 60-second rule; rated) and one waiting now.

Written through the chat services (inquiry, thread, delivery, rating), so they look like real chats everywhere:
the queue, the inquiry page, the customer 360 page, CSAT. Idempotent: nothing is added once demo chats exist.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from customers.api import mask_mobile, pii_hash
from customers.models import Customer
from inquiries import services as inquiry_services
from inquiries.models import ResolutionCategory
from inquiries.services import chat as thread
from livechat.models import ChatSession

FINISHED = [
    # (days ago, topic, question, answer, seconds to answer, rating, agent)
    (1, "repayment", "请问这期还款日是哪天？", "您好，本期还款日是每月15日，可在App中查看还款计划。", 25, 5, "agent"),
    (
        2,
        "fees",
        "为什么这个月多扣了一笔费用？",
        "您好，这是合同约定的逾期费用，我们已为您核对明细并短信发送。",
        48,
        4,
        "agent2",
    ),
    (
        3,
        "early_settlement",
        "我想提前还清贷款，需要什么手续？",
        "您好，提前结清可在线申请，结清后可下载结清证明。",
        35,
        5,
        "agent",
    ),
    (5, "certificate", "结清证明怎么开？", "您好，结清后三个工作日内可在App下载结清证明。", 80, 3, "agent3"),
]
WAITING = ("account", "我换了手机号，怎么修改预留手机号？")


def seed(ctx) -> None:
    """A few finished chats and one waiting (skip when demo chats exist)."""
    if ChatSession.objects.exists():
        ctx.say("livechat: already seeded")
        return
    customers = list(Customer.objects.order_by("pk")[: len(FINISHED) + 1])
    if len(customers) < len(FINISHED) + 1:
        ctx.say("livechat: no demo customers, skipped")
        return
    agents = {u.username: u for u in get_user_model().objects.filter(username__in=[f[6] for f in FINISHED])}
    now = timezone.now()
    with transaction.atomic():
        for customer, (days, topic, question, answer, seconds, rating, username) in zip(
            customers, FINISHED, strict=False
        ):
            started = (now - timedelta(days=days)).replace(
                hour=10, minute=ctx.rng.randint(0, 50), second=0, microsecond=0
            )
            _finished(customer, started, topic, question, answer, seconds, rating, agents.get(username))
        _waiting(customers[len(FINISHED)], now - timedelta(seconds=20))
    ctx.say(f"livechat: {len(FINISHED) + 1} demo chats")


def _session(customer, inquiry, started, topic, **fields) -> ChatSession:
    return ChatSession.objects.create(
        inquiry=inquiry,
        token=secrets.token_urlsafe(32),
        customer_name=customer.name,
        mobile=customer.mobile,
        mobile_hash=pii_hash(customer.mobile),
        mobile_masked=mask_mobile(customer.mobile),
        topic=topic,
        language="zh-hans",
        started_at=started,
        customer_left_at=started,
        last_customer_activity=started,
        **fields,
    )


def _finished(customer, started, topic, question, answer, seconds, rating, agent) -> None:
    inquiry = thread.chat_inquiry_open(
        name=customer.name,
        phone=customer.mobile,
        category=topic,
        body=question,
        language="zh-hans",
        live=True,
        received_at=started,
    )
    answered = started + timedelta(seconds=seconds)
    ended = answered + timedelta(minutes=3)
    if agent is not None:
        reply, _created = thread.chat_reply_add(inquiry_id=inquiry.pk, author=agent, body=answer, at=answered)
        thread.chat_reply_delivered(message_id=reply.pk, at=answered)
        with override("zh-hans"):
            rated = _("The customer rated the chat %(score)s / 5.") % {"score": rating}
        thread.chat_event_add(inquiry_id=inquiry.pk, text=rated, at=ended)
        try:
            inquiry_services.inquiry_claim(inquiry=inquiry, user=agent)
        except inquiry_services.ClaimLost:  # given to someone at once (INQUIRY_AUTO_ASSIGN): the demo agent held it
            inquiry_services.inquiry_assign(inquiry=inquiry, to_user=agent, actor=agent)
        inquiry_services.inquiry_resolve(
            inquiry=inquiry, actor=agent, category=ResolutionCategory.ANSWERED, note=answer[:100]
        )
    _session(
        customer,
        inquiry,
        started,
        topic,
        state=ChatSession.State.ENDED,
        claimed_by=agent,
        ended_at=ended,
        rating=rating if agent else None,
        rated_at=ended if agent else None,
    )


def _waiting(customer, started) -> None:
    topic, question = WAITING
    inquiry = thread.chat_inquiry_open(
        name=customer.name,
        phone=customer.mobile,
        category=topic,
        body=question,
        language="zh-hans",
        live=True,
        received_at=started,
    )
    _session(customer, inquiry, started, topic, state=ChatSession.State.WAITING)
