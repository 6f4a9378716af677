"""Builders for loan tests: products and contracts signed through the service."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from loans import services
from loans.models import Product
from tests.customers.factories import make_customer

_seq = itertools.count(1)


def make_product(**overrides) -> Product:
    n = next(_seq)
    values = {
        "code": f"lp{n}",
        "name": f"Loan product {n}",
        "method": "equal_installment",
        "min_rate": Decimal("0"),
        "max_rate": Decimal("0.36"),
        "min_term": 1,
        "max_term": 360,
        "min_principal": Decimal("100.00"),
        "max_principal": Decimal("1000000.00"),
        "grace_days": 3,
        "penalty_markup": Decimal("0.5"),
        "late_fee": Decimal("0"),
        "early_repayment_fee_rate": Decimal("0"),
        "upfront_fee_rate": Decimal("0"),
    }
    values.update(overrides)
    return Product.objects.create(**values)


def make_loan(
    *,
    customer=None,
    product=None,
    principal="12000.00",
    annual_rate="0.12",
    term_months=12,
    disbursement_date=date(2026, 1, 1),
    first_due_date=date(2026, 2, 1),
    created_by=None,
    **product_overrides,
):
    """A signed contract (through loan_create) on a product built from `product_overrides` unless given."""
    product = product or make_product(**product_overrides)
    return services.loan_create(
        customer=customer or make_customer(),
        product=product,
        principal=Decimal(principal),
        annual_rate=Decimal(annual_rate),
        term_months=term_months,
        disbursement_date=disbursement_date,
        first_due_date=first_due_date,
        purpose="装修",
        created_by=created_by,
    )
