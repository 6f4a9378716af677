"""Posting, allocation, credit, duplicates, reversal and concurrent postings."""

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

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
        second = _rows(loan)[1]
        # given no overdue run since signing; on 03-20 posting brings the loan up to date first:
        # installment 1 (due 02-01): late fee 30.00, penalty 47 days × 1000 × 0.12 × 1.5 / 360 = 23.50;
        # installment 2 (due 03-01): late fee 30.00, penalty 19 days × 0.50 = 9.50
        # when 1,200.00 arrives: 23.50 + 30 + 120 + 1000 = 1,173.50 to installment 1, 26.50 to installment 2
        repayment = _post(loan, "1200.00", "T2", at=datetime(2026, 3, 20, 10, tzinfo=SH))
    order = [(a.installment.number, a.income_type, a.amount) for a in repayment.allocations.order_by("id")]
    assert order == [
        (1, "penalty", D("23.50")),
        (1, "fee", D("30.00")),
        (1, "interest", D("120.00")),
        (1, "principal", D("1000.00")),
        (2, "penalty", D("9.50")),
        (2, "fee", D("17.00")),
    ]
    second.refresh_from_db()
    assert (second.fees_paid, second.interest_paid, second.principal_paid) == (D("17.00"), D("0"), D("0"))


def test_the_waterfall_is_a_pure_function_of_the_rows():
    # given two due rows held in memory only (no database)
    first = Installment(
        number=1,
        due_date=date(2026, 2, 1),
        principal_due=D("1000.00"),
        interest_due=D("120.00"),
        penalty_due=D("3.33"),
        fees_due=D("0"),
    )
    second = Installment(
        number=2, due_date=date(2026, 3, 1), principal_due=D("1000.00"), interest_due=D("110.00"), fees_due=D("7.77")
    )
    later = Installment(number=3, due_date=date(2026, 4, 1), principal_due=D("1000.00"), interest_due=D("100.00"))
    # when 2,300.00 is allocated on 03-02 (row 3 is not due yet and the next one due after today is row 3)
    lines = services.allocation_waterfall(rows=[second, later, first], amount=D("2300.00"), as_of=date(2026, 3, 2))
    # then oldest first, penalty → fees → interest → principal; row 3 is the next due so it takes the rest
    assert [
        (line.installment.number if line.installment else None, line.income_type, line.amount) for line in lines
    ] == [
        (1, "penalty", D("3.33")),
        (1, "interest", D("120.00")),
        (1, "principal", D("1000.00")),
        (2, "fee", D("7.77")),
        (2, "interest", D("110.00")),
        (2, "principal", D("1000.00")),
        (3, "interest", D("58.90")),
    ]
    assert first.principal_paid == D("0")  # nothing was changed


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
    # paid on its due date (a year later it would owe 365 days of penalty as well)
    with time_machine.travel(datetime(2026, 2, 1, 10, tzinfo=SH)):
        loan = make_loan(principal="1000.00", annual_rate="0.12", term_months=1)
        _post(loan, "1010.00", "T6", at=datetime(2026, 2, 1, 10, tzinfo=SH))
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
            except Exception as exc:  # noqa: BLE001 — any error in a thread is collected and reported below
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


# ---- received-at: never in the future, never before disbursement (SPEC §10) -------------------------------

TODAY = datetime(2026, 12, 2, 15, 0, tzinfo=SH)


def _form_post(client, loan, received_at, external_id="F1", amount="5000.00"):
    url = reverse("loans:repayment_post", args=[loan.pk])
    data = {"amount": amount, "received_at": received_at, "channel": "bank_transfer", "external_id": external_id}
    return client.post(url, data)


@pytest.mark.django_db
@pytest.mark.parametrize("received_at", ["2027-06-15T10:00", "2099-01-01T00:00"])
def test_a_future_dated_repayment_is_refused_next_to_the_field_and_the_input_kept(client_back_office, received_at):
    # given a loan disbursed 2026-01-01, and today is 2026-12-02
    with time_machine.travel(TODAY, tick=False):
        loan = _loan()
        # when back office posts ¥5,000 "received" in the future
        response = _form_post(client_back_office, loan, received_at)
    # then the form comes back with the message on the received-at field, the typed values kept, nothing posted
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["received_at"]
    assert "in the future" in form.errors["received_at"][0]
    page = response.content.decode()
    assert 'id="error_1_id_received_at"' in page or "invalid-feedback" in page
    assert f'value="{received_at}"' in page and 'value="5000.00"' in page
    assert not Repayment.objects.exists()
    assert not Allocation.objects.exists()


@pytest.mark.django_db
@time_machine.travel(TODAY, tick=False)
def test_the_service_refuses_a_future_date_whoever_calls_it():
    loan = _loan()
    with pytest.raises(services.LoanError) as refused:
        _post(loan, "5000.00", "S1", at=datetime(2027, 6, 15, 10, tzinfo=SH))
    assert list(refused.value.message_dict) == ["received_at"]
    with pytest.raises(services.LoanError):
        services.loan_settle(
            loan=loan,
            amount=D("20000.00"),
            received_at=datetime(2099, 1, 1, tzinfo=SH),
            channel="bank_transfer",
            external_id="S2",
        )
    assert not Repayment.objects.exists()


@pytest.mark.django_db
@time_machine.travel(TODAY, tick=False)
def test_four_minutes_ahead_is_clock_skew_and_accepted_six_minutes_is_not(settings):
    settings.REPAYMENT_CLOCK_TOLERANCE_SECONDS = 300
    loan = _loan()
    repayment = _post(loan, "100.00", "K1", at=TODAY + timedelta(minutes=4))
    assert repayment.pk
    with pytest.raises(services.LoanError):
        _post(loan, "100.00", "K2", at=TODAY + timedelta(minutes=6))


@pytest.mark.django_db
@time_machine.travel(TODAY, tick=False)
def test_a_repayment_before_the_disbursement_date_is_refused(client_back_office):
    # given a loan disbursed on 2026-01-01
    loan = _loan()
    # when money is said to have arrived on 2025-12-31 (one day before)
    with pytest.raises(services.LoanError) as refused:
        _post(loan, "100.00", "B1", at=datetime(2025, 12, 31, 23, 0, tzinfo=SH))
    assert "before the loan was disbursed on 2026-01-01" in refused.value.message_dict["received_at"][0]
    response = _form_post(client_back_office, loan, "2025-12-31T23:00", external_id="B2")
    assert "2026-01-01" in response.context["form"].errors["received_at"][0]
    # the disbursement day itself is fine
    assert _post(loan, "100.00", "B3", at=datetime(2026, 1, 1, 9, 0, tzinfo=SH)).pk
    assert Repayment.objects.count() == 1


@pytest.mark.django_db
@time_machine.travel(TODAY, tick=False)
def test_settlement_page_shows_the_future_date_next_to_the_field(client_back_office):
    loan = _loan()
    url = reverse("loans:settle", args=[loan.pk])
    data = {
        "mode": "full",
        "option": "shorten_term",
        "amount": "20000.00",
        "received_at": "2027-06-15T10:00",
        "channel": "bank_transfer",
        "external_id": "ST1",
    }
    response = client_back_office.post(url, data)
    assert response.status_code == 200
    assert "received_at" in response.context["form"].errors
    assert not Repayment.objects.exists()
