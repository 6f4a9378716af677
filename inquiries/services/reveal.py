"""Showing a masked text as written: the subject or one message, for a user with view_full_pii, audit-logged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from aftersales.audit import audit_log, reason_clean
from inquiries.models import Inquiry, InquiryMessage

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest


def inquiry_text_reveal(
    *,
    inquiry: Inquiry,
    actor: User,
    reason: str,
    message: InquiryMessage | None = None,
    request: HttpRequest | None = None,
) -> str:
    """The subject (or one message) as written, for a user with view_full_pii who gave a reason; audit-logged."""
    if not actor.has_perm("customers.view_full_pii"):
        raise PermissionDenied
    if message is not None and message.inquiry_id != inquiry.pk:
        raise PermissionDenied
    reason = reason_clean(reason)
    if not reason:
        raise ValidationError(
            {"reason": _("Say why you need the full text: the reason is written to the audit log.")}, code="reason"
        )
    field, text = ("message", message.body_full or message.body) if message else ("subject", inquiry.subject_full)
    audit_log(
        actor=actor,
        action="pii_reveal",
        obj=inquiry,
        changes={"field": field, "message": message.pk if message else None},
        reason=reason[:300],
        request=request,
    )
    return text or inquiry.subject
