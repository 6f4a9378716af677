"""Shared pieces of the loan services: errors, installment status, loan refresh (DPD, bucket, next due)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales.money import ZERO
from loans.models import Installment, Loan

# Allocation order inside an installment (SPEC §4): penalty → fees → interest → principal.
COMPONENTS: list[tuple[str, str, str]] = [
    ("penalty", "penalty_due", "penalty_paid"),
    ("fee", "fees_due", "fees_paid"),
    ("interest", "interest_due", "interest_paid"),
    ("principal", "principal_due", "principal_paid"),
]


class LoanError(ValidationError):
    """A business rule refused the operation; the message is shown to the user as is."""


class ContractRefused(LoanError):
    pass


class FeeNotInContract(LoanError):
    pass


class DuplicateRepayment(LoanError):
    pass


def bucket_for(dpd: int) -> str:
    """M0 current, M1 1–30, M2 31–60, M3 61–90, M3+ over 90 days past due."""
    if dpd <= 0:
        return Loan.Bucket.M0
    if dpd <= 30:
        return Loan.Bucket.M1
    if dpd <= 60:
        return Loan.Bucket.M2
    if dpd <= 90:
        return Loan.Bucket.M3
    return Loan.Bucket.M3_PLUS


def installment_status(installment: Installment, *, today: date, grace_days: int) -> str:
    """Paid when nothing is outstanding; overdue once the grace days after the due date have passed."""
    if installment.outstanding <= ZERO:
        return Installment.Status.PAID
    if installment.due_date + timedelta(days=grace_days) < today:
        return Installment.Status.OVERDUE
    if installment.total_paid > ZERO:
        return Installment.Status.PARTIALLY_PAID
    return Installment.Status.PENDING


def loan_refresh(*, loan: Loan, today: date | None = None, rows: list[Installment] | None = None) -> Loan:
    """Recompute next due date, DPD, bucket and closed/open status from the current schedule (one query)."""
    today = today or timezone.localdate()
    if rows is None:
        rows = list(loan.installments.filter(is_current=True))
    open_rows = [row for row in rows if row.is_current and row.outstanding > ZERO]
    loan.next_due_date = min((row.due_date for row in open_rows), default=None)
    overdue = [row.due_date for row in open_rows if row.status == Installment.Status.OVERDUE]
    loan.dpd = (today - min(overdue)).days if overdue else 0
    loan.bucket = bucket_for(loan.dpd)
    if not open_rows and loan.status in (Loan.Status.ACTIVE, Loan.Status.RESTRUCTURED):
        loan.status = Loan.Status.CLOSED
        loan.closed_at = timezone.now()
    elif open_rows and loan.status == Loan.Status.CLOSED:
        restructured = loan.restructure_plans.filter(status="applied").exists()
        loan.status = Loan.Status.RESTRUCTURED if restructured else Loan.Status.ACTIVE
        loan.closed_at = None
    loan.save(update_fields=["next_due_date", "dpd", "bucket", "status", "closed_at"])
    return loan


def outstanding_by_component(rows: list[Installment]) -> dict[str, Decimal]:
    """Outstanding penalty, fee, interest and principal over the rows."""
    totals = {name: ZERO for name, *_ in COMPONENTS}
    for row in rows:
        for name, due_field, paid_field in COMPONENTS:
            totals[name] += getattr(row, due_field) - getattr(row, paid_field)
    return totals
