"""Repayments: posting with allocation (the waterfall) and reversal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from aftersales.money import ZERO, money
from loans.models import Allocation, Installment, Loan, Repayment
from loans.services.common import (
    COMPONENTS,
    DuplicateRepayment,
    LoanError,
    installment_status,
    loan_refresh,
    received_at_check,
)


def loan_lock(loan: Loan) -> Loan:
    """Serialise every money movement on one loan (row lock on PostgreSQL; SQLite locks the database)."""
    return Loan.objects.select_for_update().select_related("product").get(pk=loan.pk)


@dataclass(frozen=True)
class AllocationLine:
    """Where part of a repayment goes: a component of an installment, or customer credit (installment None)."""

    installment: Installment | None
    income_type: str
    amount: Decimal


def allocation_waterfall(*, rows: list[Installment], amount: Decimal, as_of: date) -> list[AllocationLine]:
    """Oldest installment first; inside one: penalty → fees → interest → principal. The rest is customer credit.

    Only installments already due, plus the one falling due next, take money: paying ahead of that is an early
    repayment the customer must ask for (a settlement), never a silent side effect of a large transfer.
    Pure: reads the rows, changes nothing.
    """
    open_rows = sorted((r for r in rows if r.is_current and r.outstanding > ZERO), key=lambda r: (r.due_date, r.number))
    upcoming = [r.due_date for r in open_rows if r.due_date >= as_of]
    cutoff = min(upcoming) if upcoming else None
    remaining = amount
    lines: list[AllocationLine] = []
    for row in open_rows:
        if remaining <= ZERO or (cutoff is not None and row.due_date > cutoff):
            break
        for income_type, due_field, paid_field in COMPONENTS:
            take = min(getattr(row, due_field) - getattr(row, paid_field), remaining)
            if take > ZERO:
                remaining -= take
                lines.append(AllocationLine(row, income_type, take))
    if remaining > ZERO:
        lines.append(AllocationLine(None, Allocation.IncomeType.CREDIT, remaining))
    return lines


def repayment_allocate(
    *, loan: Loan, repayment: Repayment, amount: Decimal, at: datetime, rows: list[Installment]
) -> None:
    """Persist the waterfall's allocations: paid amounts and statuses, allocation rows, customer credit."""
    lines = allocation_waterfall(rows=rows, amount=amount, as_of=timezone.localdate(at))
    paid_field = {name: paid for name, _due, paid in COMPONENTS}
    changed: dict[int, Installment] = {}
    credit = ZERO
    for line in lines:
        if line.installment is None:
            credit += line.amount
            continue
        row = line.installment
        setattr(row, paid_field[line.income_type], getattr(row, paid_field[line.income_type]) + line.amount)
        changed[row.pk] = row
    today = timezone.localdate()
    for row in changed.values():
        row.status = installment_status(row, today=today, grace_days=loan.grace_days)
        row.paid_at = at if row.status == Installment.Status.PAID else None
    if credit > ZERO:
        loan.credit_balance += credit
        loan.save(update_fields=["credit_balance"])
    Installment.objects.bulk_update(
        list(changed.values()), ["penalty_paid", "fees_paid", "interest_paid", "principal_paid", "status", "paid_at"]
    )
    Allocation.objects.bulk_create(
        Allocation(
            repayment=repayment,
            loan=loan,
            product_id=loan.product_id,
            installment=line.installment,
            income_type=line.income_type,
            amount=line.amount,
            booked_at=at,
        )
        for line in lines
    )


def loan_bring_up_to_date(*, loan: Loan, received_at: datetime) -> None:
    """Run the overdue job for this loan to the day the money arrived, so the penalty and late fees it pays
    are the same whether or not the daily job ran before (the job is idempotent per day)."""
    from loans import jobs

    jobs.overdue_run(timezone.localdate(received_at), loan_id=loan.pk)


def repayment_create(
    *,
    loan: Loan,
    amount: Decimal,
    received_at: datetime,
    channel: str,
    external_id: str,
    posted_by: AbstractBaseUser | None,
    kind: str,
) -> Repayment:
    """The repayment row, refused without the provider's transaction id or when that id was already posted."""
    external_id = (external_id or "").strip()
    if not external_id:
        raise LoanError(_("A repayment needs the payment provider's transaction id."))
    if Repayment.objects.filter(external_id=external_id).exists():
        raise DuplicateRepayment(
            _("Transaction %(id)s was already posted; it is not counted twice.") % {"id": external_id}
        )
    repayment = Repayment(
        loan=loan,
        amount=amount,
        received_at=received_at,
        channel=channel,
        external_id=external_id,
        kind=kind,
        posted_by=posted_by,
    )
    repayment.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            repayment.save()
    except IntegrityError:
        raise DuplicateRepayment(
            _("Transaction %(id)s was already posted; it is not counted twice.") % {"id": external_id}
        )
    return repayment


@transaction.atomic
def repayment_post(
    *,
    loan: Loan,
    amount: Decimal,
    received_at: datetime,
    channel: str,
    external_id: str,
    posted_by: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> Repayment:
    """Post a repayment and allocate it: penalty, fees, interest, principal, oldest first; excess to credit."""
    amount = money(amount)
    if amount <= ZERO:
        raise LoanError(_("The amount must be positive."))
    received_at_check(loan=loan, received_at=received_at)
    loan = loan_lock(loan)
    loan_bring_up_to_date(loan=loan, received_at=received_at)
    repayment = repayment_create(
        loan=loan,
        amount=amount,
        received_at=received_at,
        channel=channel,
        external_id=external_id,
        posted_by=posted_by,
        kind=Repayment.Kind.REGULAR,
    )
    rows = list(loan.installments.filter(is_current=True))
    repayment_allocate(loan=loan, repayment=repayment, amount=amount, at=received_at, rows=rows)
    loan_refresh(loan=loan, rows=rows)
    audit_log(
        actor=posted_by,
        action="repayment_post",
        obj=repayment,
        changes={"loan": loan.contract_number, "amount": str(amount), "channel": channel},
        request=request,
    )
    return repayment


@transaction.atomic
def repayment_reverse(
    *,
    repayment: Repayment,
    reason: str,
    reversed_by: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> Repayment:
    """Reverse a repayment: re-open what it paid, take back credit it created, and log why."""
    reason = (reason or "").strip()
    if not reason:
        raise LoanError(_("Give the reason for the reversal."))
    loan = loan_lock(repayment.loan)
    repayment = Repayment.objects.select_for_update().get(pk=repayment.pk)
    if repayment.status == Repayment.Status.REVERSED:
        raise LoanError(_("This repayment was already reversed."))
    rows = list(repayment.allocations.filter(is_reversal=False).select_related("installment"))
    if any(row.installment is not None and not row.installment.is_current for row in rows):
        raise LoanError(
            _(
                "This repayment paid installments that a settlement or restructuring has since replaced; "
                "it cannot be reversed automatically."
            )
        )
    credit = sum((row.amount for row in rows if row.income_type == Allocation.IncomeType.CREDIT), ZERO)
    if credit > loan.credit_balance:
        raise LoanError(_("The credit this repayment created has already been used; it cannot be reversed."))
    now = timezone.now()
    installments: dict[int, Installment] = {}
    paid_field = {name: paid for name, _due, paid in COMPONENTS}
    for row in rows:
        if row.installment is not None:
            inst = installments.setdefault(row.installment_id, row.installment)
            field_name = paid_field[row.income_type]
            setattr(inst, field_name, getattr(inst, field_name) - row.amount)
    today = timezone.localdate()
    for inst in installments.values():
        inst.status = installment_status(inst, today=today, grace_days=loan.grace_days)
        if inst.status != Installment.Status.PAID:
            inst.paid_at = None
    Installment.objects.bulk_update(
        list(installments.values()),
        ["penalty_paid", "fees_paid", "interest_paid", "principal_paid", "status", "paid_at"],
    )
    Allocation.objects.bulk_create(
        Allocation(
            repayment=repayment,
            loan=loan,
            product_id=row.product_id,
            installment_id=row.installment_id,
            income_type=row.income_type,
            amount=-row.amount,
            booked_at=now,
            is_reversal=True,
        )
        for row in rows
    )
    if credit:
        loan.credit_balance -= credit
        loan.save(update_fields=["credit_balance"])
    repayment.status = Repayment.Status.REVERSED
    repayment.reversed_at = now
    repayment.reversed_by = reversed_by
    repayment.reversal_reason = reason
    repayment.save(update_fields=["status", "reversed_at", "reversed_by", "reversal_reason"])
    loan_refresh(loan=loan)
    audit_log(
        actor=reversed_by,
        action="repayment_reverse",
        obj=repayment,
        changes={"loan": loan.contract_number, "amount": str(repayment.amount)},
        reason=reason,
        request=request,
    )
    return repayment
