"""Receiving: a new inquiry with its first customer message (any channel), and further messages in its thread."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from customers.api import pii_hash, text_protect
from customers.selectors import customer_match
from inquiries.models import Inquiry, InquiryMessage
from inquiries.services.assignment import inquiry_auto_assign
from inquiries.services.common import contact_masked, event_add, message_create, phone_normalise, reference_new
from inquiries.sla import first_response_due

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest

    from customers.models import Customer


@transaction.atomic
def inquiry_create(
    *,
    channel: str,
    body: str,
    subject: str = "",
    phone: str = "",
    email: str = "",
    name: str = "",
    category: str = "",
    customer: Customer | None = None,
    received_at: datetime | None = None,
    language: str = "",
    email_message_id: str = "",
    external_id: str = "",
    flagged: bool = False,
    flag_reason: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> tuple[Inquiry, InquiryMessage]:
    """Open a new inquiry with its first customer message; match the customer; auto-assign when configured."""
    received_at = received_at or timezone.now()
    phone = phone_normalise(phone)
    email = (email or "").strip().lower()
    if customer is None:
        # The one matcher (customers.selectors.customer_match): several customers fit → no link, flagged for the agent.
        match = customer_match(mobile=phone, email=email)
        customer = match.customer
        if match.ambiguous:
            flagged = True
            ambiguous = _(
                "Several customers match this contact: not linked to any; check who wrote before using customer data."
            )
            flag_reason = "; ".join(r for r in (flag_reason, ambiguous) if r)
    subject = (subject or body or "").strip().splitlines()[0] if (subject or body).strip() else _("(no text)")
    subject_protected = text_protect(subject)  # masked before it is cut to length: no half number survives
    inquiry = Inquiry(
        channel=channel,
        customer=customer,
        contact_name=name[:100],
        contact_phone=phone,
        contact_phone_hash=pii_hash(phone),
        contact_email=email,
        contact_email_hash=pii_hash(email),
        contact_masked=contact_masked(phone, email),
        subject=subject_protected.shown[:200],
        subject_full=subject_protected.full,
        category=category,
        received_at=received_at,
        first_response_due=first_response_due(received_at),
        flagged=flagged,
        flag_reason=flag_reason[:200],
        # Replies go out in the customer's language; unknown senders get the company's default language.
        language=language or (customer.preferred_language if customer else settings.LANGUAGE_CODE),
    )
    _save_with_new_reference(inquiry, received_at)
    message = message_create(
        inquiry=inquiry,
        kind=InquiryMessage.Kind.CUSTOMER,
        channel=channel,
        body=body or "",
        created_at=received_at,
        email_message_id=email_message_id[:300],
        external_id=external_id[:64],
    )
    audit_log(
        actor=actor,
        action="inquiry_create",
        obj=inquiry,
        changes={"channel": channel, "customer": customer.pk if customer else None, "flagged": flagged},
        request=request,
    )
    if settings.INQUIRY_AUTO_ASSIGN:
        inquiry_auto_assign(inquiry=inquiry)
        inquiry.refresh_from_db(fields=["assigned_to", "assigned_at", "status"])
    return inquiry, message


@transaction.atomic
def inquiry_customer_message_add(
    *,
    inquiry: Inquiry,
    channel: str,
    body: str,
    received_at: datetime | None = None,
    email_message_id: str = "",
    external_id: str = "",
) -> InquiryMessage:
    """Attach a further customer message to an inquiry's thread; a resolved inquiry is reopened."""
    received_at = received_at or timezone.now()
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    message = message_create(
        inquiry=inquiry,
        kind=InquiryMessage.Kind.CUSTOMER,
        channel=channel,
        body=body or "",
        created_at=received_at,
        email_message_id=email_message_id[:300],
        external_id=external_id[:64],
    )
    fields = []
    if inquiry.status == Inquiry.Status.RESOLVED:
        inquiry.status = Inquiry.Status.OPEN
        inquiry.resolved_at = None
        inquiry.resolved_by = None
        fields += ["status", "resolved_at", "resolved_by"]
        event_add(inquiry, _("Reopened: the customer wrote again."), at=received_at)
    if inquiry.first_responded_at is not None and not inquiry.awaiting_agent:
        inquiry.awaiting_agent = True
        fields.append("awaiting_agent")
    if fields:
        inquiry.save(update_fields=fields)
    return message


def _save_with_new_reference(inquiry: Inquiry, received_at: datetime) -> None:
    """Save a new inquiry under a fresh reference, drawing again (up to 5 times) when one is already taken."""
    for _attempt in range(5):
        inquiry.reference = reference_new(received_at)
        try:
            inquiry.full_clean()
            with transaction.atomic():
                inquiry.save()
            return
        except ValidationError as exc:
            if "reference" not in exc.message_dict:
                raise
        except IntegrityError:  # a reference taken between the check and the insert
            continue
