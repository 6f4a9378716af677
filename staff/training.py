"""Training sessions, attendance, training hours and the information-security training due date."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from aftersales.notifications import notification_send, users_with_role
from org.models import StaffProfile
from staff.models import TrainingAttendance, TrainingSession

INFOSEC_VALID_DAYS = 365
INFOSEC_WARN_DAYS = 30
INFOSEC_NEW_STAFF_DAYS = 90  # a new staff member's first information-security training is due within 90 days


@transaction.atomic
def training_session_create(
    *, title: str, topic: str, held_on: date, hours: Decimal, trainer: str, attendees, actor=None, request=None
) -> TrainingSession:
    """Record a training session and who attended; information-security training moves their due date a year on."""
    session = TrainingSession(title=title, topic=topic, held_on=held_on, hours=hours, trainer=trainer)
    session.full_clean()
    session.save()
    attendee_ids = sorted({u.pk for u in attendees})
    TrainingAttendance.objects.bulk_create([TrainingAttendance(session=session, staff_id=i) for i in attendee_ids])
    if topic == TrainingSession.Topic.INFORMATION_SECURITY:
        due = held_on + timedelta(days=INFOSEC_VALID_DAYS)
        StaffProfile.objects.filter(user_id__in=attendee_ids).filter(
            Q(infosec_training_due__isnull=True) | Q(infosec_training_due__lt=due)
        ).update(infosec_training_due=due)
    audit_log(
        actor=actor,
        action="training_record",
        obj=session,
        changes={"attendees": [None, len(attendee_ids)], "hours": [None, str(hours)]},
        request=request,
    )
    return session


def training_hours(*, user, year: int) -> Decimal:
    """Hours of training the staff member attended in the calendar year."""
    total = TrainingAttendance.objects.filter(staff=user, session__held_on__year=year).aggregate(
        h=Sum("session__hours")
    )["h"]
    return total or Decimal(0)


def infosec_due_date(profile: StaffProfile) -> date:
    """When the staff member's information-security training is due: a year after the last one, or — never
    trained — INFOSEC_NEW_STAFF_DAYS after joining."""
    if profile.infosec_training_due is not None:
        return profile.infosec_training_due
    return timezone.localdate(profile.user.date_joined) + timedelta(days=INFOSEC_NEW_STAFF_DAYS)


def infosec_due(*, today: date | None = None) -> list[StaffProfile]:
    """Active staff whose information-security training is due within 30 days or overdue, never-trained included."""
    today = today or timezone.localdate()
    limit = today + timedelta(days=INFOSEC_WARN_DAYS)
    joined_before = timezone.make_aware(datetime.combine(limit - timedelta(days=INFOSEC_NEW_STAFF_DAYS), time.max))
    due = StaffProfile.objects.filter(
        Q(infosec_training_due__lte=limit) | Q(infosec_training_due__isnull=True, user__date_joined__lte=joined_before),
        user__is_active=True,
    ).select_related("user", "team__supervisor")
    return [p for p in due if infosec_due_date(p) <= limit]


def infosec_due_remind(*, today: date | None = None) -> int:
    """Tell supervisors whose team members' information-security training is due within 30 days (or overdue)."""
    fallback = None
    sent = 0
    for profile in infosec_due(today=today):
        supervisor = profile.team.supervisor if profile.team and profile.team.supervisor_id else None
        if supervisor is None:
            fallback = fallback if fallback is not None else list(users_with_role("supervisor"))
            recipients = fallback
        else:
            recipients = [supervisor]
        due = infosec_due_date(profile)
        if profile.infosec_training_due is None:
            message = _("%(name)s has never had information-security training; it is due by %(date)s.")
        else:
            message = _("Information-security training of %(name)s is due on %(date)s.")
        sent += notification_send(
            recipients=recipients,
            message=message % {"name": str(profile), "date": due.isoformat()},
            link=reverse("staff:training"),
            level="warning",
            dedupe_key=f"infosec-due:{profile.pk}:{due.isoformat()}",
        )
    return sent
