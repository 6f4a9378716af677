"""Fee waivers: an agent (or another app, e.g. complaints) requests, another person, a manager, decides."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.approvals import four_eyes_check
from aftersales.audit import audit_log
from aftersales.money import ZERO, format_cny, money
from aftersales.notifications import notification_send, users_with_role
from loans.models import FeeCharge, FeeWaiver, Installment, Loan
from loans.services.common import LoanError, installment_status, loan_refresh


def waivable_amount(*, loan: Loan, installment: Installment | None = None) -> Decimal:
    """Outstanding penalty interest and fees (of one installment, or of the whole current schedule)."""
    rows = [installment] if installment is not None else list(loan.installments.filter(is_current=True))
    return sum(((r.penalty_due - r.penalty_paid) + (r.fees_due - r.fees_paid) for r in rows if r.is_current), ZERO)


@transaction.atomic
def fee_waiver_request(
    *,
    loan: Loan,
    amount: Decimal,
    reason: str,
    requested_by: AbstractBaseUser,
    installment: Installment | None = None,
    request: HttpRequest | None = None,
) -> FeeWaiver:
    """Ask a manager to waive penalty interest and fees on a loan (or one installment of it)."""
    amount = money(amount)
    reason = (reason or "").strip()
    if amount <= ZERO:
        raise LoanError(_("The amount to waive must be positive."))
    if not reason:
        raise LoanError(_("Say why the fees should be waived."))
    if installment is not None and installment.loan_id != loan.pk:
        raise LoanError(_("The installment does not belong to this loan."))
    available = waivable_amount(loan=loan, installment=installment)
    if amount > available:
        raise LoanError(
            _("Only %(available)s of penalty interest and fees is outstanding; %(amount)s cannot be waived.")
            % {"available": format_cny(available), "amount": format_cny(amount)}
        )
    waiver = FeeWaiver(loan=loan, installment=installment, amount=amount, reason=reason, requested_by=requested_by)
    waiver.full_clean()
    waiver.save()
    audit_log(
        actor=requested_by,
        action="fee_waiver_request",
        obj=waiver,
        changes={"loan": loan.contract_number, "amount": str(amount)},
        reason=reason,
        request=request,
    )
    link = reverse("loans:waiver_list")
    transaction.on_commit(
        lambda: notification_send(
            recipients=users_with_role(roles.MANAGER),
            message=_("Fee waiver of %(amount)s requested on %(loan)s")
            % {"amount": format_cny(amount), "loan": loan.contract_number},
            link=link,
            dedupe_key=f"fee-waiver-{waiver.pk}",
        )
    )
    return waiver


def fee_waiver_involved(waiver: FeeWaiver) -> list:
    """Who may not decide this waiver (four eyes): the person who requested it."""
    return [waiver.requested_by_id]


def _decidable(waiver: FeeWaiver, user, *, action: str) -> FeeWaiver:
    roles.require_role(user, [roles.MANAGER])
    waiver = FeeWaiver.objects.select_for_update().select_related("loan").get(pk=waiver.pk)
    # Four eyes: the requester never decides, whatever roles they hold (superusers and agent + manager included).
    four_eyes_check(actor=user, involved=fee_waiver_involved(waiver), action=action, obj=waiver)
    if waiver.status != FeeWaiver.Status.REQUESTED:
        raise LoanError(_("This waiver was already decided."))
    return waiver


@transaction.atomic
def fee_waiver_approve(
    *, waiver: FeeWaiver, approved_by: AbstractBaseUser, note: str = "", request: HttpRequest | None = None
) -> FeeWaiver:
    """Approve (managers only): lower penalty interest first, then fees, oldest installment first."""
    loan = Loan.objects.select_for_update().get(pk=waiver.loan_id)
    waiver = _decidable(waiver, approved_by, action="fee_waiver_approve")
    rows = list(loan.installments.filter(is_current=True).order_by("number"))
    if waiver.installment_id:
        rows = [r for r in rows if r.pk == waiver.installment_id]
    remaining = waiver.amount
    changed = []
    fee_cut: dict[int, Decimal] = {}
    for row in rows:
        if remaining <= ZERO:
            break
        take = min(row.penalty_due - row.penalty_paid, remaining)
        if take > ZERO:
            row.penalty_due -= take
            remaining -= take
        take_fee = min(row.fees_due - row.fees_paid, remaining)
        if take_fee > ZERO:
            row.fees_due -= take_fee
            remaining -= take_fee
            fee_cut[row.pk] = take_fee
        if take > ZERO or take_fee > ZERO:
            row.status = installment_status(row, today=timezone.localdate(), grace_days=loan.grace_days)
            changed.append(row)
    applied = waiver.amount - remaining
    if applied <= ZERO:
        raise LoanError(_("Nothing is left to waive: the penalty interest and fees were paid meanwhile."))
    Installment.objects.bulk_update(changed, ["penalty_due", "fees_due", "status"])
    if fee_cut:
        # Record the waived part on the fee lines so each line shows what was actually charged.
        charges = list(FeeCharge.objects.filter(installment_id__in=fee_cut).order_by("id"))
        for charge in charges:
            cut = min(charge.amount - charge.waived, fee_cut.get(charge.installment_id, ZERO))
            if cut > ZERO:
                charge.waived += cut
                fee_cut[charge.installment_id] -= cut
        FeeCharge.objects.bulk_update(charges, ["waived"])
    waiver.status = FeeWaiver.Status.APPROVED
    waiver.decided_by = approved_by
    waiver.decided_at = timezone.now()
    waiver.decision_note = note
    waiver.applied_amount = applied
    waiver.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "applied_amount"])
    loan_refresh(loan=loan)
    audit_log(
        actor=approved_by,
        action="fee_waiver_approve",
        obj=waiver,
        changes={"loan": loan.contract_number, "amount": str(applied)},
        reason=note,
        request=request,
    )
    _tell_requester(waiver)
    return waiver


@transaction.atomic
def fee_waiver_reject(
    *, waiver: FeeWaiver, rejected_by: AbstractBaseUser, note: str, request: HttpRequest | None = None
) -> FeeWaiver:
    """Reject (managers only, never the requester) with a reason."""
    waiver = _decidable(waiver, rejected_by, action="fee_waiver_reject")
    if not (note or "").strip():
        raise LoanError({"note": _("Say why the waiver is rejected.")})
    waiver.status = FeeWaiver.Status.REJECTED
    waiver.decided_by = rejected_by
    waiver.decided_at = timezone.now()
    waiver.decision_note = note.strip()
    waiver.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_log(actor=rejected_by, action="fee_waiver_reject", obj=waiver, reason=note, request=request)
    _tell_requester(waiver)
    return waiver


def _tell_requester(waiver: FeeWaiver) -> None:
    if waiver.requested_by_id:
        link = reverse("loans:detail", args=[waiver.loan_id])
        message = _("Your fee waiver on %(loan)s was %(status)s") % {
            "loan": waiver.loan.contract_number,
            "status": waiver.get_status_display().lower(),
        }
        transaction.on_commit(lambda: notification_send(recipients=[waiver.requested_by], message=message, link=link))
