"""Periodic SLA upkeep (Celery beat, every minute): breaches recorded, supervisors alerted, and the sweeper: off-duty
agents' waiting inquiries moved on, inquiries left unassigned given out."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.audit import audit_log
from aftersales.models import Notification
from aftersales.names import user_display
from aftersales.notifications import notification_send, users_with_role
from inquiries import selectors
from inquiries.models import Inquiry, InquiryMessage, queue_rank
from inquiries.services.assignment import inquiries_route


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
        .only(
            "id",
            "reference",
            "first_response_due",
            "assigned_to__username",
            "assigned_to__first_name",
            "assigned_to__last_name",
        )[:200]
    )
    if not soon:
        return 0
    supervisors = list(users_with_role(roles.SUPERVISOR))
    created = 0
    for inquiry in soon:
        owner = user_display(inquiry.assigned_to) or _("nobody")
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
    """The minute sweeper: work waiting on agents who went off duty moves to on-duty agents, and (with
    INQUIRY_AUTO_ASSIGN) inquiries left unassigned are given out, by the routing rule. Returns how many it placed
    or freed. Set-based and bounded: INQUIRY_SWEEP_BATCH inquiries a run, most urgent first."""
    now = now or timezone.now()
    return _off_duty_release(now=now) + _unassigned_assign(now=now)


def _off_duty_release(*, now: datetime) -> int:
    """Take unanswered and awaiting-agent inquiries off off-duty or inactive agents, then route them elsewhere."""
    held = list(
        Inquiry.objects.filter(status__in=selectors.OPEN_STATUSES, assigned_to__isnull=False)
        .filter(selectors.waiting_on_agent())
        .filter(Q(assigned_to__staff_profile__on_duty=False) | Q(assigned_to__is_active=False))
        .order_by(selectors.running_clock(), "id")
        .values_list("pk", "reference", "assigned_to_id")[: settings.INQUIRY_SWEEP_BATCH]
    )
    if not held:
        return 0
    by_owner: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, reference, owner_id in held:
        by_owner[owner_id].append((pk, reference))
    freed: list[int] = []
    text = _("Returned to the queue: the assigned agent went off duty.")
    for owner_id, rows in by_owner.items():
        with transaction.atomic():
            ids = [pk for pk, _reference in rows]
            taken = set(
                Inquiry.objects.select_for_update(skip_locked=True)
                .filter(pk__in=ids, assigned_to_id=owner_id)
                .values_list("pk", flat=True)
            )
            Inquiry.objects.filter(pk__in=list(taken), assigned_to_id=owner_id).update(
                assigned_to=None, assigned_at=None
            )
            InquiryMessage.objects.bulk_create(
                InquiryMessage(inquiry_id=pk, kind=InquiryMessage.Kind.EVENT, body=text, created_at=now) for pk in taken
            )
            for pk, reference in rows:
                if pk in taken:
                    audit_log(
                        action="inquiry_unassign_off_duty",
                        object_type=Inquiry._meta.label_lower,
                        object_id=pk,
                        object_repr=reference,
                        changes={"assigned_to": [owner_id, None]},
                    )
                    freed.append(pk)
    order = {pk: index for index, (pk, _reference, _owner) in enumerate(held)}
    inquiries_route(inquiry_ids=sorted(freed, key=order.__getitem__), exclude_user_ids=tuple(by_owner), now=now)
    return len(freed)


def _unassigned_assign(*, now: datetime) -> int:
    """Give open inquiries nobody holds to on-duty agents, most urgent first (only with INQUIRY_AUTO_ASSIGN)."""
    if not settings.INQUIRY_AUTO_ASSIGN:
        return 0
    waiting = list(
        Inquiry.objects.filter(status__in=selectors.OPEN_STATUSES, assigned_to__isnull=True)
        .order_by(queue_rank(), selectors.running_clock(), "id")
        .values_list("pk", flat=True)[: settings.INQUIRY_SWEEP_BATCH]
    )
    return len(inquiries_route(inquiry_ids=waiting, now=now))
