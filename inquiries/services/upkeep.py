"""Periodic SLA upkeep (Celery beat, every minute): breaches recorded, supervisors alerted, off-duty agents' inquiries
moved on."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.audit import audit_log
from aftersales.models import Notification
from aftersales.notifications import notification_send, users_with_role
from inquiries import selectors
from inquiries.models import Inquiry
from inquiries.services.assignment import inquiry_auto_assign
from inquiries.services.common import event_add


def sla_breaches_mark(*, now: datetime | None = None) -> int:
    """Record sla_met=False on inquiries whose deadline passed unanswered (set-based; never rewrites)."""
    now = now or timezone.now()
    return Inquiry.objects.filter(
        first_responded_at__isnull=True, sla_met__isnull=True, first_response_due__lt=now
    ).update(sla_met=False)


def sla_alerts_send(*, now: datetime | None = None) -> int:
    """Alert supervisors (once per inquiry) about unanswered inquiries within 2 minutes of breach."""
    now = now or timezone.now()
    soon = list(
        Inquiry.objects.filter(
            status__in=selectors.OPEN_STATUSES,
            first_responded_at__isnull=True,
            first_response_due__gte=now,
            first_response_due__lte=now + selectors.ALERT_BEFORE_BREACH,
        )
        .select_related("assigned_to")
        .only("id", "reference", "first_response_due", "assigned_to__username")[:200]
    )
    if not soon:
        return 0
    supervisors = list(users_with_role(roles.SUPERVISOR))
    created = 0
    for inquiry in soon:
        owner = inquiry.assigned_to.get_username() if inquiry.assigned_to else _("nobody")
        created += notification_send(
            recipients=supervisors,
            message=_("Inquiry %(ref)s breaches its 10-minute answer at %(time)s (assigned to %(owner)s).")
            % {
                "ref": inquiry.reference,
                "time": timezone.localtime(inquiry.first_response_due).strftime("%H:%M"),
                "owner": owner,
            },
            link=reverse("inquiries:detail", args=[inquiry.pk]),
            level=Notification.Level.DANGER,
            dedupe_key=f"inquiry-sla-{inquiry.pk}",
        )
    return created


def off_duty_reassign(*, now: datetime | None = None) -> int:
    """Move unanswered open inquiries away from agents who went off duty (to the least-loaded on-duty agent)."""
    held = list(
        Inquiry.objects.filter(
            status__in=selectors.OPEN_STATUSES, first_responded_at__isnull=True, assigned_to__isnull=False
        )
        .filter(Q(assigned_to__staff_profile__on_duty=False) | Q(assigned_to__is_active=False))
        .order_by("first_response_due")[:500]
    )
    moved = 0
    for inquiry in held:
        previous = inquiry.assigned_to_id
        with transaction.atomic():
            taken = Inquiry.objects.filter(pk=inquiry.pk, assigned_to_id=previous).update(
                assigned_to=None, assigned_at=None
            )
            if not taken:
                continue
            audit_log(action="inquiry_unassign_off_duty", obj=inquiry, changes={"assigned_to": [previous, None]})
            event_add(inquiry, _("Returned to the queue: the assigned agent went off duty."))
        inquiry_auto_assign(inquiry=inquiry, exclude_user_ids=(previous,))
        moved += 1
    return moved
