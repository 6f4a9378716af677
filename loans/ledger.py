"""The ledger summary behind the revenue report and the reconciliation.

Allocations and repayments only ever get new rows (a reversal adds negative allocations; a repayment's amount never
changes), and ids only grow. So LedgerMonth (sums per month, product and income type up to an allocation id) and
LedgerState.received (the sum of repayments up to a repayment id) plus the rows after those watermarks are exact.
The pages add the rows after the watermark live (a range scan on the primary key), so they are exact to the second;
`ledger_refresh` folds those rows in (beat every few minutes and at the end of the daily job) to keep that range small.

The one figure that cannot be kept this way is what the installments show as paid: those rows are updated in place.
`ledger_check` compares them with the ledger in full (nightly task and `manage.py loans_reconcile`) and stores the
result with its time; the reconciliation page shows that result, labelled with when it was taken.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import OperationalError, connection, transaction
from django.db.models import F, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from aftersales.money import ZERO, money
from loans.models import Allocation, ContractClause, FeeCharge, Installment, LedgerMonth, LedgerState, Loan, Repayment

logger = logging.getLogger(__name__)

STATE_ID = 1
PAID_KEYS = ("penalty", "fee", "interest", "principal")


def state() -> LedgerState:
    """The ledger state row (an unsaved one at the zero watermark before the first refresh)."""
    return LedgerState.objects.filter(pk=STATE_ID).first() or LedgerState(pk=STATE_ID)


def _committed_max_ids() -> tuple[int, int, int] | None:
    """The highest allocation, repayment and fee charge ids, with every lower id committed (run outside a transaction).

    On PostgreSQL an id is taken at insert, not commit, so a lower id may still be in flight when a higher one is
    visible. A SHARE lock waits for those writers (and holds new ones for the moment it takes to read the maxima);
    after it is released every id up to the maxima is committed (inside an outer transaction it is held to its end,
    which is exact too, only longer). None when the lock is not granted in 2 s (the next
    refresh tries again). SQLite runs one writer at a time, so no lock is needed.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
                try:
                    with transaction.atomic():  # a refused lock rolls back only this savepoint
                        tables = ", ".join(model._meta.db_table for model in (Allocation, Repayment, FeeCharge))
                        cursor.execute(f"LOCK TABLE {tables} IN SHARE MODE")
                except OperationalError:
                    logger.warning("ledger refresh skipped: writers held the lock for more than 2 s")
                    return None
        allocation_max = Allocation.objects.aggregate(top=Max("id"))["top"] or 0
        repayment_max = Repayment.objects.aggregate(top=Max("id"))["top"] or 0
        feecharge_max = FeeCharge.objects.aggregate(top=Max("id"))["top"] or 0
    return allocation_max, repayment_max, feecharge_max


def ledger_refresh(*, rebuild: bool = False) -> LedgerState | None:
    """Fold the allocations and repayments after the watermark into the summary (set-based, one grouped query per
    table); `rebuild` starts again from nothing. Returns the new state, or None when it could not run now."""
    if rebuild:
        with transaction.atomic():
            LedgerMonth.objects.all().delete()
            LedgerState.objects.filter(pk=STATE_ID).delete()
    top = _committed_max_ids()
    if top is None:
        return None
    allocation_max, repayment_max, feecharge_max = top
    zone = timezone.get_default_timezone()
    with transaction.atomic():
        LedgerState.objects.get_or_create(pk=STATE_ID)
        current = LedgerState.objects.select_for_update().get(pk=STATE_ID)
        low_a, low_r, low_f = current.allocation_through, current.repayment_through, current.feecharge_through
        folded: dict[tuple[date, int, str], Decimal] = defaultdict(lambda: ZERO)
        if allocation_max > low_a:
            new_rows = (
                Allocation.objects.filter(id__gt=low_a, id__lte=allocation_max)
                .annotate(month=TruncMonth("booked_at", tzinfo=zone))
                .values("month", "product_id", "income_type")
                .annotate(total=Sum("amount"))
                .order_by()
            )
            for entry in new_rows:
                month = timezone.localtime(entry["month"], zone).date()
                folded[(month, entry["product_id"], entry["income_type"])] += money(entry["total"] or ZERO)
            current.allocation_through = allocation_max
        if feecharge_max > low_f:
            # upfront fees as charged; waivers change `waived` in place, so the report subtracts those live
            charged = (
                FeeCharge.objects.filter(
                    id__gt=low_f, id__lte=feecharge_max, clause__kind=ContractClause.Kind.UPFRONT_FEE
                )
                .values("charged_on", "loan__product_id")
                .annotate(total=Sum("amount"))
                .order_by()
            )
            for entry in charged:
                month = entry["charged_on"].replace(day=1)
                folded[(month, entry["loan__product_id"], LedgerMonth.UPFRONT)] += money(entry["total"] or ZERO)
            current.feecharge_through = feecharge_max
        _fold(folded)
        if repayment_max > low_r:
            added = Repayment.objects.filter(id__gt=low_r, id__lte=repayment_max).aggregate(total=Sum("amount"))
            current.received = money(current.received + (added["total"] or ZERO))
            current.repayment_through = repayment_max
        current.refreshed_at = timezone.now()
        current.save()
    return current


def _fold(folded: dict[tuple[date, int, str], Decimal]) -> None:
    months = {month for month, _product, _type in folded}
    existing = {
        (row.month, row.product_id, row.income_type): row for row in LedgerMonth.objects.filter(month__in=months)
    }
    changed, created = [], []
    for key, amount in folded.items():
        row = existing.get(key)
        if row is None:
            created.append(LedgerMonth(month=key[0], product_id=key[1], income_type=key[2], amount=amount))
        else:
            row.amount = money(row.amount + amount)
            changed.append(row)
    LedgerMonth.objects.bulk_update(changed, ["amount"], batch_size=500)
    LedgerMonth.objects.bulk_create(created, batch_size=500)


# ---- the full recomputation from the raw rows (the oracle, and the nightly check) --------------------------------


def full_totals() -> dict:
    """Every reconciliation figure recomputed from the raw rows (full scans: for the nightly check and tests)."""
    sums = Repayment.objects.aggregate(
        total=Sum("amount"), reversed=Sum("amount", filter=Q(status=Repayment.Status.REVERSED))
    )
    by_type = dict.fromkeys(Allocation.IncomeType.values, ZERO)
    for entry in Allocation.objects.values("income_type").annotate(total=Sum("amount")).order_by():
        by_type[entry["income_type"]] = money(entry["total"] or ZERO)
    paid = Installment.objects.aggregate(
        penalty=Sum("penalty_paid"),
        fee=Sum("fees_paid"),
        interest=Sum("interest_paid"),
        principal=Sum("principal_paid"),
    )
    return {
        "received": money(sums["total"] or ZERO),
        "reversed": money(sums["reversed"] or ZERO),
        "by_type": by_type,
        "credit_held": money(Loan.objects.aggregate(total=Sum("credit_balance"))["total"] or ZERO),
        "installment_paid": {key: money(value or ZERO) for key, value in paid.items()},
    }


def full_revenue(*, start, end) -> dict[tuple[str, str], Decimal]:
    """A month's allocation sums by (product name, income type), and upfront fees net of waivers as
    (product name, "upfront_fee"), straight from the raw rows (the oracle)."""
    sums = (
        Allocation.objects.filter(booked_at__gte=start, booked_at__lt=end)
        .values("product__name", "income_type")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    result = {(entry["product__name"], entry["income_type"]): money(entry["total"] or ZERO) for entry in sums}
    upfront = (
        FeeCharge.objects.filter(clause__kind="upfront_fee", charged_on__gte=start.date(), charged_on__lt=end.date())
        .values("loan__product__name")
        .annotate(total=Sum(F("amount") - F("waived")))
        .order_by()
    )
    for entry in upfront:
        result[(entry["loan__product__name"], "upfront_fee")] = money(entry["total"] or ZERO)
    return result


def paid_problems(ledger: dict[str, Decimal], paid: dict[str, Decimal]) -> list[str]:
    """Which installment components disagree with the ledger ("paid_interest", ...)."""
    return [f"paid_{key}" for key in PAID_KEYS if money(paid.get(key, ZERO)) != money(ledger.get(key, ZERO))]


def summary_differences() -> list[tuple[date, int, str, Decimal, Decimal]]:
    """(month, product id, income type, summary + rows after the watermark, raw rows) wherever the two differ:
    allocations by month and type, and upfront fees as charged. Full scans; empty when the summary is right."""
    zone = timezone.get_default_timezone()
    current = state()

    def allocations(rows):
        grouped = (
            rows.annotate(month=TruncMonth("booked_at", tzinfo=zone))
            .values("month", "product_id", "income_type")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        return {
            (timezone.localtime(e["month"], zone).date(), e["product_id"], e["income_type"]): money(e["total"] or ZERO)
            for e in grouped
        }

    def upfront(rows):
        grouped = (
            rows.filter(clause__kind=ContractClause.Kind.UPFRONT_FEE)
            .values("charged_on", "loan__product_id")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        result: dict[tuple[date, int, str], Decimal] = defaultdict(lambda: ZERO)
        for e in grouped:
            result[(e["charged_on"].replace(day=1), e["loan__product_id"], LedgerMonth.UPFRONT)] += money(e["total"])
        return result

    raw = {**allocations(Allocation.objects.all()), **upfront(FeeCharge.objects.all())}
    kept: dict[tuple[date, int, str], Decimal] = defaultdict(lambda: ZERO)
    for row in LedgerMonth.objects.all():
        kept[(row.month, row.product_id, row.income_type)] += row.amount
    live = {
        **allocations(Allocation.objects.filter(id__gt=current.allocation_through)),
        **upfront(FeeCharge.objects.filter(id__gt=current.feecharge_through)),
    }
    for key, amount in live.items():
        kept[key] += amount
    return [
        (*key, money(kept.get(key, ZERO)), money(raw.get(key, ZERO)))
        for key in sorted(set(raw) | set(kept))
        if money(kept.get(key, ZERO)) != money(raw.get(key, ZERO))
    ]


def ledger_check() -> dict:
    """Full, exact check: the installments against the ledger (stored, with its time, for the page) and the summary
    against the raw rows (rebuilt if it ever differs, e.g. after rows were removed behind the services' back)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:  # one snapshot for every full scan below
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        totals = full_totals()
        differences = summary_differences()
    problems = paid_problems(totals["by_type"], totals["installment_paid"])
    if differences:
        logger.error("ledger summary differed from the raw rows, rebuilt: %s", differences[:20])
        ledger_refresh(rebuild=True)
    with transaction.atomic():
        LedgerState.objects.get_or_create(pk=STATE_ID)
        current = LedgerState.objects.select_for_update().get(pk=STATE_ID)
        current.checked_at = timezone.now()
        current.check_ledger = {key: str(totals["by_type"][key]) for key in PAID_KEYS}
        current.check_paid = {key: str(value) for key, value in totals["installment_paid"].items()}
        current.check_problems = problems
        current.save(update_fields=["checked_at", "check_ledger", "check_paid", "check_problems"])
    return {
        **totals,
        "problems": problems,
        "summary_differences": differences,
        "checked_at": current.checked_at,
    }
