"""Escalation to a department (risk, legal, finance) as tracked work: its deadline, the one holding reply to the
customer, the department's answer back into the thread, the alert before the deadline and the breach record.

Who answers for a department is one rule (`department_members` / `is_department_member`): the holders of the
department's role (aftersales.permissions.DEPARTMENT_ROLES), and staff whose profile names the department.
The department queue's reads live here too, beside the states they list, so page and alerts share one definition.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.audit import audit_log
from aftersales.models import Notification
from aftersales.notifications import notification_send, users_with_role
from inquiries.models import Inquiry, InquiryMessage
from inquiries.services.common import ReplyNotPossible, event_add, message_create, user_display
from inquiries.services.replies import inquiry_reply
from org.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest

# The beat task handles at most this many inquiries per run and kind (alert, breach); the rest waits 5 minutes.
SWEEP_BATCH = 500
# The department queue's filter: still waiting for the department, answered, deadline missed.
OPEN, ANSWERED, BREACHED = "open", "answered", "breached"
STATES = (OPEN, ANSWERED, BREACHED)


def _when(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _stamp(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y%m%d%H%M%S") if value else "-"


# ---- who answers for a department -------------------------------------------------------------------------------


def department_members(*, department: Department) -> QuerySet[User]:
    """Active staff who answer for the department: its role's holders and staff whose profile names it."""
    who = Q(staff_profile__department=department)
    role = roles.DEPARTMENT_ROLES.get(department.code)
    if role:
        who |= Q(groups__name=role)
    return get_user_model().objects.filter(who, is_active=True).distinct()


def is_department_member(*, user: User, department: Department | None) -> bool:
    """True when the user answers for the department (superusers always)."""
    if department is None or not getattr(user, "is_authenticated", False):
        return False
    role = roles.DEPARTMENT_ROLES.get(department.code)
    if user.is_superuser or (role and roles.has_role(user, role)):
        return True
    profile = getattr(user, "staff_profile", None)
    return bool(profile and profile.department_id == department.pk)


def may_see_department(*, user: User, department: Department | None) -> bool:
    """The department's queue and inquiries: its members, supervisors and managers."""
    return is_department_member(user=user, department=department) or roles.has_role(user, *roles.LEADERS)


def department_of(*, user: User) -> Department | None:
    """The department whose escalations the user answers (by role, else by profile), or None."""
    codes = [code for code, role in roles.DEPARTMENT_ROLES.items() if role in roles.user_roles(user)]
    if codes:
        return Department.objects.filter(code=codes[0]).first()
    profile = getattr(user, "staff_profile", None)
    if profile and profile.department_id and profile.department.code in roles.DEPARTMENT_ROLES:
        return profile.department
    return None


def _supervisors_of(inquiry: Inquiry, everyone: list) -> list:
    """The owning agent's team supervisor, else every supervisor."""
    profile = getattr(inquiry.assigned_to, "staff_profile", None) if inquiry.assigned_to_id else None
    team = profile.team if profile and profile.team_id else None
    return [team.supervisor] if team and team.supervisor_id else everyone


# ---- escalating and the holding reply ---------------------------------------------------------------------------


def holding_reply_text(*, inquiry: Inquiry, department: Department, due: datetime) -> str:
    """The holding reply proposed to the agent, in the customer's language: who has the question, answer by when."""
    with translation.override(inquiry.language or settings.LANGUAGE_CODE):
        return _("We have passed your question (%(ref)s) to our %(department)s and will answer you by %(due)s.") % {
            "ref": inquiry.reference,
            "department": department.name,
            "due": _when(due),
        }


def _holding_reply_send(*, inquiry: Inquiry, actor: User, body: str, via: str, at: datetime, request) -> bool:
    """Send the holding reply unless one was sent already (claimed first, released again if it did not go out)."""
    claimed = Inquiry.objects.filter(pk=inquiry.pk, holding_reply_sent_at__isnull=True).update(holding_reply_sent_at=at)
    if not claimed:
        sent = Inquiry.objects.values_list("holding_reply_sent_at", flat=True).get(pk=inquiry.pk)
        event_add(
            inquiry,
            _("The holding reply was already sent on %(when)s; it was not sent again.") % {"when": _when(sent)},
            author=actor,
            at=at,
        )
        return False
    try:
        message = inquiry_reply(inquiry=inquiry, author=actor, body=body, via=via, request=request)
    except ReplyNotPossible:
        Inquiry.objects.filter(pk=inquiry.pk).update(holding_reply_sent_at=None)
        raise
    if not message.reached_customer:
        Inquiry.objects.filter(pk=inquiry.pk).update(holding_reply_sent_at=None)
    return message.reached_customer


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
    """Escalate to a department with its own deadline, notify its members; the holding reply goes out once."""
    hours = department.escalation_hours or settings.INQUIRY_ESCALATION_HOURS
    now = timezone.now()
    due = now + timedelta(hours=hours)
    with transaction.atomic():
        # A new escalation starts a new clock: the previous alert, breach and answer belong to the old one.
        Inquiry.objects.filter(pk=inquiry.pk).update(
            status=Inquiry.Status.ESCALATED,
            escalated_to=department,
            escalated_at=now,
            escalation_due=due,
            escalation_alerted_at=None,
            escalation_breached_at=None,
            escalation_answered_at=None,
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
            changes={"department": department.code, "hours": hours, "due": due.isoformat()},
            reason=note,
            request=request,
        )
    notification_send(
        recipients=department_members(department=department),
        message=_("Inquiry %(ref)s was escalated to %(department)s; answer by %(due)s.")
        % {"ref": inquiry.reference, "department": department.name, "due": _when(due)},
        link=reverse("inquiries:department_inquiry", args=[inquiry.pk]),
        dedupe_key=f"inquiry-escalated-{inquiry.pk}-{department.code}-{_stamp(now)}",
    )
    if holding_reply and via:
        _holding_reply_send(inquiry=inquiry, actor=actor, body=holding_reply, via=via, at=now, request=request)
    inquiry.refresh_from_db()
    return inquiry


# ---- the department's answer ------------------------------------------------------------------------------------


def department_answer_add(
    *, inquiry: Inquiry, actor: User, body: str, request: HttpRequest | None = None
) -> InquiryMessage:
    """The department's answer into the thread: the escalation is answered, the inquiry goes back to its agent."""
    department = inquiry.escalated_to
    if not is_department_member(user=actor, department=department):
        raise PermissionDenied
    if not body.strip():
        raise ValidationError({"body": _("Write the department's answer.")})
    now = timezone.now()
    with transaction.atomic():
        answered = Inquiry.objects.filter(
            pk=inquiry.pk,
            status=Inquiry.Status.ESCALATED,
            escalated_to=department,
            escalation_answered_at__isnull=True,
        ).update(
            escalation_answered_at=now,
            status=Inquiry.Status.OPEN,
            awaiting_agent=True,  # the agent owes the customer the answer: the queue shows it
            # answered after the deadline before the beat task saw it: the breach is recorded now
            escalation_breached_at=Case(
                When(escalation_breached_at__isnull=True, escalation_due__lt=now, then=Value(now)),
                default=F("escalation_breached_at"),
            ),
        )
        if not answered:
            raise ValidationError({"body": _("This inquiry is no longer waiting for the department's answer.")})
        message = message_create(
            inquiry=inquiry, kind=InquiryMessage.Kind.DEPARTMENT, body=body, author=actor, created_at=now
        )
        on_time = inquiry.escalation_due is not None and now <= inquiry.escalation_due
        audit_log(
            actor=actor,
            action="inquiry_department_answer",
            obj=inquiry,
            changes={"department": department.code, "on_time": on_time},
            request=request,
        )
    owner = [inquiry.assigned_to] if inquiry.assigned_to_id else list(users_with_role(roles.SUPERVISOR))
    notification_send(
        recipients=owner,
        message=_("%(department)s answered inquiry %(ref)s (%(who)s): reply to the customer.")
        % {"department": department.name, "ref": inquiry.reference, "who": user_display(actor)},
        link=inquiry.get_absolute_url(),
        dedupe_key=f"inquiry-department-answer-{message.pk}",
    )
    inquiry.refresh_from_db()
    return message


# ---- the deadline: alert before it, breach after it (the beat task) ---------------------------------------------


def _claim(waiting: QuerySet[Inquiry], field: str, now: datetime) -> list[Inquiry]:
    """Stamp `field` on a batch of the waiting inquiries (locked rows skipped) and return them for notices."""
    with transaction.atomic():
        ids = list(
            waiting.select_for_update(skip_locked=True, of=("self",))
            .order_by("escalation_due", "id")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if ids:
            Inquiry.objects.filter(pk__in=ids, **{f"{field}__isnull": True}).update(**{field: now})
    if not ids:
        return []
    return list(
        Inquiry.objects.filter(pk__in=ids)
        .select_related("escalated_to", "assigned_to__staff_profile__team__supervisor")
        .order_by("escalation_due", "id")
    )


def _waiting() -> QuerySet[Inquiry]:
    return Inquiry.objects.filter(
        status=Inquiry.Status.ESCALATED, escalated_to__isnull=False, escalation_answered_at__isnull=True
    )


def escalation_alerts_send(*, now: datetime | None = None) -> int:
    """Alert the department and the supervisor once, INQUIRY_ESCALATION_ALERT_HOURS before the deadline."""
    now = now or timezone.now()
    window = now + timedelta(hours=settings.INQUIRY_ESCALATION_ALERT_HOURS)
    waiting = _waiting().filter(escalation_alerted_at__isnull=True, escalation_due__gte=now, escalation_due__lte=window)
    alerted = _claim(waiting, "escalation_alerted_at", now)
    supervisors = list(users_with_role(roles.SUPERVISOR)) if alerted else []
    members: dict[int, list] = {}
    for inquiry in alerted:
        department = inquiry.escalated_to
        if department.pk not in members:
            members[department.pk] = list(department_members(department=department))
        notification_send(
            recipients={*members[department.pk], *_supervisors_of(inquiry, supervisors)},
            message=_("Escalated inquiry %(ref)s: the %(department)s answer is due by %(due)s.")
            % {"ref": inquiry.reference, "department": department.name, "due": _when(inquiry.escalation_due)},
            link=reverse("inquiries:department_inquiry", args=[inquiry.pk]),
            level=Notification.Level.WARNING,
            dedupe_key=f"inquiry-escalation-alert-{inquiry.pk}-{_stamp(inquiry.escalated_at)}",
        )
    return len(alerted)


def escalation_breaches_mark(*, now: datetime | None = None) -> int:
    """Record once each escalation whose deadline passed unanswered, and tell the supervisor and the managers."""
    now = now or timezone.now()
    waiting = _waiting().filter(escalation_breached_at__isnull=True, escalation_due__lt=now)
    breached = _claim(waiting, "escalation_breached_at", now)
    if not breached:
        return 0
    supervisors = list(users_with_role(roles.SUPERVISOR))
    managers = list(users_with_role(roles.MANAGER))
    for inquiry in breached:
        notification_send(
            recipients={*_supervisors_of(inquiry, supervisors), *managers},
            message=_("Escalated inquiry %(ref)s missed the %(department)s deadline of %(due)s.")
            % {"ref": inquiry.reference, "department": inquiry.escalated_to.name, "due": _when(inquiry.escalation_due)},
            link=inquiry.get_absolute_url(),
            level=Notification.Level.DANGER,
            dedupe_key=f"inquiry-escalation-breach-{inquiry.pk}-{_stamp(inquiry.escalated_at)}",
        )
    return len(breached)


# ---- the department queue (reads) -------------------------------------------------------------------------------


def escalation_breached(now: datetime) -> Q:
    """Escalations past their deadline: the breach recorded (answered late, or by the watch), or still waiting
    past the deadline before the watch has run — the breached tab never lags the clock."""
    waiting = Q(status=Inquiry.Status.ESCALATED, escalation_answered_at__isnull=True)
    return Q(escalation_breached_at__isnull=False) | (waiting & Q(escalation_due__lt=now))


def department_inquiries(
    *, department: Department, state: str = OPEN, now: datetime | None = None
) -> QuerySet[Inquiry]:
    """The inquiries escalated to the department in one state, the most urgent (overdue) first."""
    qs = Inquiry.objects.filter(escalated_to=department)
    if state == ANSWERED:
        qs = qs.filter(escalation_answered_at__isnull=False).order_by("-escalation_answered_at", "-id")
    elif state == BREACHED:
        qs = qs.filter(escalation_breached(now or timezone.now())).order_by("escalation_due", "id")
    else:
        qs = qs.filter(status=Inquiry.Status.ESCALATED, escalation_answered_at__isnull=True)
        qs = qs.order_by("escalation_due", "id")
    return qs.select_related("customer", "assigned_to", "escalated_to")


def department_counts(*, departments: Iterable[Department], now: datetime | None = None) -> dict[int, dict[str, int]]:
    """Per department id: waiting, overdue (waiting past the deadline), answered, breached (1 query)."""
    now = now or timezone.now()
    departments = list(departments)
    waiting = Q(status=Inquiry.Status.ESCALATED, escalation_answered_at__isnull=True)
    rows = (
        Inquiry.objects.filter(escalated_to__in=departments)
        .order_by()
        .values("escalated_to")
        .annotate(
            open=Count("id", filter=waiting),
            overdue=Count("id", filter=waiting & Q(escalation_due__lt=now)),
            answered=Count("id", filter=Q(escalation_answered_at__isnull=False)),
            breached=Count("id", filter=escalation_breached(now)),
        )
    )
    counts = {row.pop("escalated_to"): row for row in rows}
    return {d.pk: counts.get(d.pk, {OPEN: 0, "overdue": 0, ANSWERED: 0, BREACHED: 0}) for d in departments}
