"""Inquiry pages by area: the queue, the inquiry page, the hotline, the public form and webhook, the supervisor."""

from inquiries.views.hotline import customer_lookup, hotline_new
from inquiries.views.inquiry import (
    attachment,
    call_log,
    detail,
    escalate,
    note,
    reassign,
    reopen,
    reply,
    resolve,
    text_reveal,
)
from inquiries.views.public import online, online_thanks, sms_webhook
from inquiries.views.queue import claim, queue
from inquiries.views.supervisor import supervisor

__all__ = [
    "attachment",
    "call_log",
    "claim",
    "customer_lookup",
    "detail",
    "escalate",
    "hotline_new",
    "note",
    "online",
    "online_thanks",
    "queue",
    "reassign",
    "reopen",
    "reply",
    "resolve",
    "sms_webhook",
    "supervisor",
    "text_reveal",
]
