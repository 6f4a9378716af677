"""The daily overdue run, as set-based SQL: mark overdue, charge late fees, accrue penalty interest, DPD and buckets.

The SQL is generated from the rules in loans/overdue.py (bucket bounds, status names, the penalty definition) and
from `Loan.Status.open_statuses()`; tests run both on the same data and compare row by row.

Every step is idempotent for a given day: overdue marking is a pure function of the date, a late fee is charged once
per installment (`late_fee_charged`), penalty interest is recomputed exactly from the day-level principal history up
to `as_of` and only the difference to `penalty_accrued` is posted, and DPD/bucket are recomputed from the schedule.
Running the same day twice therefore changes nothing, and the penalty total never depends on how often it ran.

`loan_id` limits a run to one loan: repayment posting brings a loan up to date this way before allocating, so what
a repayment pays never depends on whether the daily job ran that morning.

Works on PostgreSQL (exact numeric arithmetic) and SQLite (dev and tests; UPDATE … FROM needs SQLite 3.33+; the
rounding is done by loans.overdue.penalty_total registered as an SQL function, since SQLite computes in floats).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from loans import overdue
from loans.models import Allocation, ContractClause, Installment, Loan


@dataclass
class OverdueRun:
    as_of: date
    marked_overdue: int = 0
    late_fees: int = 0
    penalties: int = 0
    loans_updated: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _true() -> str:
    return "TRUE" if _pg() else "1"


def _false() -> str:
    return "FALSE" if _pg() else "0"


def _in(values) -> str:
    """An SQL IN list of trusted constants (status names)."""
    return "(" + ", ".join("'" + str(value).replace("'", "''") + "'" for value in values) + ")"


def _day_number(sql: str) -> str:
    """Whole days since 2000-01-01 of a date expression (integers keep the day arithmetic exact on both)."""
    if _pg():
        return f"(CAST({sql} AS date) - DATE '2000-01-01')"
    return f"CAST(julianday({sql}) - julianday('2000-01-01') AS INTEGER)"


def _local_date(column: str) -> str:
    """The local business date of a timestamp column (Django's own cast, the time zone names inlined)."""
    sql, params = connection.ops.datetime_cast_date_sql(column, (), timezone.get_current_timezone_name())
    for param in params:
        sql = sql.replace("%s", "'" + str(param).replace("'", "''") + "'", 1)
    return sql


def _greatest(*items: str) -> str:
    return ("GREATEST(" if _pg() else "MAX(") + ", ".join(items) + ")"


def bucket_case_sql(dpd_sql: str) -> str:
    """CASE expression of the bucket for a DPD expression, from overdue.BUCKET_BOUNDS."""
    whens = " ".join(f"WHEN {dpd_sql} <= {upper} THEN '{bucket}'" for upper, bucket in overdue.BUCKET_BOUNDS)
    return f"CASE {whens} ELSE '{overdue.ABOVE_LAST_BUCKET}' END"


def _penalty_total_sql(principal_days: str, rate: str, markup: str, basis: str) -> str:
    """overdue.penalty_total in SQL: exact integer arithmetic on PostgreSQL, the Python function on SQLite."""
    if _pg():
        # principal-days (2 places) × rate (6) × (1 + markup) (6) × 10^14 is a whole number of 10^-14 units;
        # half-up to the cent is then an exact integer division.
        scaled = f"TRUNC(({principal_days}) * {rate} * (1 + {markup}) * 100000000000000)"
        denominator = f"({basis}) * 1000000000000"
        return f"ROUND(div(2 * {scaled} + {denominator}, 2 * {denominator}) / 100.0, 2)"
    return f"loans_penalty_total({principal_days}, {rate}, {markup}, {basis})"


def _sqlite_penalty_total(principal_days, rate, markup, basis):
    exact = overdue.penalty_total(
        principal_days=Decimal(repr(principal_days)).quantize(overdue.CENT),
        annual_rate=Decimal(repr(rate)).quantize(Decimal("0.000001")),
        markup=Decimal(repr(markup)).quantize(Decimal("0.000001")),
        basis=int(basis),
    )
    return str(exact)


def _register_sqlite_functions() -> None:
    if not _pg():
        connection.ensure_connection()
        connection.connection.create_function("loans_penalty_total", 4, _sqlite_penalty_total, deterministic=True)


def _loan_filter(column: str, loan_id: int | None) -> str:
    return f" AND {column} = {int(loan_id)}" if loan_id is not None else ""


def installments_mark_overdue(as_of: date, loan_id: int | None = None) -> int:
    """Installments not fully paid `grace_days` after their due date become overdue (one UPDATE per grace value)."""
    changed = 0
    loans = Loan.objects.filter(status__in=Loan.Status.open_statuses())
    if loan_id is not None:
        loans = loans.filter(pk=loan_id)
    for grace in sorted(set(loans.values_list("grace_days", flat=True).distinct())):
        rows = Installment.objects.filter(
            is_current=True,
            status__in=overdue.MARKABLE_STATUSES,
            due_date__lt=as_of - timedelta(days=grace),
            loan__grace_days=grace,
            loan__status__in=Loan.Status.open_statuses(),
        )
        if loan_id is not None:
            rows = rows.filter(loan_id=loan_id)
        changed += rows.update(status=overdue.OVERDUE)
    return changed


def late_fees_charge(as_of: date, loan_id: int | None = None) -> int:
    """Charge the contract's late fee once per overdue installment; a loan without a late-fee clause gets none."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO loans_feecharge (loan_id, installment_id, clause_id, amount, waived, charged_on, note)
            SELECT i.loan_id, i.id, c.id, c.amount, 0, %s, ''
            FROM loans_installment i
            JOIN loans_contractclause c ON c.loan_id = i.loan_id AND c.kind = %s
            WHERE i.status = %s AND i.is_current = {_true()} AND i.late_fee_charged = {_false()}
              AND c.amount > 0{_loan_filter("i.loan_id", loan_id)}
            """,
            [as_of, ContractClause.Kind.LATE_FEE, overdue.OVERDUE],
        )
        inserted = cursor.rowcount
    clause_amount = ContractClause.objects.filter(
        loan_id=OuterRef("loan_id"), kind=ContractClause.Kind.LATE_FEE
    ).values("amount")[:1]
    rows = Installment.objects.filter(
        status=overdue.OVERDUE,
        is_current=True,
        late_fee_charged=False,
        loan__clauses__kind=ContractClause.Kind.LATE_FEE,
        loan__clauses__amount__gt=0,
    )
    if loan_id is not None:
        rows = rows.filter(loan_id=loan_id)
    rows.update(fees_due=F("fees_due") + Subquery(clause_amount), late_fee_charged=True)
    return inserted


def penalties_accrue(as_of: date, loan_id: int | None = None) -> int:
    """Penalty interest to `as_of` inclusive, exactly from the day-level overdue principal (see loans/overdue.py).

    Per installment, with day numbers: due date `D`, first overdue day `O = D + grace + 1`, `T = as_of`, and each
    principal allocation `a` (booked on day `b`, reversals negative) owed until the start of day `b + 1`:
        grace part  = principal × (O − D) − Σ a × days of [D + 1, O] after b     (only if still owed on O)
        late part   = principal × (T − O) − Σ a × days of [O + 1, T] after b
        accrued     = penalty_total(grace part + late part), rounded once
    and penalty_due grows by accrued − penalty_accrued (never below what was paid of it).
    """
    _register_sqlite_functions()
    due = _day_number("i.due_date")
    first_overdue = f"({due} + l.grace_days + 1)"
    today = _day_number("%(as_of)s")
    booked = _day_number(_local_date("a.booked_at"))
    paid_on = _local_date("i.paid_at")
    amount = "a.amount"
    before_first_overdue = f"COALESCE(SUM(CASE WHEN {booked} < {first_overdue} THEN {amount} ELSE 0 END), 0)"
    owed_from = f"{booked} + 1"  # an allocation lowers the principal owed from the next day on
    grace_days_after = _greatest("0", f"{first_overdue} - {_greatest(owed_from, f'{due} + 1')} + 1")
    late_days_after = _greatest("0", f"{today} - {_greatest(owed_from, f'{first_overdue} + 1')} + 1")
    grace_cut = f"COALESCE(SUM({amount} * {grace_days_after}), 0)"
    late_cut = f"COALESCE(SUM({amount} * {late_days_after}), 0)"
    grace_part = f"(i.principal_due * (l.grace_days + 1) - {grace_cut})"
    late_part = f"(i.principal_due * ({today} - {first_overdue}) - {late_cut})"
    principal_days = (
        f"(CASE WHEN i.principal_due - {before_first_overdue} > 0 THEN {grace_part} ELSE 0 END + {late_part})"
    )
    basis = " ".join(f"WHEN l.day_count = '{name}' THEN {days}" for name, days in overdue.DAY_BASIS.items())
    total = _penalty_total_sql(principal_days, "l.annual_rate", "l.penalty_markup", f"CASE {basis} ELSE 360 END")
    candidates = f"""
        SELECT i.id AS id, {total} AS accrued
        FROM loans_installment i
        JOIN loans_loan l ON l.id = i.loan_id
        LEFT JOIN loans_allocation a ON a.installment_id = i.id AND a.income_type = '{Allocation.IncomeType.PRINCIPAL}'
        WHERE l.status IN {_in(Loan.Status.open_statuses())}
          AND i.is_current = {_true()}
          AND {due} + l.grace_days < {today}
          AND (i.penalty_accrued_through IS NULL OR i.penalty_accrued_through < %(as_of)s)
          AND (i.status = '{overdue.OVERDUE}' OR i.principal_paid < i.principal_due
               OR (i.paid_at IS NOT NULL AND {paid_on} > COALESCE(i.penalty_accrued_through, i.due_date)))
          AND EXISTS (SELECT 1 FROM loans_contractclause c
                      WHERE c.loan_id = l.id AND c.kind = '{ContractClause.Kind.PENALTY_INTEREST}'){_loan_filter("i.loan_id", loan_id)}
        GROUP BY i.id, i.principal_due, i.due_date, l.grace_days, l.annual_rate, l.penalty_markup, l.day_count
    """
    sql = f"""
        UPDATE loans_installment
        SET penalty_due = {_greatest("loans_installment.penalty_paid", "loans_installment.penalty_due + s.accrued - loans_installment.penalty_accrued")},
            penalty_accrued = s.accrued,
            penalty_accrued_through = %(as_of)s
        FROM ({candidates}) s
        WHERE loans_installment.id = s.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"as_of": as_of})
        return cursor.rowcount


def loans_refresh_dpd(as_of: date, loan_id: int | None = None) -> int:
    """DPD (days since the oldest overdue installment's due date) and bucket on every loan whose figure changes.

    Both statements read the overdue installments once (a grouped subquery, a hashed NOT IN) so the plan stays
    linear even when the table statistics are stale, e.g. right after the day's rows turned overdue.
    """
    bucket = bucket_case_sql("s.dpd")
    days = f"({_day_number('%(as_of)s')} - {_day_number('MIN(due_date)')})"
    current = overdue.bucket_for(0)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE loans_loan SET dpd = s.dpd, bucket = {bucket}
            FROM (SELECT loan_id, {days} AS dpd FROM loans_installment
                  WHERE status = '{overdue.OVERDUE}' AND is_current = {_true()} AND due_date < %(as_of)s
                  {_loan_filter("loan_id", loan_id)} GROUP BY loan_id) s
            WHERE loans_loan.id = s.loan_id AND (loans_loan.dpd <> s.dpd OR loans_loan.bucket <> {bucket})
            """,
            {"as_of": as_of},
        )
        updated = cursor.rowcount
        cursor.execute(
            f"""
            UPDATE loans_loan SET dpd = 0, bucket = '{current}'
            WHERE (dpd <> 0 OR bucket <> '{current}'){_loan_filter("id", loan_id)} AND id NOT IN (
                SELECT i.loan_id FROM loans_installment i
                WHERE i.status = '{overdue.OVERDUE}' AND i.is_current = {_true()} AND i.due_date < %(as_of)s)
            """,
            {"as_of": as_of},
        )
        updated += cursor.rowcount
    return updated


def overdue_run(as_of: date, loan_id: int | None = None) -> OverdueRun:
    """The whole daily run (or one loan's part of it) in one transaction, in order; returns counts and timings."""
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
            setattr(run, name, step(as_of, loan_id))
            run.seconds[name] = round(time.monotonic() - started, 3)
    return run
