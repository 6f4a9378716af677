"""Posting, allocation, credit, duplicates, reversal and concurrent postings."""

import threading
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from aftersales.models import AuditEntry
from loans import services
from loans.models import Allocation, Installment, Loan, Repayment
from loans.selectors import reconciliation
from tests.loans.factories import make_loan

D = Decimal
SH = ZoneInfo("Asia/Shanghai")
FEB1 = datetime(2026, 2, 1, 10, 0, tzinfo=SH)


def _loan(**kw):
    # 12,000.00 at 12% equal principal over 12 months: share 1,000.00; interest 120.00, 110.00, 100.00, …
    return make_loan(principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal", **kw)


def _post(loan, amount, external_id, at=FEB1, **kw):
    return services.repayment_post(
        loan=loan, amount=D(amount), received_at=at, channel="bank_transfer", external_id=external_id, **kw
    )


def _rows(loan):
    return list(Installment.objects.filter(loan=loan, is_current=True).order_by("number"))


@pytest.mark.django_db
@time_machine.travel(FEB1)
def test_payment_of_the_installment_due_pays_interest_then_principal():
    loan = _loan()
    repayment = _post(loan, "1120.00", "T1")
    first = _rows(loan)[0]
    assert (first.interest_paid, first.principal_paid, first.status) == (D("120.00"), D("1000.00"), "paid")
    kinds = sorted((a.income_type, a.amount) for a in repayment.allocations.all())
    assert kinds == [("interest", D("120.00")), ("principal", D("1000.00"))]
    loan.refresh_from_db()
    assert loan.next_due_date == _rows(loan)[1].due_date
    assert AuditEntry.objects.filter(action="repayment_post", object_id=str(repayment.pk)).exists()


@pytest.mark.django_db
def test_allocation_order_is_penalty_fees_interest_principal_oldest_first():
    with time_machine.travel(datetime(2026, 3, 20, 10, tzinfo=SH)):
        loan = _loan(late_fee=D("30.00"))
        first, second = _rows(loan)[:2]
        # given installment 1 owes penalty 5.00 and a late fee 30.00 on top of 1,120.00; installment 2 is due too
        Installment.objects.filter(pk=first.pk).update(penalty_due=D("5.00"), status="overdue")
        services.fee_charge(loan=loan, kind="late_fee", amount=D("30.00"), installment=first)
        # when 1,200.00 arrives: 5 + 30 + 120 + 1000 = 1155 to installment 1, the other 45 to installment 2's interest
        repayment = _post(loan, "1200.00", "T2", at=datetime(2026, 3, 20, 10, tzinfo=SH))
    order = [(a.installment.number, a.income_type, a.amount) for a in repayment.allocations.order_by("id")]
    assert order == [
        (1, "penalty", D("5.00")),
        (1, "fee", D("30.00")),
        (1, "interest", D("120.00")),
        (1, "principal", D("1000.00")),
        (2, "interest", D("45.00")),
    ]
    second.refresh_from_db()
    assert (second.interest_paid, second.principal_paid) == (D("45.00"), D("0"))


@pytest.mark.django_db
@time_machine.travel(FEB1)
def test_excess_is_held_as_credit_not_prepaid():
    loan = _loan()
    _post(loan, "5000.00", "T3")
    rows = _rows(loan)
    loan.refresh_from_db()
    # 1,120.00 pays the installment due today; 3,880.00 becomes credit; installment 2 stays untouched
    assert rows[0].status == "paid"
    assert rows[1].total_paid == 0
    assert loan.credit_balance == D("3880.00")
    assert Allocation.objects.get(loan=loan, income_type="credit").amount == D("3880.00")


@pytest.mark.django_db
@time_machine.travel(FEB1)
def test_same_external_id_twice_is_refused_and_not_counted_twice():
    loan = _loan()
    _post(loan, "500.00", "BANK-42")
    with pytest.raises(services.DuplicateRepayment):
        _post(loan, "500.00", "BANK-42")
    assert Repayment.objects.filter(external_id="BANK-42").count() == 1
    assert _rows(loan)[0].total_paid == D("500.00")
    assert reconciliation().balanced


@pytest.mark.django_db
@time_machine.travel(FEB1)
def test_reversal_reopens_what_it_paid_and_takes_back_credit(back_office):
    loan = _loan()
    repayment = _post(loan, "2000.00", "T4")
    services.repayment_reverse(repayment=repayment, reason="bounced", reversed_by=back_office)
    loan.refresh_from_db()
    first = _rows(loan)[0]
    assert (first.total_paid, first.status, first.paid_at) == (D("0"), "pending", None)
    assert loan.credit_balance == 0
    repayment.refresh_from_db()
    assert (repayment.status, repayment.reversal_reason) == ("reversed", "bounced")
    assert sum(a.amount for a in repayment.allocations.all()) == 0
    assert AuditEntry.objects.filter(action="repayment_reverse", reason="bounced").exists()
    with pytest.raises(services.LoanError):
        services.repayment_reverse(repayment=repayment, reason="again", reversed_by=back_office)
    rec = reconciliation()
    assert rec.balanced and rec.net_received == 0


@pytest.mark.django_db
@time_machine.travel(FEB1)
def test_reversal_needs_a_reason():
    loan = _loan()
    repayment = _post(loan, "10.00", "T5")
    with pytest.raises(services.LoanError):
        services.repayment_reverse(repayment=repayment, reason="  ")


@pytest.mark.django_db
def test_paying_everything_closes_the_loan():
    with time_machine.travel(datetime(2027, 2, 1, 10, tzinfo=SH)):
        loan = make_loan(principal="1000.00", annual_rate="0.12", term_months=1)
        _post(loan, "1010.00", "T6", at=datetime(2027, 2, 1, 10, tzinfo=SH))
    loan.refresh_from_db()
    assert (loan.status, loan.next_due_date, loan.dpd) == (Loan.Status.CLOSED, None, 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_postings_on_one_loan_are_serialised():
    with time_machine.travel(FEB1):
        loan = _loan()
        barrier = threading.Barrier(2)
        errors = []

        def post(external_id):
            try:
                barrier.wait()
                _post(loan, "700.00", external_id)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=(f"C{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    first = _rows(loan)[0]
    loan.refresh_from_db()
    # 1,400.00 in all: 1,120.00 pays installment 1, 280.00 becomes credit — nothing lost or counted twice
    assert (first.status, first.total_paid, loan.credit_balance) == ("paid", D("1120.00"), D("280.00"))
    assert reconciliation().balanced


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_external_id_posted_concurrently_counts_once():
    with time_machine.travel(FEB1):
        loan = _loan()
        barrier = threading.Barrier(2)
        outcomes = []

        def post():
            try:
                barrier.wait()
                _post(loan, "700.00", "SAME")
                outcomes.append("ok")
            except services.DuplicateRepayment:
                outcomes.append("duplicate")
            finally:
                connection.close()

        threads = [threading.Thread(target=post) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(outcomes) == ["duplicate", "ok"]
    assert _rows(loan)[0].total_paid == D("700.00")
