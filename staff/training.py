"""Training sessions, attendance, training hours and the information-security training due date."""

from __future__ import annotations

from datetime import date, timedelta
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


def infosec_due_remind(*, today: date | None = None) -> int:
    """Tell supervisors whose team members' information-security training is due within 30 days (or overdue)."""
    today = today or timezone.localdate()
    due = StaffProfile.objects.filter(
        user__is_active=True, infosec_training_due__lte=today + timedelta(days=INFOSEC_WARN_DAYS)
    ).select_related("user", "team__supervisor")
    fallback = None
    sent = 0
    for profile in due:
        supervisor = profile.team.supervisor if profile.team and profile.team.supervisor_id else None
        if supervisor is None:
            fallback = fallback if fallback is not None else list(users_with_role("supervisor"))
            recipients = fallback
        else:
            recipients = [supervisor]
        message = _("Information-security training of %(name)s is due on %(date)s.") % {
            "name": str(profile),
            "date": profile.infosec_training_due.isoformat(),
        }
        sent += notification_send(
            recipients=recipients,
            message=message,
            link=reverse("staff:training"),
            level="warning",
            dedupe_key=f"infosec-due:{profile.pk}:{profile.infosec_training_due.isoformat()}",
        )
    return sent
