"""Assignment: an agent's claim (race-safe), automatic assignment by the routing rule (inquiries/routing.py: the
least-loaded on-duty agent under INQUIRY_AGENT_CAPACITY), reassignment by a supervisor."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from aftersales.models import Notification
from aftersales.notifications import notification_send
from inquiries import routing, selectors
from inquiries.models import Inquiry, InquiryMessage
from inquiries.services.common import ClaimLost, event_add, user_display, username_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest


def inquiry_claim(*, inquiry: Inquiry, user: User, request: HttpRequest | None = None) -> Inquiry:
    """Take an unassigned inquiry. Race-safe: one conditional UPDATE; the loser gets ClaimLost with the owner."""
    now = timezone.now()
    with transaction.atomic():
        won = (
            Inquiry.objects.filter(pk=inquiry.pk, assigned_to__isnull=True)
            .exclude(status=Inquiry.Status.RESOLVED)
            .update(
                assigned_to=user,
                assigned_at=now,
                status=Case(When(status=Inquiry.Status.NEW, then=Value(Inquiry.Status.OPEN)), default=F("status")),
            )
        )
        if won == 1:
            audit_log(actor=user, action="inquiry_claim", obj=inquiry, request=request)
            event_add(inquiry, _("Claimed by %(user)s.") % {"user": user_display(user)}, author=user, at=now)
    inquiry.refresh_from_db()
    if won != 1:
        raise ClaimLost(inquiry.assigned_to)
    return inquiry


def inquiry_auto_assign(*, inquiry: Inquiry, exclude_user_ids: tuple[int, ...] = ()) -> User | None:
    """Give an unassigned inquiry to the agent the routing rule chooses (least loaded on duty, under capacity);
    returns the agent, or None when nobody has room (the sweeper tries again every minute)."""
    assigned = inquiries_route(inquiry_ids=[inquiry.pk], exclude_user_ids=exclude_user_ids)
    return assigned.get(inquiry.pk)


def inquiries_route(
    *, inquiry_ids: list[int], exclude_user_ids: tuple[int, ...] = (), now: datetime | None = None
) -> dict[int, User]:
    """Give unassigned open inquiries (in order of urgency) to on-duty agents by the routing rule.

    Set-based: the agents' loads are read once (inquiries.routing deals the inquiries out), then one conditional
    UPDATE per agent; an inquiry claimed or assigned meanwhile is left alone. Returns {inquiry id: agent}.
    """
    if not inquiry_ids:
        return {}
    now = now or timezone.now()
    plan = routing.assignments_plan(
        selectors.agent_loads(),
        len(inquiry_ids),
        capacity=settings.INQUIRY_AGENT_CAPACITY,
        exclude_user_ids=exclude_user_ids,
    )
    by_agent: dict[int, list[int]] = defaultdict(list)
    for inquiry_id, user_id in zip(inquiry_ids, plan, strict=True):
        if user_id is not None:
            by_agent[user_id].append(inquiry_id)
    if not by_agent:
        return {}
    agents = get_user_model().objects.in_bulk(list(by_agent))
    assigned: dict[int, User] = {}
    for user_id, ids in by_agent.items():
        agent = agents[user_id]
        with transaction.atomic():
            unassigned = Inquiry.objects.filter(pk__in=ids, assigned_to__isnull=True).exclude(
                status=Inquiry.Status.RESOLVED
            )
            taken = dict(unassigned.select_for_update(skip_locked=True).values_list("pk", "reference"))
            Inquiry.objects.filter(pk__in=list(taken), assigned_to__isnull=True).update(
                assigned_to=agent,
                assigned_at=now,
                status=Case(When(status=Inquiry.Status.NEW, then=Value(Inquiry.Status.OPEN)), default=F("status")),
            )
            text = _("Assigned automatically to %(user)s.") % {"user": user_display(agent)}
            InquiryMessage.objects.bulk_create(
                InquiryMessage(inquiry_id=pk, kind=InquiryMessage.Kind.EVENT, body=text, created_at=now) for pk in taken
            )
            for pk, reference in taken.items():
                audit_log(
                    action="inquiry_auto_assign",
                    object_type=Inquiry._meta.label_lower,
                    object_id=pk,
                    object_repr=reference,
                    changes={"assigned_to": agent.get_username()},
                )
                assigned[pk] = agent
    return assigned


@transaction.atomic
def inquiry_assign(
    *, inquiry: Inquiry, to_user: User | None, actor: User, reason: str = "", request: HttpRequest | None = None
) -> Inquiry:
    """Reassign an inquiry (supervisor); to_user None puts it back in the unassigned queue."""
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    before = inquiry.assigned_to
    inquiry.assigned_to = to_user
    inquiry.assigned_at = timezone.now() if to_user else None
    if to_user and inquiry.status == Inquiry.Status.NEW:
        inquiry.status = Inquiry.Status.OPEN
    inquiry.save(update_fields=["assigned_to", "assigned_at", "status"])
    audit_log(
        actor=actor,
        action="inquiry_reassign",
        obj=inquiry,
        changes={"assigned_to": [username_of(before), username_of(to_user)]},
        reason=reason,
        request=request,
    )
    if to_user:
        text = _("Reassigned to %(user)s.") % {"user": user_display(to_user)}
    else:
        text = _("Returned to the unassigned queue.")
    event_add(inquiry, text + (" " + reason if reason else ""), author=actor)
    if to_user and to_user != actor:
        notification_send(
            recipients=[to_user],
            message=_("Inquiry %(ref)s was assigned to you.") % {"ref": inquiry.reference},
            link=inquiry.get_absolute_url(),
            level=Notification.Level.INFO,
        )
    return inquiry
