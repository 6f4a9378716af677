"""The ledger summary behind revenue and reconciliation: exact against a full recomputation from the raw rows,
whenever the refresh runs, through every path that moves money (post, reverse, settle, accrue, fee, waiver)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from loans import jobs, ledger, services, tasks
from loans.beat import BEAT_SCHEDULE
from loans.models import Allocation, FeeCharge, Installment, LedgerMonth, LedgerState, Loan
from loans.selectors import month_bounds, reconciliation, reconciliation_full, revenue_report
from tests.loans.factories import make_loan, make_product

D = Decimal
SH = ZoneInfo("Asia/Shanghai")
MONTHS = [(2026, 1), (2026, 2), (2026, 3)]


def _post(loan, amount, external_id, at):
    with time_machine.travel(at, tick=False):
        return services.repayment_post(
            loan=loan, amount=D(amount), received_at=at, channel="card", external_id=external_id
        )


def _assert_exact():
    """The pages' figures equal the full recomputation from every raw row."""
    for year, month in MONTHS:
        rows, _total = revenue_report(year=year, month=month)
        keys = [*Allocation.IncomeType.values, "upfront_fee"]
        got = {(row.product, key): getattr(row, key) for row in rows for key in keys}
        start, end = month_bounds(year, month)
        expected = ledger.full_revenue(start=start, end=end)
        assert {key for key, value in got.items() if value} == {key for key, value in expected.items() if value}
        assert all(got[key] == value for key, value in expected.items()), (year, month)
        assert {product for product, _type in expected} <= {row.product for row in rows}
    fast, full = reconciliation(), reconciliation_full()
    assert (fast.received, fast.reversed, fast.credit_held, fast.credit_ledger) == (
        full.received,
        full.reversed,
        full.credit_held,
        full.credit_ledger,
    )
    assert {k: v for k, v in fast.by_type.items() if v} == {k: v for k, v in full.by_type.items() if v}
    assert [p for p in fast.problems if not p.startswith("paid_")] == full.problems == []


def _mix(agent, manager, refresh):
    """Two products; posts across a month end, a reversal, late fees and penalty accrued by the daily job,
    a fee charged by hand, a waiver and an early settlement, with `refresh` called between the steps."""
    plain = make_loan(
        principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal", late_fee=D("30.00")
    )
    # 2% upfront on 6,000.00: 120.00 of January's upfront fee income
    car = make_product(name="Car", late_fee=D("20.00"), upfront_fee_rate=D("0.02"))
    other = make_loan(product=car, principal="6000.00")
    # the daily job marks installment 1 overdue on 02-05: late fee 30.00 and penalty accrued
    jobs.overdue_run(date(2026, 2, 5))
    refresh()
    _post(plain, "1200.00", "M1", datetime(2026, 2, 5, 15, tzinfo=SH))
    bounced = _post(plain, "50.00", "M2", datetime(2026, 2, 5, 16, tzinfo=SH))
    refresh()
    # reversed after the refresh folded it in: the negative rows come after the watermark
    with time_machine.travel(datetime(2026, 2, 6, 9, tzinfo=SH), tick=False):
        services.repayment_reverse(repayment=bounced, reason="card chargeback")
    # 23:30 on 02-28 in Beijing is 15:30 UTC: February's, not March's
    _post(other, "100.00", "M3", datetime(2026, 2, 28, 23, 30, tzinfo=SH))
    refresh()
    jobs.overdue_run(date(2026, 3, 9))
    installment = Installment.objects.get(loan=other, number=2, is_current=True)
    services.fee_charge(loan=other, kind="late_fee", amount=D("25.00"), installment=installment)
    waiver = services.fee_waiver_request(loan=other, amount=D("3.00"), reason="hospital stay", requested_by=agent)
    services.fee_waiver_approve(waiver=waiver, approved_by=manager, note="ok")
    # a waiver of part of the upfront fee changes the charge in place, after the refresh folded it in
    FeeCharge.objects.filter(loan=other, clause__kind="upfront_fee").update(waived=D("20.01"))
    # 00:10 on 03-01 in Beijing is still February in UTC: March's here
    _post(other, "700.00", "M4", datetime(2026, 3, 1, 0, 10, tzinfo=SH))
    refresh()
    at = datetime(2026, 3, 10, 11, tzinfo=SH)
    with time_machine.travel(at, tick=False):
        quote = services.settlement_quote(loan=plain, as_of=date(2026, 3, 10))
        services.loan_settle(
            loan=plain, amount=quote.total + D("100.00"), received_at=at, channel="app", external_id="M5"
        )
    _post(other, "20000.00", "M6", datetime(2026, 3, 11, 9, tzinfo=SH))  # pays it off and leaves credit
    return plain, other


@pytest.mark.django_db
@pytest.mark.parametrize("refresh_when", ["never", "between_steps", "only_at_the_end"])
def test_pages_equal_a_full_recomputation_whenever_the_refresh_runs(agent, manager, refresh_when):
    # given every kind of money movement, with the summary refreshed never, between the steps, or once at the end
    _mix(agent, manager, ledger.ledger_refresh if refresh_when == "between_steps" else lambda: None)
    if refresh_when == "only_at_the_end":
        ledger.ledger_refresh()
    # then revenue of every month and the reconciliation equal the full recomputation from the raw rows
    _assert_exact()
    assert ledger.summary_differences() == []
    full = reconciliation_full()
    assert full.credit_held > 0 and full.by_type["penalty"] > 0 and full.by_type["fee"] > 0
    # 120.00 charged at disbursement − 20.01 waived
    assert revenue_report(year=2026, month=1)[1].upfront_fee == D("99.99")
    # and a second refresh changes nothing
    ledger.ledger_refresh()
    _assert_exact()


@pytest.mark.django_db
def test_february_by_hand_with_a_refresh_between_post_and_reversal(agent, manager):
    # given 1,200.00 and 50.00 posted on 02-05, folded in, then the 50.00 reversed (after the watermark)
    plain, _other = _mix(agent, manager, ledger.ledger_refresh)
    rows, total = revenue_report(year=2026, month=2)
    by_product = {row.product: row for row in rows}
    # then February: plain's 1,200.00 = penalty 2.00 + fee 30.00 + interest 120.00 + principal 1,000.00
    # + 48.00 interest of installment 2; the 50.00 nets to 0; Car's 100.00 at 23:30 on 02-28 is February's
    assert (by_product[plain.product.name].interest, by_product[plain.product.name].principal) == (
        D("168.00"),
        D("1000.00"),
    )
    assert by_product["Car"].income + by_product["Car"].principal == D("100.00")
    assert total.income + total.principal + total.credit == D("1300.00")


@pytest.mark.django_db
def test_the_pages_read_the_summary_not_every_row():
    # given a payment folded into the summary
    loan = make_loan(principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal")
    _post(loan, "1120.00", "S1", datetime(2026, 2, 1, 10, tzinfo=SH))
    ledger.ledger_refresh()
    # when the stored month is altered behind the ledger's back
    LedgerMonth.objects.filter(month=date(2026, 2, 1), income_type="interest").update(amount=D("999.99"))
    # then the report shows it (it reads the summary), and the full check tells the difference
    assert revenue_report(year=2026, month=2)[1].interest == D("999.99")
    assert reconciliation().by_type["interest"] == D("999.99")
    assert reconciliation_full().by_type["interest"] == D("120.00")
    # and the nightly check finds exactly that cell and rebuilds the summary from the raw rows
    result = ledger.ledger_check()
    assert [(month, kind, kept, raw) for month, _product, kind, kept, raw in result["summary_differences"]] == [
        (date(2026, 2, 1), "interest", D("999.99"), D("120.00"))
    ]
    assert revenue_report(year=2026, month=2)[1].interest == D("120.00")
    assert ledger.summary_differences() == []


@pytest.mark.django_db
def test_installment_check_is_shown_from_the_latest_full_check_with_its_time(client_manager):
    loan = make_loan(principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal")
    _post(loan, "1120.00", "C1", datetime(2026, 2, 1, 10, tzinfo=SH))
    # given no full check yet: the page says so
    page = client_manager.get(reverse("loans:reconciliation")).content.decode()
    assert "have not been checked" in page
    # when the nightly check runs at 01:10 on 02-02 and later an installment is changed behind the ledger's back
    with time_machine.travel(datetime(2026, 2, 2, 1, 10, tzinfo=SH), tick=False):
        assert tasks.ledger_check() == []
    Installment.objects.filter(loan=loan, number=1).update(interest_paid=D("119.99"))
    # then the page still shows the check's result with its time; the next full check finds the difference
    page = client_manager.get(reverse("loans:reconciliation")).content.decode()
    assert "2026-02-02 01:10" in page and "Balanced" in page
    assert tasks.ledger_check() == ["paid_interest"]
    rec = reconciliation()
    assert rec.problems == ["paid_interest"] and rec.installment_paid["interest"] == D("119.99")
    assert "Not balanced" in client_manager.get(reverse("loans:reconciliation")).content.decode()


@pytest.mark.django_db
def test_loans_reconcile_refreshes_checks_and_fails_on_a_difference():
    loan = make_loan(principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal")
    _post(loan, "1120.00", "K1", datetime(2026, 2, 1, 10, tzinfo=SH))
    call_command("loans_reconcile")
    state = LedgerState.objects.get()
    assert state.allocation_through == Allocation.objects.order_by("-id").first().id
    assert state.received == D("1120.00") and state.check_problems == []
    Loan.objects.filter(pk=loan.pk).update(credit_balance=D("5.00"))
    with pytest.raises(Exception, match="totals, credit"):
        call_command("loans_reconcile")


def test_beat_runs_the_refresh_every_five_minutes_and_the_check_nightly():
    assert BEAT_SCHEDULE["loans-ledger-refresh"] == {"task": "loans.tasks.ledger_refresh", "schedule": 300.0}
    assert BEAT_SCHEDULE["loans-ledger-check"]["task"] == "loans.tasks.ledger_check"


@pytest.mark.django_db
def test_the_daily_job_task_folds_the_day_in():
    loan = make_loan(principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal")
    _post(loan, "1120.00", "D1", datetime(2026, 2, 1, 10, tzinfo=SH))
    tasks.overdue_daily("2026-02-05")
    assert LedgerState.objects.get().allocation_through == Allocation.objects.order_by("-id").first().id


@pytest.mark.django_db
@pytest.mark.parametrize("payments", [1, 12])
def test_page_queries_do_not_grow_with_the_rows(client_manager, django_assert_max_num_queries, payments):
    loan = make_loan(principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal")
    for n in range(payments):
        _post(loan, "100.00", f"Q{n}", datetime(2026, 2, 1 + n, 10, tzinfo=SH))
    ledger.ledger_refresh()
    _post(loan, "100.00", "QL", datetime(2026, 2, 20, 10, tzinfo=SH))
    ledger.ledger_check()
    with django_assert_max_num_queries(12):
        assert client_manager.get(reverse("loans:revenue_report"), {"month": "2026-02"}).status_code == 200
    with django_assert_max_num_queries(12):
        assert client_manager.get(reverse("loans:reconciliation")).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("refresh_when", ["between_steps", "only_at_the_end"])
def test_pages_equal_a_full_recomputation_on_postgresql(agent, manager, refresh_when):
    # the same mix on PostgreSQL, the refresh outside any transaction (its SHARE lock released before the fold)
    _mix(agent, manager, ledger.ledger_refresh if refresh_when == "between_steps" else lambda: None)
    ledger.ledger_refresh()
    _assert_exact()
    assert reconciliation_full().balanced
    ledger.ledger_check()
    assert reconciliation().balanced
