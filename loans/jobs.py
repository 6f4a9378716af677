"""The daily overdue run, as set-based SQL: mark overdue, charge late fees, accrue penalty interest, DPD and buckets.

Every step is idempotent for a given day: overdue marking is a pure function of the date, a late fee is charged once
per installment (`late_fee_charged`), penalty interest is accrued up to `penalty_accrued_through`, and DPD/bucket are
recomputed from the schedule. Running the same day twice therefore changes nothing.

Works on PostgreSQL (exact numeric arithmetic) and SQLite (dev and tests; UPDATE … FROM needs SQLite 3.33+).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery

from loans.models import ContractClause, Installment, Loan

OPEN_LOAN_STATUSES = [Loan.Status.ACTIVE, Loan.Status.RESTRUCTURED]


@dataclass
class OverdueRun:
    as_of: date
    marked_overdue: int = 0
    late_fees: int = 0
    penalties: int = 0
    loans_updated: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _days_between(later_sql: str, earlier_sql: str) -> str:
    """SQL for whole days between two date expressions."""
    if connection.vendor == "postgresql":
        return f"({later_sql}::date - {earlier_sql})"
    return f"CAST(julianday({later_sql}) - julianday({earlier_sql}) AS INTEGER)"


def _true() -> str:
    return "TRUE" if connection.vendor == "postgresql" else "1"


def installments_mark_overdue(as_of: date) -> int:
    """Installments not fully paid `grace_days` after their due date become overdue (one UPDATE per grace value)."""
    changed = 0
    graces = Loan.objects.filter(status__in=OPEN_LOAN_STATUSES).values_list("grace_days", flat=True).distinct()
    for grace in sorted(set(graces)):
        changed += Installment.objects.filter(
            is_current=True,
            status__in=[Installment.Status.PENDING, Installment.Status.PARTIALLY_PAID],
            due_date__lt=as_of - timedelta(days=grace),
            loan__grace_days=grace,
            loan__status__in=OPEN_LOAN_STATUSES,
        ).update(status=Installment.Status.OVERDUE)
    return changed


def late_fees_charge(as_of: date) -> int:
    """Charge the contract's late fee once per overdue installment; a loan without a late-fee clause gets none."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO loans_feecharge (loan_id, installment_id, clause_id, amount, waived, charged_on, note)
            SELECT i.loan_id, i.id, c.id, c.amount, 0, %s, ''
            FROM loans_installment i
            JOIN loans_contractclause c ON c.loan_id = i.loan_id AND c.kind = %s
            WHERE i.status = %s AND i.is_current = {_true()} AND i.late_fee_charged = {"FALSE" if connection.vendor == "postgresql" else "0"}
              AND c.amount > 0
            """,
            [as_of, ContractClause.Kind.LATE_FEE, Installment.Status.OVERDUE],
        )
        inserted = cursor.rowcount
    clause_amount = ContractClause.objects.filter(
        loan_id=OuterRef("loan_id"), kind=ContractClause.Kind.LATE_FEE
    ).values("amount")[:1]
    from django.db.models import F

    Installment.objects.filter(
        status=Installment.Status.OVERDUE,
        is_current=True,
        late_fee_charged=False,
        loan__clauses__kind=ContractClause.Kind.LATE_FEE,
        loan__clauses__amount__gt=0,
    ).update(fees_due=F("fees_due") + Subquery(clause_amount), late_fee_charged=True)
    return inserted


def penalties_accrue(as_of: date) -> int:
    """Penalty interest: overdue principal × rate × (1 + markup) / 360 (or 365) per day, up to `as_of` inclusive."""
    start = "COALESCE(loans_installment.penalty_accrued_through, loans_installment.due_date)"
    days = _days_between("%(as_of)s", start)
    sql = f"""
        UPDATE loans_installment
        SET penalty_due = loans_installment.penalty_due + ROUND(
                (loans_installment.principal_due - loans_installment.principal_paid)
                * l.annual_rate * (1 + l.penalty_markup) * {days}
                / (CASE WHEN l.day_count = 'act365' THEN 365 ELSE 360 END), 2),
            penalty_accrued_through = %(as_of)s
        FROM loans_loan l
        WHERE l.id = loans_installment.loan_id
          AND l.status IN ('active', 'restructured')
          AND loans_installment.status = 'overdue'
          AND loans_installment.is_current = {_true()}
          AND loans_installment.principal_due > loans_installment.principal_paid
          AND {start} < %(as_of)s
          AND EXISTS (SELECT 1 FROM loans_contractclause c WHERE c.loan_id = l.id AND c.kind = 'penalty_interest')
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"as_of": as_of})
        return cursor.rowcount


def loans_refresh_dpd(as_of: date) -> int:
    """DPD (days since the oldest overdue installment's due date) and bucket on every loan whose figure changes.

    Both statements read the overdue installments once (a grouped subquery, a hashed NOT IN) so the plan stays
    linear even when the table statistics are stale, e.g. right after the day's rows turned overdue.
    """
    bucket = """CASE WHEN s.dpd <= 0 THEN 'M0' WHEN s.dpd <= 30 THEN 'M1' WHEN s.dpd <= 60 THEN 'M2'
                     WHEN s.dpd <= 90 THEN 'M3' ELSE 'M3+' END"""
    days = _days_between("%(as_of)s", "MIN(due_date)")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE loans_loan SET dpd = s.dpd, bucket = {bucket}
            FROM (SELECT loan_id, {days} AS dpd FROM loans_installment
                  WHERE status = 'overdue' AND is_current = {_true()} AND due_date < %(as_of)s GROUP BY loan_id) s
            WHERE loans_loan.id = s.loan_id AND (loans_loan.dpd <> s.dpd OR loans_loan.bucket <> {bucket})
            """,
            {"as_of": as_of},
        )
        updated = cursor.rowcount
        cursor.execute(
            f"""
            UPDATE loans_loan SET dpd = 0, bucket = 'M0'
            WHERE (dpd <> 0 OR bucket <> 'M0') AND id NOT IN (
                SELECT i.loan_id FROM loans_installment i
                WHERE i.status = 'overdue' AND i.is_current = {_true()} AND i.due_date < %(as_of)s)
            """,
            {"as_of": as_of},
        )
        updated += cursor.rowcount
    return updated


def overdue_run(as_of: date) -> OverdueRun:
    """The whole daily run in one transaction, in order; returns counts and timings."""
    run = OverdueRun(as_of=as_of)
    steps = [
        ("marked_overdue", installments_mark_overdue),
        ("late_fees", late_fees_charge),
        ("penalties", penalties_accrue),
        ("loans_updated", loans_refresh_dpd),
    ]
    with transaction.atomic():
        for name, step in steps:
            started = time.monotonic()
            setattr(run, name, step(as_of))
            run.seconds[name] = round(time.monotonic() - started, 3)
    return run
