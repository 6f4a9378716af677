"""Repayments: posting with allocation, reversal, early-repayment quotes and settlement."""

from __future__ import annotations

import math
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
from loans.models import Allocation, ContractClause, FeeCharge, Installment, Loan, Repayment
from loans.schedule import add_months, generate_schedule, level_payment
from loans.services.common import (
    COMPONENTS,
    DuplicateRepayment,
    LoanError,
    installment_status,
    loan_refresh,
    received_at_check,
)
from loans.services.contracts import schedule_term_months


def _lock(loan: Loan) -> Loan:
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


def _allocate(*, loan: Loan, repayment: Repayment, amount: Decimal, at: datetime, rows: list[Installment]) -> None:
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


def _bring_up_to_date(*, loan: Loan, received_at: datetime) -> None:
    """Run the overdue job for this loan to the day the money arrived, so the penalty and late fees it pays
    are the same whether or not the daily job ran before (the job is idempotent per day)."""
    from loans import jobs

    jobs.overdue_run(timezone.localdate(received_at), loan_id=loan.pk)


def _create_repayment(*, loan, amount, received_at, channel, external_id, posted_by, kind) -> Repayment:
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
    loan = _lock(loan)
    _bring_up_to_date(loan=loan, received_at=received_at)
    repayment = _create_repayment(
        loan=loan,
        amount=amount,
        received_at=received_at,
        channel=channel,
        external_id=external_id,
        posted_by=posted_by,
        kind=Repayment.Kind.REGULAR,
    )
    rows = list(loan.installments.filter(is_current=True))
    _allocate(loan=loan, repayment=repayment, amount=amount, at=received_at, rows=rows)
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
    loan = _lock(repayment.loan)
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


# ---- early repayment ------------------------------------------------------------------------------------


@dataclass
class SettlementQuote:
    as_of: date
    arrears: Decimal  # everything already due and unpaid (all components)
    future_principal: Decimal  # principal not yet due
    accrued_interest: Decimal  # interest of the running period, from its start to as_of
    fee: Decimal  # early-repayment fee under the contract clause
    fee_waived: bool
    fee_rate: Decimal
    days: int
    period_start: date
    next_payment: Decimal  # the next regular installment (for the "shorter term" choice)

    @property
    def total(self) -> Decimal:
        return self.arrears + self.future_principal + self.accrued_interest + self.fee

    def partial(self, prepay: Decimal) -> dict[str, Decimal]:
        """What a partial prepayment of `prepay` principal costs today (arrears first)."""
        share = prepay / self.future_principal if self.future_principal else Decimal(0)
        interest = money(self.accrued_interest * share)
        fee = ZERO if self.fee_waived else money(prepay * self.fee_rate)
        return {
            "arrears": self.arrears,
            "principal": prepay,
            "interest": interest,
            "fee": fee,
            "total": self.arrears + prepay + interest + fee,
        }


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)


def settlement_quote(
    *, loan: Loan, as_of: date | None = None, rows: list[Installment] | None = None
) -> SettlementQuote:
    """Outstanding principal + interest accrued to date + the contract's early-repayment fee (SPEC §4)."""
    as_of = as_of or timezone.localdate()
    if rows is None:
        rows = list(loan.installments.filter(is_current=True).order_by("number"))
    rows = sorted((r for r in rows if r.is_current), key=lambda r: r.number)
    past = [r for r in rows if r.due_date <= as_of]
    future = [r for r in rows if r.due_date > as_of and r.outstanding > ZERO]
    arrears = sum((r.outstanding for r in past), ZERO)
    future_principal = sum((r.principal_due - r.principal_paid for r in future), ZERO)
    previous_due = max((r.due_date for r in past), default=None)
    period_start = previous_due or loan.disbursement_date
    if future:
        # The running period never starts more than a month before the next installment (restructured schedules).
        period_start = max(period_start, add_months(future[0].due_date, -1))
    days = max((as_of - period_start).days, 0)
    basis = 365 if loan.day_count == "act365" else 360
    interest_prepaid = sum((r.interest_paid for r in future), ZERO)
    accrued = money(future_principal * loan.annual_rate * days / basis) if future else ZERO
    accrued = max(accrued - interest_prepaid, ZERO)
    waived_after = loan.early_repayment_fee_waived_after_months
    fee_waived = bool(waived_after) and _months_between(loan.disbursement_date, as_of) >= waived_after
    fee_rate = loan.early_repayment_fee_rate
    fee = ZERO if fee_waived or not fee_rate else money(future_principal * fee_rate)
    next_payment = future[0].principal_due + future[0].interest_due if future else ZERO
    return SettlementQuote(
        as_of, arrears, future_principal, accrued, fee, fee_waived, fee_rate, days, period_start, next_payment
    )


def _shorter_term(
    *, principal: Decimal, annual_rate: Decimal, method: str, remaining: int, payment: Decimal, share: Decimal
) -> int:
    """The fewest installments that keep the payment at most what it is now."""
    if method == "equal_principal" and share > 0:
        return max(1, min(remaining, math.ceil(principal / share)))
    if method == "equal_installment":
        rate = annual_rate / 12
        for n in range(1, remaining + 1):
            if level_payment(principal, rate, n) <= payment:
                return n
    return remaining


@transaction.atomic
def loan_settle(
    *,
    loan: Loan,
    amount: Decimal,
    received_at: datetime,
    channel: str,
    external_id: str,
    posted_by: AbstractBaseUser | None = None,
    prepay_principal: Decimal | None = None,
    option: str = "shorten_term",
    request: HttpRequest | None = None,
) -> Repayment:
    """Early repayment: full (prepay_principal None) or partial, shortening the term or lowering the installment."""
    amount = money(amount)
    received_at_check(loan=loan, received_at=received_at)
    loan = _lock(loan)
    _bring_up_to_date(loan=loan, received_at=received_at)
    as_of = timezone.localdate(received_at)
    rows = list(loan.installments.filter(is_current=True).order_by("number"))
    quote = settlement_quote(loan=loan, as_of=as_of, rows=rows)
    if quote.future_principal <= ZERO:
        raise LoanError(_("Nothing is left to repay early on this loan; post a regular repayment instead."))
    full = prepay_principal is None or money(prepay_principal) >= quote.future_principal
    if full:
        prepay, interest, fee, required = quote.future_principal, quote.accrued_interest, quote.fee, quote.total
    else:
        prepay = money(prepay_principal)
        if prepay <= ZERO:
            raise LoanError(_("The principal to repay early must be positive."))
        part = quote.partial(prepay)
        interest, fee, required = part["interest"], part["fee"], part["total"]
    if amount < required:
        raise LoanError(
            _(
                "This settlement needs %(required)s today (arrears, principal, accrued interest and fee); %(amount)s is not enough."
            )
            % {"required": required, "amount": amount}
        )
    future = [r for r in rows if r.due_date > as_of and r.outstanding > ZERO]
    first_future = future[0]
    # Rows already partly paid keep what was paid as their due; untouched rows become history.
    trimmed, replaced = [], []
    for row in future:
        if row.total_paid > ZERO:
            row.principal_due, row.interest_due = row.principal_paid, row.interest_paid
            row.fees_due, row.penalty_due = row.fees_paid, row.penalty_paid
            row.status, row.paid_at = Installment.Status.PAID, received_at
            trimmed.append(row)
        else:
            row.is_current = False
            replaced.append(row)
    Installment.objects.bulk_update(
        trimmed, ["principal_due", "interest_due", "fees_due", "penalty_due", "status", "paid_at"]
    )
    Installment.objects.bulk_update(replaced, ["is_current"])
    settlement_row = Installment.objects.create(
        loan=loan,
        number=first_future.number,
        due_date=as_of,
        principal_due=prepay,
        interest_due=interest,
    )
    if fee > ZERO:
        clause = ContractClause.objects.get(loan=loan, kind=ContractClause.Kind.EARLY_REPAYMENT_FEE)
        FeeCharge.objects.create(
            loan=loan,
            installment=settlement_row,
            clause=clause,
            amount=fee,
            charged_on=as_of,
            note=_("Early repayment"),
        )
        settlement_row.fees_due = fee
        settlement_row.save(update_fields=["fees_due"])
    new_rows: list[Installment] = []
    if not full:
        remaining_principal = quote.future_principal - prepay
        count = len(future)
        if option == "shorten_term":
            count = _shorter_term(
                principal=remaining_principal,
                annual_rate=loan.annual_rate,
                method=loan.method,
                remaining=count,
                payment=quote.next_payment,
                share=first_future.principal_due,
            )
        lines = generate_schedule(
            principal=remaining_principal,
            annual_rate=loan.annual_rate,
            term_months=count,
            method=loan.method,
            first_due_date=add_months(first_future.due_date, 0),
        )
        new_rows = Installment.objects.bulk_create(
            Installment(
                loan=loan,
                number=first_future.number + line.number,
                due_date=line.due_date,
                principal_due=line.principal,
                interest_due=line.interest,
            )
            for line in lines
        )
        # The term counts months, not rows: the settlement row is not a month (a 36-month loan stays 36).
        loan.term_months = schedule_term_months(first_due_date=loan.first_due_date, last_due_date=lines[-1].due_date)
        loan.save(update_fields=["term_months"])
    repayment = _create_repayment(
        loan=loan,
        amount=amount,
        received_at=received_at,
        channel=channel,
        external_id=external_id,
        posted_by=posted_by,
        kind=Repayment.Kind.SETTLEMENT,
    )
    current = [r for r in rows if r.is_current] + [settlement_row, *new_rows]
    _allocate(loan=loan, repayment=repayment, amount=amount, at=received_at, rows=current)
    loan_refresh(loan=loan, rows=current)
    audit_log(
        actor=posted_by,
        action="loan_settle_full" if full else "loan_settle_partial",
        obj=repayment,
        changes={
            "loan": loan.contract_number,
            "principal_prepaid": str(prepay),
            "interest": str(interest),
            "fee": str(fee),
            "option": "" if full else option,
        },
        request=request,
    )
    return repayment
