"""Handling a complaint: hand-over, acknowledgement, investigation, notes, deadline extensions, legal, the daily sweep."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.approvals import REASON_HANDLER, four_eyes_check
from aftersales.audit import audit_log
from aftersales.notifications import notification_send
from complaints import deadlines
from complaints.models import Complaint, ComplaintNote, ComplaintNotice, DeadlineExtension, LetterTemplate
from complaints.selectors import DECISION_PENDING, _due_filters, calendar_load
from complaints.services.common import S, _event, _lock, _require_status, _send_letter
from complaints.services.incidents import mass_complaint_recheck

__all__ = [
    "complaint_assign",
    "complaint_acknowledge",
    "complaint_investigate",
    "complaint_note_add",
    "complaint_extension_involved",
    "complaint_extend",
    "complaint_escalate_legal",
    "complaint_deadlines_sweep",
]


@transaction.atomic
def complaint_assign(
    *, complaint: Complaint, assignee: AbstractBaseUser, actor: AbstractBaseUser, request: HttpRequest | None = None
) -> Complaint:
    """Hand the complaint to a staff member."""
    complaint = _lock(complaint)
    old = complaint.assigned_to
    complaint.assigned_to = assignee
    complaint.save(update_fields=["assigned_to"])
    _event(complaint, actor, _("Assigned to %(name)s.") % {"name": assignee.get_full_name() or assignee.get_username()})
    audit_log(
        actor=actor,
        action="complaint_assign",
        obj=complaint,
        changes={"assigned_to": [str(old) if old else None, str(assignee)]},
        request=request,
    )
    return complaint


def complaint_acknowledge(
    *,
    complaint: Complaint,
    actor: AbstractBaseUser | None,
    send_notice: bool = True,
    request: HttpRequest | None = None,
) -> tuple[Complaint, ComplaintNotice | None]:
    """Acknowledge receipt and tell the customer the reference; returns (complaint, notice or None)."""
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_status(complaint, "acknowledge")
        now = timezone.now()
        complaint.status = S.ACKNOWLEDGED
        complaint.acknowledged_at = now
        complaint.save(update_fields=["status", "acknowledged_at"])
        _event(
            complaint,
            actor,
            _("Acknowledged; the customer was given the reference %(ref)s.") % {"ref": complaint.reference},
        )
        audit_log(
            actor=actor,
            action="complaint_acknowledge",
            obj=complaint,
            changes={"status": [S.RECEIVED, S.ACKNOWLEDGED], "on_time": [None, now <= complaint.acknowledge_due]},
            request=request,
        )
        mass_complaint_recheck(complaint=complaint)  # a public complaint accepted by an agent now counts
    notice = None
    if send_notice:
        try:
            notice = _send_letter(complaint, LetterTemplate.Kind.ACKNOWLEDGEMENT, actor)
        except ValidationError:
            notice = None
    return complaint, notice


@transaction.atomic
def complaint_investigate(
    *, complaint: Complaint, actor: AbstractBaseUser, request: HttpRequest | None = None
) -> Complaint:
    """Start (or resume after a reopening) the investigation."""
    complaint = _lock(complaint)
    _require_status(complaint, "investigate")
    old = complaint.status
    complaint.status = S.INVESTIGATING
    complaint.save(update_fields=["status"])
    _event(complaint, actor, _("Investigation started."))
    audit_log(
        actor=actor,
        action="complaint_investigate",
        obj=complaint,
        changes={"status": [old, S.INVESTIGATING]},
        request=request,
    )
    return complaint


def complaint_note_add(
    *, complaint: Complaint, author: AbstractBaseUser | None, body: str, kind: str = ComplaintNote.Kind.NOTE
) -> ComplaintNote:
    """Add an investigation note (or legal advice, or a record of a customer contact)."""
    note = ComplaintNote(complaint=complaint, kind=kind, body=body, author=author, created_at=timezone.now())
    note.full_clean()
    note.save()
    return note


def complaint_extension_involved(complaint: Complaint) -> list[int | None]:
    """Who may not extend this complaint's deadline (four eyes): its own handler."""
    return [complaint.assigned_to_id]


def complaint_extend(
    *,
    complaint: Complaint,
    actor: AbstractBaseUser,
    reason: str,
    channel: str = "",
    request: HttpRequest | None = None,
) -> tuple[DeadlineExtension, ComplaintNotice | None]:
    """Extend the decision deadline one level (supervisor: to 30 days; manager: a further 30) and tell the customer why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason: it is sent to the customer."))
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_status(complaint, "extend")
        level = complaint.extension_level + 1
        if level == DeadlineExtension.Level.SUPERVISOR:
            if not roles.has_role(actor, roles.SUPERVISOR, roles.MANAGER):
                raise PermissionDenied(_("Only a supervisor or a manager may extend the deadline."))
        elif level == DeadlineExtension.Level.MANAGER:
            if not roles.has_role(actor, roles.MANAGER):
                raise PermissionDenied(_("Only a manager may extend the deadline a second time."))
        else:
            raise ValidationError(_("The deadline has already been extended twice (60 days)."))
        # Four eyes: the complaint's handler never extends their own deadline, superusers included.
        four_eyes_check(
            actor=actor,
            involved=complaint_extension_involved(complaint),
            action="complaint_extend",
            obj=complaint,
            message=REASON_HANDLER,
        )
        tz = timezone.get_current_timezone()
        received_day = timezone.localtime(complaint.received_at, tz).date()
        new_due = deadlines.end_of_day(
            deadlines.decision_due_date(received_day, calendar_load(received_day), extension_level=level), tz
        )
        extension = DeadlineExtension(
            complaint=complaint,
            level=level,
            previous_due=complaint.decision_due,
            new_due=new_due,
            reason=reason,
            granted_by=actor,
            granted_at=timezone.now(),
        )
        extension.full_clean()
        extension.save()
        old_due = complaint.decision_due
        complaint.decision_due = new_due
        complaint.extension_level = level
        complaint.save(update_fields=["decision_due", "extension_level"])
        _event(
            complaint,
            actor,
            _("Deadline extended to %(date)s. Reason: %(reason)s")
            % {"date": timezone.localtime(new_due).date().isoformat(), "reason": reason},
        )
        audit_log(
            actor=actor,
            action="complaint_extend",
            obj=complaint,
            changes={"decision_due": [old_due.isoformat(), new_due.isoformat()], "extension_level": [level - 1, level]},
            reason=reason,
            request=request,
        )
    try:
        notice = _send_letter(
            complaint, LetterTemplate.Kind.EXTENSION, actor, channel=channel, values={"reason": reason}
        )
    except ValidationError:
        notice = None
    return extension, notice


@transaction.atomic
def complaint_escalate_legal(
    *,
    complaint: Complaint,
    actor: AbstractBaseUser,
    legal_advisor: AbstractBaseUser,
    note: str,
    request: HttpRequest | None = None,
) -> Complaint:
    """Put the complaint in a legal advisor's queue with the question to answer."""
    if not roles.has_role(legal_advisor, roles.LEGAL_ADVISOR):
        raise ValidationError(_("Choose a legal advisor."))
    complaint = _lock(complaint)
    if complaint.status == S.CLOSED:
        raise ValidationError(_("A closed complaint cannot be escalated."))
    complaint.legal_advisor = legal_advisor
    complaint.legal_escalated_at = timezone.now()
    complaint.save(update_fields=["legal_advisor", "legal_escalated_at"])
    _event(
        complaint,
        actor,
        _("Escalated to legal (%(name)s): %(note)s")
        % {"name": legal_advisor.get_full_name() or legal_advisor.get_username(), "note": note},
    )
    audit_log(
        actor=actor,
        action="complaint_escalate_legal",
        obj=complaint,
        changes={"legal_advisor": [None, str(legal_advisor)]},
        reason=note,
        request=request,
    )
    notification_send(
        recipients=[legal_advisor],
        message=_("Complaint %(ref)s was escalated to you.") % {"ref": complaint.reference},
        link=complaint.get_absolute_url(),
        dedupe_key=f"complaint-legal-{complaint.pk}-{complaint.legal_escalated_at:%Y%m%d%H%M%S}",
    )
    return complaint


def complaint_deadlines_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Daily: record missed decisions as late and tell each handler what is due today and overdue. Safe to run twice."""
    now = now or timezone.now()
    # Decision *and* notice are due by decision_due: a complaint decided but not yet told is late as well.
    late = Complaint.objects.filter(status__in=DECISION_PENDING, on_time__isnull=True, decision_due__lt=now).update(
        on_time=False
    )
    due_today, overdue = _due_filters(now)
    rows = (
        Complaint.objects.filter(assigned_to__isnull=False)
        .filter(due_today | overdue)
        .values("assigned_to")
        .annotate(today=Count("id", filter=due_today), overdue=Count("id", filter=overdue))
    )
    users = get_user_model().objects.in_bulk([row["assigned_to"] for row in rows])
    day = timezone.localdate(now).isoformat()
    notified = 0
    for row in rows:
        notified += notification_send(
            recipients=[users[row["assigned_to"]]],
            message=_("Complaints: %(today)s due today, %(overdue)s overdue.")
            % {"today": row["today"], "overdue": row["overdue"]},
            link=reverse("complaints:list") + "?due=attention&mine=1",
            level="warning" if row["overdue"] else "info",
            dedupe_key=f"complaints-due-{day}",
        )
    return {"marked_late": late, "notified": notified}
