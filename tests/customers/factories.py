"""Customers for tests, created through the service (normalised, hashed, encrypted, audit-logged)."""

from __future__ import annotations

import io
import random
from itertools import count

from aftersales.demo import DemoContext
from customers import demo
from customers.models import Customer
from customers.services import customer_create

_seq = count(1)
_rng = random.Random(4242)


def make_customer(*, actor=None, **fields) -> Customer:
    """A valid customer; pass fields to override the generated ones."""
    n = next(_seq)
    values = {
        "name": f"测试{n}",
        "national_id": demo.make_national_id(_rng),
        "mobile": demo.make_mobile(_rng),
        "email": f"user{n}@example.com",
        "address": "北京市朝阳区建国路88号",
        "bank_card": demo.make_bank_card(_rng),
    }
    values.update(fields)
    return customer_create(actor=actor, **values)


def seed_customers(n: int) -> None:
    """Bulk demo customers (the seed's own code path)."""
    demo.seed(DemoContext(customers=n, stdout=io.StringIO()))
