"""Reads of the loans app: lists, the loan page, the review queue, revenue and reconciliation."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from aftersales.money import ZERO, money
from customers.crypto import pii_hash
from loans.models import Allocation, FeeCharge, Installment, Loan, Repayment
from loans.services.common import COMPONENTS

OPEN = [Loan.Status.ACTIVE, Loan.Status.RESTRUCTURED]


def _normalise_mobile(text: str) -> str | None:
    try:
        from customers.validators import normalize_mainland_mobile

        return normalize_mainland_mobile(text)
    except Exception:  # noqa: BLE001 — anything that is not a mobile number simply is not searched as one
        return None


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
        mobile = _normalise_mobile(query)
        if mobile:
            condition |= Q(customer__mobile_hash=pii_hash(mobile))
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


def _complaint_model():
    try:
        return apps.get_model("complaints", "Complaint")
    except LookupError:
        return None


def review_queue(*, today: date | None = None) -> QuerySet[Loan]:
    """Open loans due for a post-loan review: every LOAN_REVIEW_INTERVAL_DAYS days, sooner on risk signals.

    Signals: DPD > 0 (review again after 30 days at most), a hardship inquiry since the last review,
    a complaint in the last 90 days since the last review.
    """
    today = today or timezone.localdate()
    interval = int(getattr(settings, "LOAN_REVIEW_INTERVAL_DAYS", 90))
    since = Coalesce(F("last_reviewed_on"), F("disbursement_date"))
    loans = Loan.objects.filter(status__in=OPEN).annotate(review_since=since)
    from inquiries.models import Inquiry

    hardship = Inquiry.objects.filter(
        customer_id=OuterRef("customer_id"), category="hardship", received_at__date__gt=OuterRef("review_since")
    )
    loans = loans.annotate(signal_hardship=Exists(hardship))
    Complaint = _complaint_model()
    if Complaint is not None and any(f.name == "customer" for f in Complaint._meta.get_fields()):
        received = "received_at" if any(f.name == "received_at" for f in Complaint._meta.get_fields()) else "created_at"
        complaints = Complaint.objects.filter(
            customer_id=OuterRef("customer_id"),
            **{
                f"{received}__date__gte": today - timedelta(days=90),
                f"{received}__date__gt": OuterRef("review_since"),
            },
        )
        loans = loans.annotate(signal_complaint=Exists(complaints))
    else:
        loans = loans.annotate(signal_complaint=Value(False))
    periodic = Q(review_since__lte=today - timedelta(days=interval))
    overdue = Q(dpd__gt=0) & (Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lte=today - timedelta(days=30)))
    loans = loans.filter(periodic | overdue | Q(signal_hardship=True) | Q(signal_complaint=True))
    loans = loans.annotate(
        priority=Case(
            When(Q(signal_complaint=True) | Q(signal_hardship=True), then=Value(0)),
            When(dpd__gt=0, then=Value(1)),
            default=Value(2),
        )
    )
    return loans.select_related("customer", "product").order_by("priority", "-dpd", "review_since", "id")


def review_reasons(loan: Loan, *, today: date | None = None) -> list[str]:
    """Why a loan of the queue is due (codes the template translates)."""
    today = today or timezone.localdate()
    reasons = []
    if getattr(loan, "signal_complaint", False):
        reasons.append("complaint")
    if getattr(loan, "signal_hardship", False):
        reasons.append("hardship")
    if loan.dpd > 0:
        reasons.append("overdue")
    interval = int(getattr(settings, "LOAN_REVIEW_INTERVAL_DAYS", 90))
    if loan.review_since <= today - timedelta(days=interval):
        reasons.append("periodic")
    return reasons


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


def revenue_report(*, year: int, month: int) -> tuple[list[RevenueRow], RevenueRow]:
    """Income by product and type for a month (allocations net of reversals, plus upfront fees at disbursement)."""
    start, end = month_bounds(year, month)
    rows: dict[str, RevenueRow] = {}
    sums = (
        Allocation.objects.filter(booked_at__gte=start, booked_at__lt=end)
        .values("product__name", "income_type")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for entry in sums:
        row = rows.setdefault(entry["product__name"], RevenueRow(entry["product__name"]))
        setattr(row, entry["income_type"], getattr(row, entry["income_type"]) + money(entry["total"] or ZERO))
    upfront = (
        FeeCharge.objects.filter(clause__kind="upfront_fee", charged_on__gte=start.date(), charged_on__lt=end.date())
        .values("loan__product__name")
        .annotate(total=Sum(F("amount") - F("waived")))
        .order_by()
    )
    for entry in upfront:
        row = rows.setdefault(entry["loan__product__name"], RevenueRow(entry["loan__product__name"]))
        row.upfront_fee += money(entry["total"] or ZERO)
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

    @property
    def net_received(self) -> Decimal:
        return self.received - self.reversed

    @property
    def accounted(self) -> Decimal:
        return self.income + self.principal + self.credit_held

    @property
    def balanced(self) -> bool:
        return not self.problems


def reconciliation() -> Reconciliation:
    """income + principal repaid + credit held = repayments received net of reversals, and the ledger matches
    what the installments show as paid (a handful of aggregate queries)."""
    # Sums are rounded to the cent: SQLite adds decimals as floats (PostgreSQL is exact either way).
    received = money(Repayment.objects.aggregate(total=Sum("amount"))["total"] or ZERO)
    reversed_total = money(
        Repayment.objects.filter(status=Repayment.Status.REVERSED).aggregate(total=Sum("amount"))["total"] or ZERO
    )
    by_type = defaultdict(lambda: ZERO)
    for entry in Allocation.objects.values("income_type").annotate(total=Sum("amount")).order_by():
        by_type[entry["income_type"]] = money(entry["total"] or ZERO)
    credit_held = money(Loan.objects.aggregate(total=Sum("credit_balance"))["total"] or ZERO)
    paid = Installment.objects.aggregate(
        penalty=Sum("penalty_paid"),
        fee=Sum("fees_paid"),
        interest=Sum("interest_paid"),
        principal=Sum("principal_paid"),
    )
    paid = {key: money(value or ZERO) for key, value in paid.items()}
    income = by_type["interest"] + by_type["penalty"] + by_type["fee"]
    problems = []
    net = received - reversed_total
    if income + by_type["principal"] + credit_held != net:
        problems.append("totals")
    if by_type["credit"] != credit_held:
        problems.append("credit")
    for key in ("penalty", "fee", "interest", "principal"):
        if paid[key] != by_type[key]:
            problems.append(f"paid_{key}")
    return Reconciliation(
        received=received,
        reversed=reversed_total,
        income=income,
        principal=by_type["principal"],
        credit_ledger=by_type["credit"],
        credit_held=credit_held,
        by_type=dict(by_type),
        installment_paid=paid,
        problems=problems,
    )


def customer_loans(customer) -> list[Loan]:
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
