"""Reads of the loans app: lists, the loan page, the review queue, revenue and reconciliation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, F, IntegerField, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from aftersales.money import ZERO, money
from customers.models import Customer
from customers.selectors import customer_match
from loans import ledger
from loans.models import Allocation, ContractClause, FeeCharge, Installment, LedgerMonth, LedgerState, Loan, Repayment
from loans.services.common import COMPONENTS

OPEN = Loan.Status.open_statuses()


def loan_list(
    *,
    query: str = "",
    product_id: int | None = None,
    status: str = "",
    bucket: str = "",
    due_from: date | None = None,
    due_to: date | None = None,
) -> QuerySet[Loan]:
    """Loans for the staff list: search by contract number, customer name/number or exact mobile; filters."""
    loans = Loan.objects.select_related("customer", "product").order_by("-id")
    query = (query or "").strip()
    if query:
        condition = Q(contract_number__iexact=query) | Q(contract_number__istartswith=query)
        condition |= Q(customer__customer_number__iexact=query) | Q(customer__name__icontains=query)
        match = customer_match(mobile=query)  # a search lists the loans of every customer at the number
        if match.candidates:
            condition |= Q(customer_id__in=match.candidate_ids)
        loans = loans.filter(condition)
    if product_id:
        loans = loans.filter(product_id=product_id)
    if status:
        loans = loans.filter(status=status)
    if bucket:
        loans = loans.filter(bucket=bucket)
    if due_from:
        loans = loans.filter(next_due_date__gte=due_from)
    if due_to:
        loans = loans.filter(next_due_date__lte=due_to)
    return loans


@dataclass
class LoanPage:
    loan: Loan
    schedule: list[Installment]
    history: list[Installment]
    clauses: list
    fee_lines: list[FeeCharge]
    repayments: list[Repayment]
    waivers: list
    plans: list
    reviews: list
    totals: dict[str, Decimal] = field(default_factory=dict)
    next_installment: Installment | None = None


def loan_page(*, loan_id: int) -> LoanPage:
    """Everything the loan page shows, in a fixed number of queries whatever the term."""
    loan = Loan.objects.select_related("customer", "product").get(pk=loan_id)
    rows = list(Installment.objects.filter(loan=loan).order_by("-is_current", "number", "id"))
    schedule = [r for r in rows if r.is_current]
    history = [r for r in rows if not r.is_current]
    totals: dict[str, Decimal] = {}
    for _name, due_field, paid_field in COMPONENTS:
        totals[due_field] = sum((getattr(r, due_field) for r in schedule), ZERO)
        totals[paid_field] = sum((getattr(r, paid_field) for r in schedule), ZERO)
    totals["outstanding"] = sum((r.outstanding for r in schedule), ZERO)
    next_installment = next((r for r in schedule if r.outstanding > ZERO), None)
    return LoanPage(
        loan=loan,
        schedule=schedule,
        history=history,
        clauses=list(loan.clauses.all()),
        fee_lines=list(FeeCharge.objects.filter(loan=loan).select_related("clause", "installment")),
        repayments=list(loan.repayments.select_related("posted_by", "reversed_by")),
        waivers=list(loan.waivers.select_related("requested_by", "decided_by")),
        plans=list(loan.restructure_plans.all()),
        reviews=list(loan.reviews.select_related("reviewed_by")),
        totals=totals,
        next_installment=next_installment,
    )


# ---- post-loan review queue ----------------------------------------------------------------------------

REVIEW_TRIGGERS = ("overdue", "hardship", "complaint", "periodic")
# The `sort` parameter of the queue: a whitelist of orderings; "risk" (the default) is DPD, then signals.
REVIEW_SORTS: dict[str, tuple[str, ...]] = {
    "risk": ("-dpd", "-signal_count", "review_since", "id"),
    "dpd": ("dpd", "-signal_count", "id"),
    "-dpd": ("-dpd", "-signal_count", "id"),
    "signals": ("signal_count", "-dpd", "id"),
    "-signals": ("-signal_count", "-dpd", "id"),
    "next_due": (F("next_due_date").asc(nulls_last=True), "id"),
    "-next_due": (F("next_due_date").desc(nulls_last=True), "id"),
    "last_review": (F("last_reviewed_on").asc(nulls_first=True), "id"),
    "-last_review": (F("last_reviewed_on").desc(nulls_last=True), "id"),
    "contract": ("contract_number",),
    "-contract": ("-contract_number",),
}
COMPLAINT_SIGNAL_DAYS = 90
OVERDUE_REVIEW_DAYS = 30


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def review_queue(
    *,
    today: date | None = None,
    classification: str = "",
    trigger: str = "",
    bucket: str = "",
    product_id: int | None = None,
    sort: str = "risk",
) -> QuerySet[Loan]:
    """Open loans due for a post-loan review, riskiest first: every LOAN_REVIEW_INTERVAL_DAYS days, sooner on signals.

    Signals: DPD > 0 (review again after 30 days at most), a hardship inquiry since the last review, a complaint in
    the last 90 days since the last review. Every condition compares columns of the loan row (the signal dates are
    kept by `review_signals_refresh`), so the queue is one scan of the loans table whatever the history size.
    """
    today = today or timezone.localdate()
    interval = int(settings.LOAN_REVIEW_INTERVAL_DAYS)
    since = Coalesce(F("last_reviewed_on"), F("disbursement_date"))
    hardship = Q(hardship_reported_on__gt=F("review_since"))
    complaint = Q(complained_on__gt=F("review_since"), complained_on__gte=today - timedelta(days=COMPLAINT_SIGNAL_DAYS))
    overdue = Q(dpd__gt=0) & (
        Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lte=today - timedelta(days=OVERDUE_REVIEW_DAYS))
    )
    periodic = Q(review_since__lte=today - timedelta(days=interval))
    loans = (
        Loan.objects.filter(status__in=OPEN)
        .annotate(review_since=since)
        .annotate(
            signal_hardship=_flag(hardship),
            signal_complaint=_flag(complaint),
            signal_overdue=_flag(Q(dpd__gt=0)),
            review_periodic=_flag(periodic),
        )
        .annotate(signal_count=F("signal_hardship") + F("signal_complaint") + F("signal_overdue"))
        .filter(periodic | overdue | hardship | complaint)
    )
    if classification:
        loans = loans.filter(classification=classification)
    if bucket:
        loans = loans.filter(bucket=bucket)
    if product_id:
        loans = loans.filter(product_id=product_id)
    if trigger == "overdue":
        loans = loans.filter(overdue)
    elif trigger == "hardship":
        loans = loans.filter(hardship)
    elif trigger == "complaint":
        loans = loans.filter(complaint)
    elif trigger == "periodic":
        loans = loans.filter(periodic)
    ordering = REVIEW_SORTS.get(sort) or REVIEW_SORTS["risk"]
    return (
        loans.select_related("customer", "product")
        .only(*QUEUE_FIELDS, "customer__name", "customer__customer_number", "product__name")
        .order_by(*ordering)
    )


QUEUE_FIELDS = (
    "id",
    "contract_number",
    "customer",
    "product",
    "status",
    "dpd",
    "bucket",
    "next_due_date",
    "classification",
    "last_reviewed_on",
    "disbursement_date",
    "hardship_reported_on",
    "complained_on",
)


def review_reasons(loan: Loan, *, today: date | None = None) -> list[str]:
    """Why a loan of the queue is due (codes the template translates), from the queue's annotations."""
    reasons = []
    if getattr(loan, "signal_complaint", 0):
        reasons.append("complaint")
    if getattr(loan, "signal_hardship", 0):
        reasons.append("hardship")
    if loan.dpd > 0:
        reasons.append("overdue")
    if getattr(loan, "review_periodic", 0):
        reasons.append("periodic")
    return reasons


def loan_balances(loan_ids: list[int], *, today: date | None = None) -> dict[int, dict]:
    """Outstanding balance per loan (principal still owed plus interest, fees and penalty due and unpaid by today)
    and the total overdue amount, in one grouped query."""
    today = today or timezone.localdate()
    if not loan_ids:
        return {}
    unpaid_charges = (
        F("interest_due") - F("interest_paid") + F("fees_due") - F("fees_paid") + F("penalty_due") - F("penalty_paid")
    )
    rows = (
        Installment.objects.filter(loan_id__in=loan_ids, is_current=True)
        .values("loan_id")
        .annotate(
            principal=Sum(F("principal_due") - F("principal_paid")),
            charges=Sum(unpaid_charges, filter=Q(due_date__lte=today)),
            overdue=Sum(
                F("principal_due") - F("principal_paid") + unpaid_charges, filter=Q(status=Installment.Status.OVERDUE)
            ),
        )
        .order_by()
    )
    result = {}
    for row in rows:
        principal = money(row["principal"] or ZERO)
        result[row["loan_id"]] = {
            "principal": principal,
            "balance": principal + money(row["charges"] or ZERO),
            "overdue": money(row["overdue"] or ZERO),
        }
    return result


def review_queue_rows(loans: list[Loan], *, today: date | None = None) -> list[Loan]:
    """The queue's page rows with `reasons`, `balance` and `overdue_amount` attached (one extra query)."""
    balances = loan_balances([loan.pk for loan in loans], today=today)
    for loan in loans:
        loan.reasons = review_reasons(loan, today=today)
        figures = balances.get(loan.pk, {})
        loan.balance = figures.get("balance", ZERO)
        loan.overdue_amount = figures.get("overdue", ZERO)
    return loans


def review_queue_export_rows(loans: QuerySet[Loan], *, today: date | None = None, chunk: int = 2000) -> Iterator[Loan]:
    """The filtered queue for the XLSX export, in chunks of `chunk` loans (two queries a chunk, memory bounded)."""
    batch: list[Loan] = []
    for loan in loans.iterator(chunk_size=chunk):
        batch.append(loan)
        if len(batch) >= chunk:
            yield from review_queue_rows(batch, today=today)
            batch = []
    if batch:
        yield from review_queue_rows(batch, today=today)


@dataclass
class ReviewFigures:
    balance: Decimal
    principal: Decimal
    overdue: Decimal
    last_repayment: Repayment | None
    reasons: list[str]


def review_figures(*, loan: Loan, today: date | None = None) -> ReviewFigures:
    """The loan's figures shown beside the review form: balance, overdue amount, last repayment and signals."""
    today = today or timezone.localdate()
    figures = loan_balances([loan.pk], today=today).get(loan.pk, {})
    last = Repayment.objects.filter(loan=loan, status=Repayment.Status.POSTED).order_by("-received_at", "-id").first()
    queued = review_queue(today=today).filter(pk=loan.pk).first()
    return ReviewFigures(
        balance=figures.get("balance", ZERO),
        principal=figures.get("principal", ZERO),
        overdue=figures.get("overdue", ZERO),
        last_repayment=last,
        reasons=review_reasons(queued, today=today) if queued else [],
    )


# ---- revenue and reconciliation ----------------------------------------------------------------------


INCOME_TYPES = [Allocation.IncomeType.INTEREST, Allocation.IncomeType.PENALTY, Allocation.IncomeType.FEE]


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """Aware start (inclusive) and end (exclusive) of a calendar month in the portal's time zone."""
    start = timezone.make_aware(datetime(year, month, 1))
    end = timezone.make_aware(datetime(year + (month == 12), month % 12 + 1, 1))
    return start, end


@dataclass
class RevenueRow:
    product: str
    interest: Decimal = ZERO
    penalty: Decimal = ZERO
    fee: Decimal = ZERO
    upfront_fee: Decimal = ZERO
    principal: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def income(self) -> Decimal:
        return self.interest + self.penalty + self.fee + self.upfront_fee


def _after_watermark(field_name: str, known: int) -> Q:
    """Rows after the ledger state's watermark, the watermark read by a subquery so that a summary and the rows after
    it come from one statement (exact while a refresh commits). `known`, the watermark read just before, only tells
    the planner the range is small (the subquery's watermark is never lower, so it changes no result)."""
    current = Coalesce(Subquery(LedgerState.objects.filter(pk=ledger.STATE_ID).values(field_name)[:1]), Value(0))
    return Q(id__gt=current) & Q(id__gt=known)


def revenue_report(*, year: int, month: int) -> tuple[list[RevenueRow], RevenueRow]:
    """Income by product and type for a month (allocations net of reversals, plus upfront fees at disbursement net
    of waivers): the stored month summary plus the rows after its watermarks, in one statement (exact)."""
    start, end = month_bounds(year, month)
    known = ledger.state()
    rows: dict[str, RevenueRow] = {}
    stored = LedgerMonth.objects.filter(month=date(year, month, 1)).values_list(
        "product__name", "income_type", "amount"
    )
    live = (
        Allocation.objects.filter(
            _after_watermark("allocation_through", known.allocation_through), booked_at__gte=start, booked_at__lt=end
        )
        .values("product__name", "income_type")
        .annotate(total=Sum("amount"))
        .values_list("product__name", "income_type", "total")
        .order_by()
    )
    upfront = FeeCharge.objects.filter(
        clause__kind=ContractClause.Kind.UPFRONT_FEE, charged_on__gte=start.date(), charged_on__lt=end.date()
    )
    live_upfront = (
        upfront.filter(_after_watermark("feecharge_through", known.feecharge_through))
        .values("loan__product__name")
        .annotate(income_type=Value(LedgerMonth.UPFRONT), total=Sum("amount"))
        .values_list("loan__product__name", "income_type", "total")
        .order_by()
    )
    # waivers change `waived` in place: the few waived charges are subtracted live (a partial index holds them)
    waived = (
        upfront.filter(waived__gt=0)
        .values("loan__product__name")
        .annotate(income_type=Value(LedgerMonth.UPFRONT), total=Sum(-F("waived")))
        .values_list("loan__product__name", "income_type", "total")
        .order_by()
    )
    for name, income_type, amount in stored.order_by().union(live, live_upfront, waived, all=True):
        row = rows.setdefault(name, RevenueRow(name))
        key = "upfront_fee" if income_type == LedgerMonth.UPFRONT else income_type
        setattr(row, key, getattr(row, key) + money(amount or ZERO))
    ordered = [rows[name] for name in sorted(rows)]
    total = RevenueRow("")
    for row in ordered:
        for key in ("interest", "penalty", "fee", "upfront_fee", "principal", "credit"):
            setattr(total, key, getattr(total, key) + getattr(row, key))
    return ordered, total


@dataclass
class Reconciliation:
    received: Decimal
    reversed: Decimal
    income: Decimal
    principal: Decimal
    credit_ledger: Decimal
    credit_held: Decimal
    by_type: dict[str, Decimal]
    installment_paid: dict[str, Decimal]
    problems: list[str]
    # The installment columns come from the latest full check (installments are updated in place, so they cannot
    # be summed incrementally): when it ran and what the ledger said then. None/empty before the first check.
    checked_at: datetime | None = None
    check_ledger: dict[str, Decimal] = field(default_factory=dict)

    @property
    def net_received(self) -> Decimal:
        return self.received - self.reversed

    @property
    def accounted(self) -> Decimal:
        return self.income + self.principal + self.credit_held

    @property
    def balanced(self) -> bool:
        return not self.problems


def _reconciled(*, received, reversed_total, by_type, credit_held, installment_paid, paid_problems, **extra):
    by_type = defaultdict(lambda: ZERO, by_type)
    income = by_type["interest"] + by_type["penalty"] + by_type["fee"]
    problems = []
    if income + by_type["principal"] + credit_held != received - reversed_total:
        problems.append("totals")
    if by_type["credit"] != credit_held:
        problems.append("credit")
    return Reconciliation(
        received=received,
        reversed=reversed_total,
        income=income,
        principal=by_type["principal"],
        credit_ledger=by_type["credit"],
        credit_held=credit_held,
        by_type=dict(by_type),
        installment_paid=installment_paid,
        problems=problems + paid_problems,
        **extra,
    )


def reconciliation() -> Reconciliation:
    """income + principal repaid + credit held = repayments received net of reversals, exact to the second (ledger
    summary + the rows after its watermark); the installments against the ledger as of the latest full check."""
    # Sums are rounded to the cent: SQLite adds decimals as floats (PostgreSQL is exact either way).
    current = ledger.state()
    live_received = Repayment.objects.filter(id__gt=current.repayment_through).aggregate(total=Sum("amount"))
    received = money(current.received + (live_received["total"] or ZERO))
    # Reversed repayments and loans holding credit are few: partial indexes hold exactly those rows.
    reversed_total = Repayment.objects.filter(status=Repayment.Status.REVERSED).aggregate(total=Sum("amount"))
    credit_held = Loan.objects.filter(~Q(credit_balance=0)).aggregate(total=Sum("credit_balance"))
    stored = (
        LedgerMonth.objects.filter(income_type__in=Allocation.IncomeType.values)
        .values("income_type")
        .annotate(total=Sum("amount"))
        .values_list("income_type", "total")
    )
    live = (
        Allocation.objects.filter(_after_watermark("allocation_through", current.allocation_through))
        .values("income_type")
        .annotate(total=Sum("amount"))
        .values_list("income_type", "total")
        .order_by()
    )
    by_type: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for income_type, amount in stored.order_by().union(live, all=True):
        by_type[income_type] = money(by_type[income_type] + (amount or ZERO))
    checked = current.checked_at is not None
    paid = {key: Decimal(current.check_paid.get(key, "0")) for key in ledger.PAID_KEYS}
    return _reconciled(
        received=received,
        reversed_total=money(reversed_total["total"] or ZERO),
        by_type=by_type,
        credit_held=money(credit_held["total"] or ZERO),
        installment_paid=paid if checked else {},
        paid_problems=list(current.check_problems) if checked else [],
        checked_at=current.checked_at,
        check_ledger={key: Decimal(value) for key, value in current.check_ledger.items()},
    )


def reconciliation_full() -> Reconciliation:
    """The same reconciliation recomputed from every raw row, the installments included (full scans: the nightly
    check, `manage.py loans_reconcile` and the tests' oracle)."""
    totals = ledger.full_totals()
    return _reconciled(
        received=totals["received"],
        reversed_total=totals["reversed"],
        by_type=totals["by_type"],
        credit_held=totals["credit_held"],
        installment_paid=totals["installment_paid"],
        paid_problems=ledger.paid_problems(totals["by_type"], totals["installment_paid"]),
        check_ledger={key: totals["by_type"][key] for key in ledger.PAID_KEYS},
    )


def customer_loans(customer: Customer) -> list[Loan]:
    """A customer's loans with the next open installment attached as `next_installment` (two queries)."""
    loans = list(Loan.objects.filter(customer=customer).select_related("product").order_by("-disbursement_date"))
    if not loans:
        return loans
    open_rows = (
        Installment.objects.filter(loan__in=loans, is_current=True)
        .exclude(status=Installment.Status.PAID)
        .order_by("loan_id", "due_date", "number")
    )
    first: dict[int, Installment] = {}
    for row in open_rows:
        first.setdefault(row.loan_id, row)
    for loan in loans:
        loan.next_installment = first.get(loan.pk)
    return loans
