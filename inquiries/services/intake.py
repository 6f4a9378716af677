"""Receiving: a new inquiry with its first customer message (any channel), and further messages in its thread; a
follow-up's next-response clock (started here, stopped by `follow_up_answered` when a reply reaches the customer)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from aftersales.models import Notification
from aftersales.notifications import notification_send
from customers.api import pii_hash, text_protect
from customers.selectors import customer_match
from inquiries import selectors
from inquiries.models import Inquiry, InquiryMessage
from inquiries.services.assignment import inquiries_route, inquiry_auto_assign
from inquiries.services.common import (
    contact_masked,
    event_add,
    message_create,
    phone_normalise,
    reference_new,
    username_of,
)
from inquiries.sla import first_response_due, next_response_due

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
    owner: User | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> tuple[Inquiry, InquiryMessage]:
    """Open a new inquiry with its first message; match the customer; give it to `owner` (a live call) or route it."""
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
    if owner is not None:
        inquiry.assigned_to, inquiry.assigned_at, inquiry.status = owner, received_at, Inquiry.Status.OPEN
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
        changes={"channel": channel, "customer": getattr(customer, "pk", None), "flagged": flagged}
        | ({"assigned_to": username_of(owner)} if owner else {}),
        request=request,
    )
    if owner is None and settings.INQUIRY_AUTO_ASSIGN:
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
    """Attach a further customer message to an inquiry's thread.

    A follow-up on an answered or resolved inquiry reopens it and starts its next-response clock (inquiries.sla);
    it stays with its owner while the owner is on duty, otherwise it goes to the agent the routing rule chooses.
    """
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
    was_resolved = inquiry.status == Inquiry.Status.RESOLVED
    if was_resolved:
        inquiry.status = Inquiry.Status.OPEN
        inquiry.resolved_at = None
        inquiry.resolved_by = None
        inquiry.reopened_at = received_at
        fields += ["status", "resolved_at", "resolved_by", "reopened_at"]
        event_add(inquiry, _("Reopened: the customer wrote again."), at=received_at)
    clock_running = inquiry.awaiting_agent and inquiry.next_response_due is not None
    if (was_resolved or inquiry.first_responded_at is not None) and not clock_running:
        inquiry.awaiting_agent = True
        inquiry.next_response_due = next_response_due(received_at)
        fields += ["awaiting_agent", "next_response_due"]
    if fields:
        inquiry.save(update_fields=fields)
    _follow_up_route(inquiry=inquiry, received_at=received_at, notify=bool(fields))
    return message


def _follow_up_route(*, inquiry: Inquiry, received_at: datetime, notify: bool) -> None:
    """Keep a follow-up with its on-duty owner; else move it to the agent the routing rule chooses."""
    owner_id = inquiry.assigned_to_id
    if owner_id is not None and selectors.staff_on_duty(user_id=owner_id):
        if not notify:
            return
        notification_send(
            recipients=[inquiry.assigned_to],
            message=_("The customer wrote again on inquiry %(ref)s.") % {"ref": inquiry.reference},
            link=inquiry.get_absolute_url(),
            level=Notification.Level.WARNING,
        )
        return
    if owner_id is not None:
        Inquiry.objects.filter(pk=inquiry.pk, assigned_to_id=owner_id).update(assigned_to=None, assigned_at=None)
        audit_log(action="inquiry_unassign_off_duty", obj=inquiry, changes={"assigned_to": [owner_id, None]})
        event_add(inquiry, _("Returned to the queue: the assigned agent is off duty."), at=received_at)
    elif not settings.INQUIRY_AUTO_ASSIGN:
        return
    inquiries_route(inquiry_ids=[inquiry.pk], exclude_user_ids=(owner_id,) if owner_id else ())


def follow_up_answered(*, inquiry_id: int, at: datetime, by: User | None = None) -> bool | None:
    """Stop a follow-up's next-response clock when a reply reaches the customer; records (audit log and thread)
    whether it was answered in time. Returns met (True/False), or None when no follow-up clock was running."""
    due = Inquiry.objects.filter(pk=inquiry_id).values_list("next_response_due", "reference").first()
    if due is None or due[0] is None:
        return None
    due_at, reference = due
    if not Inquiry.objects.filter(pk=inquiry_id, next_response_due=due_at).update(next_response_due=None):
        return None  # another reply stopped it a moment earlier
    met = at <= due_at
    audit_log(
        actor=by,
        action="inquiry_follow_up_answered",
        object_type=Inquiry._meta.label_lower,
        object_id=inquiry_id,
        object_repr=reference,
        changes={"next_response_due": due_at.isoformat(), "answered_at": at.isoformat(), "met": met},
    )
    text = _("Follow-up answered in time.") if met else _("Follow-up answered late.")
    message_create(inquiry_id=inquiry_id, kind=InquiryMessage.Kind.EVENT, body=text, author=by, created_at=at)
    return met


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
