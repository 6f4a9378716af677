"""Shared pieces of the loan services: errors, installment status, loan refresh (DPD, bucket, next due)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import ZERO
from loans import overdue
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
    """M0 current, M1 1–30, M2 31–60, M3 61–90, M3+ over 90 days past due (loans.overdue)."""
    return overdue.bucket_for(dpd)


def installment_status(installment: Installment, *, today: date, grace_days: int) -> str:
    """Paid when nothing is outstanding; overdue once the grace days after the due date have passed."""
    return overdue.installment_status(
        outstanding=installment.outstanding,
        total_paid=installment.total_paid,
        due_date=installment.due_date,
        grace_days=grace_days,
        as_of=today,
    )


def received_at_check(*, loan: Loan, received_at: datetime, now: datetime | None = None) -> None:
    """Money is never received in the future (beyond a little clock skew) nor before the loan was disbursed.

    Every path that posts money calls this (forms, repayment posting, settlement, imports, the demo).
    """
    now = now or timezone.now()
    tolerance = timedelta(seconds=settings.REPAYMENT_CLOCK_TOLERANCE_SECONDS)
    if received_at > now + tolerance:
        raise LoanError(
            {
                "received_at": _("The money cannot have been received in the future (%(when)s is after now).")
                % {"when": timezone.localtime(received_at).strftime("%Y-%m-%d %H:%M")}
            }
        )
    if timezone.localdate(received_at) < loan.disbursement_date:
        raise LoanError(
            {
                "received_at": _("The money cannot have been received before the loan was disbursed on %(date)s.")
                % {"date": loan.disbursement_date.isoformat()}
            }
        )


def loan_refresh(*, loan: Loan, today: date | None = None, rows: list[Installment] | None = None) -> Loan:
    """Recompute next due date, DPD, bucket and closed/open status from the current schedule (one query)."""
    today = today or timezone.localdate()
    if rows is None:
        rows = list(loan.installments.filter(is_current=True))
    open_rows = [row for row in rows if row.is_current and row.outstanding > ZERO]
    loan.next_due_date = min((row.due_date for row in open_rows), default=None)
    overdue_dates = [row.due_date for row in open_rows if row.status == Installment.Status.OVERDUE]
    loan.dpd = overdue.days_past_due(oldest_overdue_due_date=min(overdue_dates, default=None), as_of=today)
    loan.bucket = overdue.bucket_for(loan.dpd)
    if not open_rows and loan.status in Loan.Status.open_statuses():
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
