"""Escalation to a department (risk, legal, finance) with its own deadline, and the customer's holding reply."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.audit import audit_log
from aftersales.notifications import notification_send, users_with_role
from inquiries.models import Inquiry
from inquiries.services.common import event_add
from inquiries.services.replies import inquiry_reply
from org.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest


def inquiry_escalate(
    *,
    inquiry: Inquiry,
    department: Department,
    actor: User,
    note: str = "",
    holding_reply: str = "",
    via: str = "",
    request: HttpRequest | None = None,
) -> Inquiry:
    """Escalate to a department with its own deadline; optionally send the customer a holding reply."""
    hours = department.escalation_hours or settings.INQUIRY_ESCALATION_HOURS
    now = timezone.now()
    with transaction.atomic():
        Inquiry.objects.filter(pk=inquiry.pk).update(
            status=Inquiry.Status.ESCALATED, escalated_to=department, escalation_due=now + timedelta(hours=hours)
        )
        text = _("Escalated to %(department)s, answer due within %(hours)s hours.") % {
            "department": department.name,
            "hours": hours,
        }
        event_add(inquiry, text + ("\n" + note if note else ""), author=actor, at=now)
        audit_log(
            actor=actor,
            action="inquiry_escalate",
            obj=inquiry,
            changes={"department": department.code, "hours": hours},
            reason=note,
            request=request,
        )
    recipients = users_with_role(roles.RISK_ASSESSOR if department.code == "risk" else roles.LEGAL_ADVISOR)
    if department.code in ("risk", "legal"):
        notification_send(
            recipients=recipients,
            message=_("Inquiry %(ref)s was escalated to %(department)s.")
            % {"ref": inquiry.reference, "department": department.name},
            link=inquiry.get_absolute_url(),
            dedupe_key=f"inquiry-escalated-{inquiry.pk}-{now:%Y%m%d%H%M%S}",
        )
    if holding_reply and via:
        inquiry_reply(inquiry=inquiry, author=actor, body=holding_reply, via=via, request=request)
    inquiry.refresh_from_db()
    return inquiry
