"""Demo loans: products, ~1.2 contracts per demo customer with repayment histories relative to today.

Most loans are current, some overdue in every bucket, some closed, a few partially paid, a couple restructured
through the real workflow. Everything is bulk-inserted; repayments and allocations are written with set-based
INSERT … SELECT, overdue state by the daily job itself. Idempotent: customers that already have demo loans are skipped.
"""

from __future__ import annotations

import io
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from aftersales.money import money
from loans import jobs
from loans.apr import comprehensive_cost, schedule_cash_flows
from loans.models import ContractClause, Installment, Loan, Product
from loans.schedule import add_months, generate_schedule
from loans.services.contracts import CLAUSE_REFERENCES, apr_cap

DEMO_CONTRACT_PREFIX = "DL"
LOAN_BATCH = 5_000
INSTALLMENT_BATCH = 20_000
D = Decimal

PRODUCTS = [
    {
        "code": "suixin",
        "name": "随心贷",
        "method": "equal_installment",
        "min_rate": D("0.120000"),
        "max_rate": D("0.200000"),
        "min_term": 6,
        "max_term": 36,
        "min_principal": D("5000.00"),
        "max_principal": D("100000.00"),
        "late_fee": D("30.00"),
        "early_repayment_fee_rate": D("0.010000"),
        "early_repayment_fee_waived_after_months": 6,
    },
    {
        "code": "gongxin",
        "name": "工薪贷",
        "method": "equal_principal",
        "min_rate": D("0.100000"),
        "max_rate": D("0.180000"),
        "min_term": 6,
        "max_term": 24,
        "min_principal": D("3000.00"),
        "max_principal": D("60000.00"),
        "late_fee": D("20.00"),
    },
    {
        "code": "jingying",
        "name": "经营贷（先息后本）",
        "method": "interest_only",
        "min_rate": D("0.080000"),
        "max_rate": D("0.150000"),
        "min_term": 6,
        "max_term": 12,
        "min_principal": D("50000.00"),
        "max_principal": D("200000.00"),
        "late_fee": D("50.00"),
        "early_repayment_fee_rate": D("0.020000"),
        "penalty_markup": D("0.300000"),
        "day_count": "act365",
    },
    {
        "code": "jisu",
        "name": "极速贷",
        "method": "equal_installment",
        "min_rate": D("0.150000"),
        "max_rate": D("0.190000"),
        "min_term": 3,
        "max_term": 12,
        "min_principal": D("1000.00"),
        "max_principal": D("20000.00"),
        "grace_days": 1,
        "upfront_fee_rate": D("0.005000"),
    },
]
# How each product's loans are drawn: (weight, principal step, terms, rates).
DRAW = {
    "suixin": (45, 5_000, [6, 12, 12, 24, 24, 36], ["0.120000", "0.150000", "0.180000", "0.200000"]),
    "gongxin": (30, 3_000, [6, 12, 12, 24], ["0.100000", "0.140000", "0.180000"]),
    "jingying": (10, 50_000, [6, 12, 12], ["0.080000", "0.120000", "0.150000"]),
    "jisu": (15, 1_000, [3, 6, 6, 12], ["0.150000", "0.180000", "0.190000"]),
}
PURPOSES = ["装修", "购车", "教育", "医疗", "旅游", "经营周转", "购买家电", "婚庆"]
# Repayment behaviour: (weight, profile). Overdue profiles are named by the bucket they should end in.
PROFILES = [(78, "current"), (5, "M1"), (3, "M2"), (2, "M3"), (4, "M3+"), (3, "partial"), (5, "early_closed")]
BUCKET_DAYS = {"M1": (5, 30), "M2": (31, 60), "M3": (61, 90), "M3+": (91, 400)}


def _seed_products(ctx) -> dict[str, Product]:
    products = {}
    for spec in PRODUCTS:
        product, _created = Product.objects.get_or_create(code=spec["code"], defaults=spec)
        products[product.code] = product
    return products  # reminders' demo (seeded after loans) links the products to its policy


@cache
def _template(principal: int, rate: str, term: int, method: str, upfront: str) -> tuple[list, Decimal, Decimal]:
    """Schedule lines (due dates relative to a 2000-01-28 start), upfront fee and APR, cached per combination."""
    lines = generate_schedule(
        principal=D(principal), annual_rate=D(rate), term_months=term, method=method, first_due_date=date(2000, 1, 28)
    )
    fee = money(D(principal) * D(upfront))
    # Disbursed one month before the first due date (as seed() does), costed on the actual dates.
    apr = comprehensive_cost(
        received=D(principal) - fee, received_on=date(1999, 12, 28), payments=schedule_cash_flows(lines)
    )
    return [(line.principal, line.interest) for line in lines], fee, apr


def _weighted(rng, pairs):
    total = sum(w for w, _ in pairs)
    pick = rng.uniform(0, total)
    for weight, value in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][1]


def finish(ctx) -> None:
    """After every app has seeded: copy the demo's hardship inquiries and complaints onto the loans as risk signals."""
    from loans.services.reviews import review_signals_refresh

    changed = review_signals_refresh()
    ctx.say(f"loans: risk signals on {changed} loans")
    from loans.ledger import ledger_refresh

    ledger = ledger_refresh()  # the revenue and reconciliation pages read this summary (the beat keeps it up)
    ctx.say(f"loans: ledger summary through allocation {ledger.allocation_through if ledger else '-'}")


def seed(ctx) -> None:
    """Products and demo loans for demo customers that have none yet."""
    started = time.monotonic()
    from customers.models import Customer

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
    extras = _workflow_examples(ctx, first_id)
    extras += ", " + _income_examples(ctx, first_id, len(customers))
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


def _workflow_examples(ctx, first_id: int) -> str:
    """A few loans through the real services: restructured plans, a plan waiting for review, waivers to decide."""
    from django.contrib.auth import get_user_model

    from loans import services

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["agent", "risk", "manager"])}
    if len(users) < 3:
        return "no workflow examples (demo staff missing)"
    overdue = list(Loan.objects.filter(pk__gte=first_id, status=Loan.Status.ACTIVE, dpd__gt=20).order_by("id")[:6])
    done = {"restructured": 0, "proposed": 0, "waivers": 0}
    for index, loan in enumerate(overdue):
        try:
            if index < 2:
                plan = services.restructure_propose(
                    loan=loan,
                    proposed_by=users["agent"],
                    reason="客户失业，收入中断，申请延期还款",
                    extension_months=6,
                    waive_penalty=True,
                )
                services.restructure_review(plan=plan, reviewed_by=users["risk"], note="已核实失业证明，风险可控")
                services.restructure_approve(plan=plan, approved_by=users["manager"])
                services.restructure_accept(plan=plan, recorded_by=users["agent"], note="电话录音 #2026-118 确认接受")
                done["restructured"] += 1
            elif index == 2:
                services.restructure_propose(
                    loan=loan, proposed_by=users["agent"], reason="客户住院，申请两期还款假期", holiday_installments=2
                )
                done["proposed"] += 1
            else:
                available = services.waivable_amount(loan=loan)
                if available > 0:
                    services.fee_waiver_request(
                        loan=loan,
                        amount=min(available, D("30.00")),
                        reason="首次逾期，客户已还清本期",
                        requested_by=users["agent"],
                    )
                    done["waivers"] += 1
        except Exception as exc:  # noqa: BLE001 — demo extras must never stop the seed
            ctx.say(f"loans: skipped a workflow example: {exc}")
    return f"{done['restructured']} restructured, {done['proposed']} plan proposed, {done['waivers']} waivers requested"


def _income_examples(ctx, first_id: int, customers: int) -> str:
    """Penalty, late-fee and early-repayment-fee income through the real services, so the revenue report and the
    reconciliation show every income type: overdue loans partly paid (penalty and late fee first, by the waterfall)
    and a few early settlements inside the fee period. About 1 loan in 200 customers each (at least 3), chosen in id
    order, so a run is deterministic; the external ids make a second posting impossible."""
    from django.contrib.auth import get_user_model

    from loans import services

    posted_by = get_user_model().objects.filter(username="backoffice").first()
    count = max(3, customers // 200)
    at = timezone.now() - timedelta(minutes=5)
    demo = Loan.objects.filter(pk__gte=first_id, contract_number__startswith=DEMO_CONTRACT_PREFIX)
    done = {"partly paid": 0, "settled": 0}
    overdue = demo.filter(status=Loan.Status.ACTIVE, dpd__gt=10, late_fee__gt=0).order_by("id")[:count]
    for index, loan in enumerate(overdue):
        owed = Installment.objects.filter(loan=loan, is_current=True, status=Installment.Status.OVERDUE).order_by(
            "number"
        )
        first = owed.first()
        if first is None:
            continue
        charges = first.penalty_due - first.penalty_paid + first.fees_due - first.fees_paid
        # Every other loan pays only part of its penalty; the others pay penalty, late fee and some interest.
        amount = money(charges / 2) if index % 2 else money(charges + first.interest_due / 2)
        if amount <= 0:
            continue
        try:
            services.repayment_post(
                loan=loan,
                amount=amount,
                received_at=at,
                channel="app",
                external_id=f"DEMO-PART-{loan.pk}",
                posted_by=posted_by,
            )
            done["partly paid"] += 1
        except Exception as exc:  # noqa: BLE001 — demo extras must never stop the seed
            ctx.say(f"loans: skipped a partial payment example: {exc}")
    today = timezone.localdate()
    young = demo.filter(
        status=Loan.Status.ACTIVE,
        dpd=0,
        early_repayment_fee_rate__gt=0,
        disbursement_date__gt=today - timedelta(days=120),
        disbursement_date__lt=today - timedelta(days=35),
    ).order_by("id")[: max(2, count // 3)]
    for loan in young:
        try:
            quote = services.settlement_quote(loan=loan)
            if quote.fee <= 0:
                continue
            services.loan_settle(
                loan=loan,
                amount=quote.total,
                received_at=at,
                channel="bank_transfer",
                external_id=f"DEMO-SETTLE-{loan.pk}",
                posted_by=posted_by,
            )
            done["settled"] += 1
        except Exception as exc:  # noqa: BLE001
            ctx.say(f"loans: skipped a settlement example: {exc}")
    return f"{done['partly paid']} overdue loans partly paid, {done['settled']} settled early with a fee"
