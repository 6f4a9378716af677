"""Demo loans: about 1.2 per customer, realistic states, balanced books, and a second run adds nothing."""

import io

import pytest

from aftersales.demo import DemoContext, seed_staff
from loans import demo
from loans.models import Installment, Loan, Product, Repayment
from loans.selectors import reconciliation
from tests.customers.factories import seed_customers

pytestmark = pytest.mark.django_db


def test_seed_is_realistic_and_idempotent():
    seed_staff(DemoContext(customers=0, stdout=io.StringIO()))
    seed_customers(120)
    ctx = DemoContext(customers=120, stdout=io.StringIO())
    demo.seed(ctx)
    loans = Loan.objects.count()
    assert 120 <= loans <= 175
    assert set(Product.objects.values_list("method", flat=True)) == {
        "equal_installment",
        "equal_principal",
        "interest_only",
    }
    assert Loan.objects.filter(status="closed").exists()
    assert Loan.objects.filter(status="restructured").count() == 2
    assert Loan.objects.filter(bucket="M0").count() > loans / 2
    assert Loan.objects.exclude(bucket="M0").exists()
    assert Installment.objects.filter(status="overdue").exists()
    assert Repayment.objects.exists()
    assert reconciliation().balanced
    counts = (Loan.objects.count(), Installment.objects.count(), Repayment.objects.count())
    demo.seed(DemoContext(customers=120, stdout=io.StringIO()))
    assert (Loan.objects.count(), Installment.objects.count(), Repayment.objects.count()) == counts
