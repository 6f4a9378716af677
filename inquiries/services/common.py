"""What the inquiry services share: their exceptions and results, references, contact masking, thread entries."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from aftersales import names
from customers.api import mask_email, mask_mobile, normalize_mainland_mobile, text_protect
from inquiries.models import Inquiry, InquiryMessage

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out on the phone


class ClaimLost(Exception):
    """Somebody else claimed the inquiry first."""

    def __init__(self, owner: User | None):
        super().__init__("already claimed")
        self.owner = owner


class ReplyNotPossible(Exception):
    """The inquiry has no contact for the chosen channel."""


@dataclass
class Received:
    """What an inbound email or SMS became: a new inquiry (created), a reply in a thread, or a duplicate ignored."""

    inquiry: Inquiry
    message: InquiryMessage
    created: bool
    duplicate: bool = False


def reference_new(at: datetime | None = None) -> str:
    """A fresh reference such as INQ-261128-7K3F2 (date of receipt + five unambiguous characters)."""
    local = timezone.localtime(at or timezone.now())
    return "INQ-" + local.strftime("%y%m%d") + "-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(5))


def phone_normalise(value: str) -> str:
    """E.164 for mainland mobiles, otherwise the number as given without spaces (foreign senders)."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalize_mainland_mobile(value)
    except ValidationError:
        return value.replace(" ", "").replace("-", "")


def contact_masked(phone: str, email: str) -> str:
    """The sender's contact as the queue shows it: masked mobile · masked email."""
    parts = [mask_mobile(phone) if phone else "", mask_email(email) if email else ""]
    return " · ".join(p for p in parts if p)[:120]


def message_create(*, body: str, **fields: Any) -> InquiryMessage:
    """Every thread entry is stored through here: numbers in the text masked, the original kept encrypted."""
    protected = text_protect(body or "")
    return InquiryMessage.objects.create(body=protected.shown, body_full=protected.full, **fields)


def event_add(inquiry: Inquiry, text: str, author: User | None = None, at: datetime | None = None) -> InquiryMessage:
    """A line in the thread recording what happened (claimed, escalated, resolved…)."""
    return message_create(
        inquiry=inquiry, kind=InquiryMessage.Kind.EVENT, body=text, author=author, created_at=at or timezone.now()
    )


def username_of(user: User | None) -> str | None:
    """The username for the audit log, None for nobody."""
    return user.get_username() if user else None


def user_display(user: User | None) -> str:
    """The name shown in the thread: the portal's one name rule (aftersales.names), else username."""
    return names.user_display(user)


def first_response_record(*, inquiry_id: int, at: datetime, by: User | None) -> bool:
    """Record the first response once; sla_met is set only if still unknown (never rewritten)."""
    inquiry = Inquiry.objects.only("first_response_due").get(pk=inquiry_id)
    met = at <= inquiry.first_response_due
    return bool(
        Inquiry.objects.filter(pk=inquiry_id, first_responded_at__isnull=True).update(
            first_responded_at=at, first_responded_by=by, sla_met=Coalesce(F("sla_met"), Value(met))
        )
    )
