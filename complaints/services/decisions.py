"""Deciding and closing a complaint: the decision (a refund or waiver goes to the loans app's approval), the
decision letter, closing with its callback visit, reopening and the customer's satisfaction."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from aftersales.money import format_cny
from complaints import deadlines
from complaints.models import Complaint, ComplaintNotice, LetterTemplate, RootCause
from complaints.services.callbacks import callback_visit_schedule
from complaints.services.common import S, _event, _lock, _require_status, _send_letter
from loans import services as loan_services

__all__ = [
    "complaint_decide",
    "complaint_inform",
    "complaint_close",
    "complaint_reopen",
    "complaint_satisfaction_record",
]


def _waiver_request(complaint: Complaint, actor: AbstractBaseUser) -> str:
    """Send a refund or waiver through the loans app's fee waiver approval; return what happened (for the notes)."""
    if complaint.loan_id is None or not complaint.remedy_amount:
        return _("No loan or amount given: arrange the refund or waiver by hand.")
    try:
        with transaction.atomic():
            loan_services.fee_waiver_request(
                loan=complaint.loan,
                amount=complaint.remedy_amount,
                reason=_("Complaint %(ref)s: %(remedy)s")
                % {"ref": complaint.reference, "remedy": complaint.get_remedy_display()},
                requested_by=actor,
            )
    except (loan_services.LoanError, ValidationError) as exc:
        # The decision stands; the refusal (e.g. more than can be waived) is recorded for the handler.
        text = " ".join(exc.messages)
        return _("The fee waiver request was refused (%(reason)s): arrange the refund or waiver by hand.") % {
            "reason": text
        }
    return _("A fee waiver of %(amount)s was sent for approval.") % {"amount": format_cny(complaint.remedy_amount)}


def complaint_decide(
    *,
    complaint: Complaint,
    actor: AbstractBaseUser,
    decision_text: str,
    remedy: str,
    root_cause: RootCause | None = None,
    remedy_amount: Decimal | None = None,
    responsible_staff: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> Complaint:
    """Record the decision: root cause, remedy, the staff member responsible; a refund or waiver goes for approval."""
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_status(complaint, "decide")
        old = complaint.status
        now = timezone.now()
        complaint.status = S.DECIDED
        complaint.decided_at = now
        complaint.decision_text = decision_text
        complaint.remedy = remedy
        complaint.root_cause = root_cause
        complaint.remedy_amount = remedy_amount
        complaint.responsible_staff = responsible_staff
        if complaint.on_time is None and deadlines.is_late(now, complaint.decision_due):
            complaint.on_time = False
        complaint.full_clean()
        complaint.save()
        _event(complaint, actor, _("Decision recorded: %(remedy)s.") % {"remedy": complaint.get_remedy_display()})
        audit_log(
            actor=actor,
            action="complaint_decide",
            obj=complaint,
            changes={
                "status": [old, S.DECIDED],
                "remedy": [None, remedy],
                "root_cause": [None, str(root_cause) if root_cause else None],
                "responsible_staff": [None, str(responsible_staff) if responsible_staff else None],
            },
            request=request,
        )
        if remedy in (Complaint.Remedy.FEE_REFUND, Complaint.Remedy.WAIVER):
            _event(complaint, actor, _waiver_request(complaint, actor))
    return complaint


def complaint_inform(
    *,
    complaint: Complaint,
    actor: AbstractBaseUser,
    channel: str = "",
    subject: str = "",
    body: str = "",
    request: HttpRequest | None = None,
) -> tuple[Complaint, ComplaintNotice]:
    """Send the decision letter; only a notice that left marks the customer informed. Returns (complaint, notice)."""
    complaint = Complaint.objects.get(pk=complaint.pk)
    _require_status(complaint, "inform")
    channel = channel or complaint.reply_channel
    notice = _send_letter(complaint, LetterTemplate.Kind.DECISION, actor, channel=channel, subject=subject, body=body)
    if not notice.accepted:
        return complaint, notice
    with transaction.atomic():
        complaint = _lock(complaint)
        now = notice.sent_at
        complaint.status = S.INFORMED
        complaint.informed_at = now
        if complaint.on_time is None:
            complaint.on_time = not deadlines.is_late(now, complaint.decision_due)
        complaint.save(update_fields=["status", "informed_at", "on_time"])
        _event(complaint, actor, _("Decision letter sent by %(channel)s.") % {"channel": notice.get_channel_display()})
        audit_log(
            actor=actor,
            action="complaint_inform",
            obj=complaint,
            changes={"status": [S.DECIDED, S.INFORMED], "on_time": [None, complaint.on_time]},
            request=request,
        )
    return complaint, notice


@transaction.atomic
def complaint_close(
    *,
    complaint: Complaint,
    actor: AbstractBaseUser,
    customer_satisfaction: int | None = None,
    request: HttpRequest | None = None,
) -> Complaint:
    """Close after the customer was informed and schedule the callback visit (回访)."""
    complaint = _lock(complaint)
    _require_status(complaint, "close")
    now = timezone.now()
    complaint.status = S.CLOSED
    complaint.closed_at = now
    if customer_satisfaction is not None:
        complaint.customer_satisfaction = customer_satisfaction
    complaint.full_clean()
    complaint.save(update_fields=["status", "closed_at", "customer_satisfaction"])
    visit = callback_visit_schedule(complaint=complaint, closed_on=timezone.localdate(now))
    _event(
        complaint,
        actor,
        _("Closed; callback visit scheduled for %(date)s.") % {"date": visit.scheduled_for.isoformat()},
    )
    audit_log(
        actor=actor,
        action="complaint_close",
        obj=complaint,
        changes={"status": [S.INFORMED, S.CLOSED], "customer_satisfaction": [None, customer_satisfaction]},
        request=request,
    )
    return complaint


@transaction.atomic
def complaint_reopen(
    *, complaint: Complaint, actor: AbstractBaseUser, reason: str, request: HttpRequest | None = None
) -> Complaint:
    """Reopen when the customer disagrees with the decision; the original deadlines and timeliness stay."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the complaint is reopened."))
    complaint = _lock(complaint)
    _require_status(complaint, "reopen")
    old = complaint.status
    complaint.status = S.REOPENED
    complaint.closed_at = None
    complaint.save(update_fields=["status", "closed_at"])
    _event(complaint, actor, _("Reopened: %(reason)s") % {"reason": reason})
    audit_log(
        actor=actor,
        action="complaint_reopen",
        obj=complaint,
        changes={"status": [old, S.REOPENED]},
        reason=reason,
        request=request,
    )
    return complaint


@transaction.atomic
def complaint_satisfaction_record(
    *, complaint: Complaint, actor: AbstractBaseUser, score: int, request: HttpRequest | None = None
) -> Complaint:
    """Record the customer's satisfaction with the result (1–5)."""
    if not 1 <= int(score) <= 5:
        raise ValidationError(_("Satisfaction is a score from 1 to 5."))
    complaint = _lock(complaint)
    old = complaint.customer_satisfaction
    complaint.customer_satisfaction = int(score)
    complaint.save(update_fields=["customer_satisfaction"])
    audit_log(
        actor=actor,
        action="complaint_satisfaction",
        obj=complaint,
        changes={"customer_satisfaction": [old, int(score)]},
        request=request,
    )
    return complaint
