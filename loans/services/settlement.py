"""Early repayment: the settlement quote and full or partial settlement (shorter term or lower installment)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from aftersales.money import ZERO, money
from loans.models import ContractClause, FeeCharge, Installment, Loan, Repayment
from loans.schedule import add_months, generate_schedule, level_payment
from loans.services.common import (
    LoanError,
    loan_refresh,
    received_at_check,
)
from loans.services.contracts import schedule_term_months
from loans.services.repayments import loan_bring_up_to_date, loan_lock, repayment_allocate, repayment_create


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


def _settlement_terms(
    *, quote, prepay_principal: Decimal | None, amount: Decimal
) -> tuple[bool, Decimal, Decimal, Decimal]:
    """Full or partial; the principal prepaid, its interest and fee; refused when the amount does not cover them."""
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
    return full, prepay, interest, fee


def _settlement_row_write(
    *,
    loan: Loan,
    future: list[Installment],
    as_of: date,
    received_at: datetime,
    prepay: Decimal,
    interest: Decimal,
    fee: Decimal,
) -> Installment:
    """The settlement row due today in place of the future rows (partly paid ones keep what was paid), with its fee."""
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
    return settlement_row


def _reschedule_after_prepayment(
    *, loan: Loan, quote: SettlementQuote, remaining_principal: Decimal, future: list[Installment], option: str
) -> list[Installment]:
    """After a partial prepayment: the rest on a shorter term (same installment) or the same term (lower installment)."""
    first_future = future[0]
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
    return new_rows


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
    loan = loan_lock(loan)
    loan_bring_up_to_date(loan=loan, received_at=received_at)
    as_of = timezone.localdate(received_at)
    rows = list(loan.installments.filter(is_current=True).order_by("number"))
    quote = settlement_quote(loan=loan, as_of=as_of, rows=rows)
    if quote.future_principal <= ZERO:
        raise LoanError(_("Nothing is left to repay early on this loan; post a regular repayment instead."))
    full, prepay, interest, fee = _settlement_terms(quote=quote, prepay_principal=prepay_principal, amount=amount)
    future = [r for r in rows if r.due_date > as_of and r.outstanding > ZERO]
    settlement_row = _settlement_row_write(
        loan=loan, future=future, as_of=as_of, received_at=received_at, prepay=prepay, interest=interest, fee=fee
    )
    new_rows: list[Installment] = []
    if not full:
        new_rows = _reschedule_after_prepayment(
            loan=loan, quote=quote, remaining_principal=quote.future_principal - prepay, future=future, option=option
        )
    repayment = repayment_create(
        loan=loan,
        amount=amount,
        received_at=received_at,
        channel=channel,
        external_id=external_id,
        posted_by=posted_by,
        kind=Repayment.Kind.SETTLEMENT,
    )
    current = [r for r in rows if r.is_current] + [settlement_row, *new_rows]
    repayment_allocate(loan=loan, repayment=repayment, amount=amount, at=received_at, rows=current)
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
