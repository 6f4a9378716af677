"""The demo's products and the draws behind its loans (amounts, terms, rates, repayment profiles)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

from aftersales.money import money
from loans.apr import comprehensive_cost, schedule_cash_flows
from loans.models import Product
from loans.schedule import generate_schedule

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
