"""Builders for complaint tests: customers and products straight into the database, complaints through the service."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from customers.crypto import pii_hash
from customers.models import Customer
from customers.validators import resident_id_check_digit
from loans.models import Product

_seq = itertools.count(1)


def national_id(n: int) -> str:
    first17 = "110105" + "19900101" + f"{(n + 700) % 1000:03d}"
    return first17 + resident_id_check_digit(first17)


def make_customer(*, mobile: str = "", email: str = "", language: str = "en", name: str = "") -> Customer:
    n = next(_seq)
    mobile = mobile or f"+86136{n:08d}"
    nid = national_id(n)
    return Customer.objects.create(
        customer_number=f"CP{n:07d}",
        name=name or f"Customer {n}",
        national_id=nid,
        national_id_hash=pii_hash(nid),
        mobile=mobile,
        mobile_hash=pii_hash(mobile),
        email=email,
        email_hash=pii_hash(email) if email else "",
        preferred_language=language,
    )


def make_product() -> Product:
    n = next(_seq)
    return Product.objects.create(
        code=f"cp{n}",
        name=f"Product {n}",
        method="equal_installment",
        min_rate=Decimal("0.10"),
        max_rate=Decimal("0.20"),
    )


def make_complaint(
    *, received_at: datetime | None = None, category: str = "fees", customer=None, product=None, **kwargs
):
    from complaints import services

    kwargs.setdefault("source", "hotline")
    kwargs.setdefault("summary", "Charged a fee twice")
    if customer is None and "contact_phone" not in kwargs:
        customer = make_customer()
    return services.complaint_create(
        category=category, customer=customer, product=product, received_at=received_at, **kwargs
    )
