"""The demo loans bulk-inserted: contracts, clauses, installments, then repayments, allocations and loan state by
set-based SQL, overdue state by the daily job itself."""

from __future__ import annotations

import io
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime

from django.db import connection, transaction
from django.utils import timezone

from customers.models import Customer
from loans import jobs
from loans.demo.catalogue import (
    BUCKET_DAYS,
    DEMO_CONTRACT_PREFIX,
    DRAW,
    INSTALLMENT_BATCH,
    LOAN_BATCH,
    PROFILES,
    PURPOSES,
    D,
    _seed_products,
    _template,
    _weighted,
)
from loans.demo.examples import income_examples, workflow_examples
from loans.models import ContractClause, Installment, Loan
from loans.schedule import add_months
from loans.services.contracts import CLAUSE_REFERENCES, apr_cap


def seed(ctx) -> None:
    """Products and demo loans for demo customers that have none yet."""
    started = time.monotonic()

    products = _seed_products(ctx)
    has_loans = Loan.objects.filter(contract_number__startswith=DEMO_CONTRACT_PREFIX).values("customer_id")
    customers = list(
        Customer.objects.filter(customer_number__startswith="DM")
        .exclude(pk__in=has_loans)
        .order_by("id")
        .values_list("id", "customer_number")
    )
    if not customers:
        ctx.say("loans: every demo customer already has loans, none added")
        return
    rng = ctx.rng
    today = timezone.localdate()
    now = timezone.now()
    cap = apr_cap()
    product_pairs = [(DRAW[code][0], products[code]) for code in DRAW]
    loans: list[Loan] = []
    plans: list[tuple[str, list, date]] = []  # (profile, template lines, first due date)
    for customer_id, number in customers:
        count = 2 if rng.random() < 0.2 else 1
        for k in range(count):
            product = _weighted(rng, product_pairs)
            _w, step, terms, rates = DRAW[product.code]
            low, high = int(product.min_principal), int(product.max_principal)
            principal = rng.randrange(max(step, low), high + 1, step)
            term, rate = rng.choice(terms), rng.choice(rates)
            lines, upfront, apr = _template(principal, rate, term, product.method, str(product.upfront_fee_rate))
            if apr > cap:
                continue
            profile = _weighted(rng, PROFILES)
            # Disbursed up to term + 6 months ago, so some contracts have run their course; overdue profiles
            # need at least a few past installments.
            if profile == "current":
                back = rng.randint(0, term - 1) if rng.random() < 0.88 else rng.randint(term, term + 6)
            else:
                back = rng.randint(2, term + 1)
            disbursed = today - timedelta(days=back * 30 + rng.randint(0, 29))
            first_due = add_months(disbursed, 1)
            loans.append(
                Loan(
                    contract_number=f"{DEMO_CONTRACT_PREFIX}{number}-{k + 1}",
                    customer_id=customer_id,
                    product=product,
                    principal=D(principal),
                    annual_rate=D(rate),
                    term_months=term,
                    method=product.method,
                    disbursement_date=disbursed,
                    first_due_date=first_due,
                    purpose=rng.choice(PURPOSES),
                    grace_days=product.grace_days,
                    day_count=product.day_count,
                    penalty_markup=product.penalty_markup,
                    late_fee=product.late_fee,
                    early_repayment_fee_rate=product.early_repayment_fee_rate,
                    early_repayment_fee_waived_after_months=product.early_repayment_fee_waived_after_months,
                    upfront_fee=upfront,
                    comprehensive_apr=apr,
                    next_due_date=first_due,
                )
            )
            plans.append((profile, lines, first_due))
    with transaction.atomic():
        Loan.objects.bulk_create(loans, batch_size=LOAN_BATCH)
        first_id = min(loan.pk for loan in loans)
        clauses = []
        for loan in loans:
            if loan.upfront_fee > 0:
                clauses.append(_clause(loan, "upfront_fee", amount=loan.upfront_fee))
            if loan.late_fee > 0:
                clauses.append(_clause(loan, "late_fee", amount=loan.late_fee))
            if loan.early_repayment_fee_rate > 0:
                clauses.append(
                    _clause(
                        loan,
                        "early_repayment_fee",
                        rate=loan.early_repayment_fee_rate,
                        waived_after_months=loan.early_repayment_fee_waived_after_months,
                    )
                )
            clauses.append(_clause(loan, "penalty_interest", rate=loan.penalty_markup))
        ContractClause.objects.bulk_create(clauses, batch_size=INSTALLMENT_BATCH)
        installments = 0
        batch: list[Installment] = []
        for loan, (profile, lines, first_due) in zip(loans, plans, strict=True):
            batch.extend(_installments(rng, loan, profile, lines, first_due, today))
            if len(batch) >= INSTALLMENT_BATCH:
                _insert_installments(batch)
                installments += len(batch)
                batch = []
        _insert_installments(batch)
        installments += len(batch)
        _analyze("loans_loan", "loans_contractclause", "loans_installment")
        _upfront_fee_lines(first_id)
        repayments = _repayments_from_installments(first_id, now)
        _analyze("loans_repayment", "loans_allocation")
        _loan_state(first_id, now)
    run = jobs.overdue_run(today)
    _classify(first_id)
    extras = workflow_examples(ctx, first_id)
    extras += ", " + income_examples(ctx, first_id, len(customers))
    ctx.say(
        f"loans: {len(loans)} loans, {installments} installments, {repayments} repayments for {len(customers)} customers; "
        f"{run.marked_overdue} overdue installments, {extras}; {time.monotonic() - started:.1f}s"
    )


def _clause(loan: Loan, kind: str, **values) -> ContractClause:
    return ContractClause(loan=loan, kind=kind, reference=CLAUSE_REFERENCES[kind], **values)


def _installments(rng, loan: Loan, profile: str, lines, first_due: date, today: date) -> list[Installment]:
    """Rows with paid amounts following the loan's profile; overdue state is left to the daily job."""
    dues = [add_months(first_due, i, first_due.day) for i in range(len(lines))]
    past = [i for i, due in enumerate(dues) if due <= today]
    unpaid_from = len(lines)  # index of the first installment not paid
    partial_index = None
    if profile in BUCKET_DAYS and past:
        low, high = BUCKET_DAYS[profile]
        candidates = [i for i in past if low <= (today - dues[i]).days <= high]
        unpaid_from = candidates[0] if candidates else past[-1]
    elif profile == "partial" and past:
        unpaid_from = past[-1]
        partial_index = past[-1]
    else:
        unpaid_from = len(past)
    if profile == "early_closed" and len(past) < len(lines):
        unpaid_from = len(lines)  # settled: every installment shows paid (demo shortcut, no fee line)
    rows = []
    tz = timezone.get_current_timezone()
    for i, ((principal, interest), due) in enumerate(zip(lines, dues, strict=True)):
        row = Installment(loan=loan, number=i + 1, due_date=due, principal_due=principal, interest_due=interest)
        if i < unpaid_from:
            paid_day = min(due - timedelta(days=rng.choice([0, 0, 0, 1, 2, 3])), today)
            row.principal_paid, row.interest_paid = principal, interest
            row.status = Installment.Status.PAID
            row.paid_at = datetime.combine(paid_day, dtime(rng.randint(8, 20), rng.randint(0, 59)), tzinfo=tz)
        elif i == partial_index:
            row.interest_paid = interest
            row.status = Installment.Status.PARTIALLY_PAID
        rows.append(row)
    return rows


INSTALLMENT_COLUMNS = [
    "loan_id",
    "number",
    "due_date",
    "principal_due",
    "interest_due",
    "fees_due",
    "penalty_due",
    "principal_paid",
    "interest_paid",
    "fees_paid",
    "penalty_paid",
    "status",
    "paid_at",
    "is_current",
    "penalty_accrued_through",
    "late_fee_charged",
]


def _insert_installments(rows: list[Installment]) -> None:
    """COPY on PostgreSQL (millions of rows at demo scale), bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Installment.objects.bulk_create(rows, batch_size=INSTALLMENT_BATCH)
        return
    buffer = io.StringIO()
    for row in rows:
        paid_at = row.paid_at.isoformat() if row.paid_at else "\\N"
        buffer.write(
            f"{row.loan_id}\t{row.number}\t{row.due_date.isoformat()}\t{row.principal_due}\t{row.interest_due}\t"
            f"{row.fees_due}\t{row.penalty_due}\t{row.principal_paid}\t{row.interest_paid}\t{row.fees_paid}\t"
            f"{row.penalty_paid}\t{row.status}\t{paid_at}\tt\t\\N\tf\n"
        )
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY loans_installment ({', '.join(INSTALLMENT_COLUMNS)}) FROM STDIN", buffer)


def _upfront_fee_lines(first_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO loans_feecharge (loan_id, installment_id, clause_id, amount, waived, charged_on, note)
            SELECT c.loan_id, NULL, c.id, c.amount, 0, l.disbursement_date, ''
            FROM loans_contractclause c JOIN loans_loan l ON l.id = c.loan_id
            WHERE c.kind = 'upfront_fee' AND c.loan_id >= %s
            """,
            [first_id],
        )


def _received_at_sql() -> str:
    """When the money for an installment arrived: when it was paid, or the due date 10:00 Beijing time."""
    if connection.vendor == "postgresql":
        return "COALESCE(i.paid_at, (i.due_date + time '10:00') AT TIME ZONE 'Asia/Shanghai')"
    return "COALESCE(i.paid_at, datetime(i.due_date, '+2 hours'))"


def _repayments_from_installments(first_id: int, now: datetime) -> int:
    """One repayment per paid (or part-paid) installment and its allocation rows, as INSERT … SELECT."""
    concat = "'DEMO-' || i.id"
    false = "FALSE" if connection.vendor == "postgresql" else "0"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO loans_repayment (loan_id, amount, received_at, channel, external_id, kind, status,
                                         posted_by_id, posted_at, reversed_at, reversed_by_id, reversal_reason)
            SELECT i.loan_id, i.principal_paid + i.interest_paid + i.fees_paid + i.penalty_paid, {_received_at_sql()},
                   CASE i.id %% 4 WHEN 0 THEN 'bank_transfer' WHEN 1 THEN 'app' WHEN 2 THEN 'card' ELSE 'app' END,
                   {concat}, 'regular', 'posted', NULL, %s, NULL, NULL, ''
            FROM loans_installment i
            WHERE i.loan_id >= %s AND (i.principal_paid + i.interest_paid) > 0
            """,
            [now, first_id],
        )
        count = cursor.rowcount
        _analyze("loans_repayment")
        for income_type, column in [("interest", "interest_paid"), ("principal", "principal_paid")]:
            cursor.execute(
                f"""
                INSERT INTO loans_allocation (repayment_id, loan_id, product_id, installment_id, income_type, amount,
                                              booked_at, is_reversal)
                SELECT r.id, i.loan_id, l.product_id, i.id, %s, i.{column}, r.received_at, {false}
                FROM loans_installment i
                JOIN loans_loan l ON l.id = i.loan_id
                JOIN loans_repayment r ON r.external_id = {concat}
                WHERE i.loan_id >= %s AND i.{column} > 0
                """,
                [income_type, first_id],
            )
    return count


def _analyze(*tables: str) -> None:
    """Freshly loaded tables have no statistics yet; without them PostgreSQL's planner picks sequential scans."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def _loan_state(first_id: int, now: datetime) -> None:
    """Next due date from the schedule (one aggregate pass); contracts with nothing left to pay are closed."""
    true = "TRUE" if connection.vendor == "postgresql" else "1"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE loans_loan SET next_due_date = s.next_due
            FROM (SELECT loan_id, MIN(due_date) AS next_due FROM loans_installment
                  WHERE loan_id >= %s AND is_current = {true} AND status <> 'paid' GROUP BY loan_id) s
            WHERE loans_loan.id = s.loan_id
            """,
            [first_id],
        )
        cursor.execute(
            f"""
            UPDATE loans_loan SET next_due_date = NULL, status = 'closed', closed_at = %s
            WHERE id >= %s AND contract_number LIKE %s AND NOT EXISTS (
                SELECT 1 FROM loans_installment i
                WHERE i.loan_id = loans_loan.id AND i.is_current = {true} AND i.status <> 'paid')
            """,
            [now, first_id, DEMO_CONTRACT_PREFIX + "%"],
        )


def _classify(first_id: int) -> None:
    """Five-category classification following the bucket, as a risk assessor would set it (set-based)."""
    demo = Loan.objects.filter(pk__gte=first_id, contract_number__startswith=DEMO_CONTRACT_PREFIX)
    for bucket, classification in [
        ("M1", "special_mention"),
        ("M2", "substandard"),
        ("M3", "doubtful"),
        ("M3+", "loss"),
    ]:
        demo.filter(bucket=bucket).update(classification=classification)
