"""Property: any sequence of repayments, reversals and penalty accruals keeps the books consistent.

For every installment and component: 0 <= paid <= due, paid = what the allocations put there, and
paid + outstanding = due; for the loan: income + principal repaid + credit = money received net of reversals.
"""

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.money import money
from loans import jobs, services
from loans.models import Allocation, Installment, Repayment
from loans.selectors import reconciliation
from loans.services.common import COMPONENTS
from tests.loans.factories import make_loan, make_product

D = Decimal
SH = ZoneInfo("Asia/Shanghai")
_ids = itertools.count(1)

step = st.one_of(
    st.tuples(st.just("pay"), st.integers(min_value=1, max_value=400_000).map(lambda c: D(c) / 100)),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=10)),
    st.tuples(st.just("accrue"), st.integers(min_value=1, max_value=45)),
)


def _check(loan):
    rows = list(Installment.objects.filter(loan=loan))
    ledger = {
        (a["installment_id"], a["income_type"]): money(a["total"])
        for a in Allocation.objects.filter(loan=loan)
        .values("installment_id", "income_type")
        .annotate(total=Sum("amount"))
    }
    for row in rows:
        for name, due_field, paid_field in COMPONENTS:
            due, paid = getattr(row, due_field), getattr(row, paid_field)
            assert D(0) <= paid <= due, (row.number, name, paid, due)
            assert paid == ledger.get((row.pk, name), D(0)), (row.number, name)
        assert row.total_paid + row.outstanding == row.total_due
        assert (row.status == "paid") == (row.outstanding == 0)
    loan.refresh_from_db()
    received = money(Repayment.objects.filter(loan=loan, status="posted").aggregate(total=Sum("amount"))["total"] or 0)
    by_type = {
        a["income_type"]: money(a["total"])
        for a in Allocation.objects.filter(loan=loan).values("income_type").annotate(total=Sum("amount"))
    }
    income = sum(by_type.get(k, D(0)) for k in ("interest", "penalty", "fee"))
    assert income + by_type.get("principal", D(0)) + loan.credit_balance == received
    assert by_type.get("credit", D(0)) == loan.credit_balance


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    steps=st.lists(step, min_size=1, max_size=12),
    method=st.sampled_from(["equal_installment", "equal_principal", "interest_only"]),
)
def test_any_sequence_keeps_the_books_consistent(steps, method):
    product = make_product(method=method, late_fee=D("25.00"))
    loan = make_loan(product=product, principal="6000.00", annual_rate="0.18", term_months=6)
    day = date(2026, 1, 20)
    posted: list[Repayment] = []
    for kind, value in steps:
        at = datetime.combine(day, time(11, 0), tzinfo=SH)
        with time_machine.travel(at, tick=False):
            if kind == "pay":
                posted.append(
                    services.repayment_post(
                        loan=loan, amount=value, received_at=at, channel="app", external_id=f"P{next(_ids)}"
                    )
                )
            elif kind == "reverse" and posted:
                repayment = posted[value % len(posted)]
                try:
                    services.repayment_reverse(repayment=repayment, reason="property test")
                except services.LoanError:
                    pass  # already reversed, or its credit was used: refused, and nothing may change
            elif kind == "accrue":
                day += timedelta(days=value)
                jobs.overdue_run(day)
        _check(loan)
    assert reconciliation().balanced
