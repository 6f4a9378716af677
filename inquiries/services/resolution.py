"""Resolution (category and note) and reopening."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from inquiries.models import Inquiry
from inquiries.services.common import event_add

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest


@transaction.atomic
def inquiry_resolve(
    *, inquiry: Inquiry, actor: User, category: str, note: str, request: HttpRequest | None = None
) -> Inquiry:
    """Close an inquiry with a resolution category and note."""
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    now = timezone.now()
    inquiry.status = Inquiry.Status.RESOLVED
    inquiry.resolved_at = now
    inquiry.resolved_by = actor
    inquiry.resolution_category = category
    inquiry.resolution_note = note
    inquiry.awaiting_agent = False
    inquiry.full_clean()
    inquiry.save(
        update_fields=[
            "status",
            "resolved_at",
            "resolved_by",
            "resolution_category",
            "resolution_note",
            "awaiting_agent",
        ]
    )
    event_add(inquiry, _("Resolved: %(note)s") % {"note": note}, author=actor, at=now)
    audit_log(
        actor=actor, action="inquiry_resolve", obj=inquiry, changes={"resolution_category": category}, request=request
    )
    return inquiry


@transaction.atomic
def inquiry_reopen(*, inquiry: Inquiry, actor: User, reason: str, request: HttpRequest | None = None) -> Inquiry:
    """Reopen a resolved inquiry."""
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    inquiry.status = Inquiry.Status.OPEN
    inquiry.resolved_at = None
    inquiry.resolved_by = None
    inquiry.save(update_fields=["status", "resolved_at", "resolved_by"])
    event_add(inquiry, _("Reopened: %(reason)s") % {"reason": reason}, author=actor)
    audit_log(actor=actor, action="inquiry_reopen", obj=inquiry, reason=reason, request=request)
    return inquiry
