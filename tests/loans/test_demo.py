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


def test_demo_books_every_income_type_and_stays_deterministic():
    from django.db.models import F, Sum

    from loans.models import Allocation, ContractClause, FeeCharge

    # given the demo for 300 customers (make run's size)
    seed_staff(DemoContext(customers=0, stdout=io.StringIO()))
    seed_customers(300)
    out = io.StringIO()
    demo.seed(DemoContext(customers=300, stdout=out))
    # then penalty interest and fees (late fees and early-repayment fees) are income in the ledger
    income = dict(Allocation.objects.values_list("income_type").annotate(total=Sum("amount")).order_by())
    assert income.get("penalty", 0) > 0 and income.get("fee", 0) > 0 and income.get("interest", 0) > 0
    kinds = set(
        Allocation.objects.filter(income_type="fee", installment__isnull=False)
        .values_list("repayment__kind", flat=True)
        .distinct()
    )
    assert "regular" in kinds  # late fees paid with installment payments
    assert FeeCharge.objects.filter(clause__kind=ContractClause.Kind.EARLY_REPAYMENT_FEE).exists()
    assert Repayment.objects.filter(kind=Repayment.Kind.SETTLEMENT).exists()
    # some penalties are only partly paid
    partly = Installment.objects.filter(penalty_paid__gt=0).exclude(penalty_paid__gte=F("penalty_due"))
    assert partly.exists()
    # and the books still reconcile, and a second run posts nothing more
    assert reconciliation().balanced
    repayments = Repayment.objects.count()
    demo.seed(DemoContext(customers=300, stdout=io.StringIO()))
    assert Repayment.objects.count() == repayments
