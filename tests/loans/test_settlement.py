"""Early repayment: quote, full settlement, partial prepayment shortening the term or lowering the installment."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from loans import services
from loans.models import FeeCharge, Installment
from loans.selectors import reconciliation
from tests.loans.factories import make_loan

D = Decimal
SH = ZoneInfo("Asia/Shanghai")
FEB1 = datetime(2026, 2, 1, 10, tzinfo=SH)
FEB16 = datetime(2026, 2, 16, 10, tzinfo=SH)
pytestmark = pytest.mark.django_db


def _loan(**kw):
    # 12,000.00 at 12%, equal principal, 2% early-repayment fee; installment 1 (1,120.00) paid on 02-01
    values = {"early_repayment_fee_rate": D("0.02")}
    values.update(kw)
    with time_machine.travel(FEB1):
        loan = make_loan(principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal", **values)
        services.repayment_post(
            loan=loan, amount=D("1120.00"), received_at=FEB1, channel="app", external_id=f"I1-{loan.pk}"
        )
    return loan


def _current(loan):
    return list(Installment.objects.filter(loan=loan, is_current=True).order_by("number", "id"))


def test_quote_is_principal_plus_accrued_interest_plus_fee():
    loan = _loan()
    quote = services.settlement_quote(loan=loan, as_of=date(2026, 2, 16))
    # 11,000.00 not yet due; 15 days since 02-01: 11000 × 0.12 × 15 / 360 = 55.00; fee 2% × 11000 = 220.00
    assert (quote.arrears, quote.future_principal, quote.days, quote.accrued_interest, quote.fee) == (
        D("0"),
        D("11000.00"),
        15,
        D("55.00"),
        D("220.00"),
    )
    assert quote.total == D("11275.00")


def test_fee_is_waived_after_the_contract_months():
    loan = _loan(early_repayment_fee_waived_after_months=1)
    quote = services.settlement_quote(loan=loan, as_of=date(2026, 2, 16))
    assert (quote.fee_waived, quote.fee, quote.total) == (True, D("0"), D("11055.00"))


@time_machine.travel(FEB16)
def test_full_settlement_closes_the_loan_and_keeps_the_old_schedule_as_history():
    loan = _loan()
    with pytest.raises(services.LoanError):
        services.loan_settle(loan=loan, amount=D("11000"), received_at=FEB16, channel="app", external_id="S0")
    services.loan_settle(loan=loan, amount=D("11275.00"), received_at=FEB16, channel="app", external_id="S1")
    loan.refresh_from_db()
    assert loan.status == "closed"
    rows = _current(loan)
    settlement = rows[-1]
    assert (settlement.due_date, settlement.principal_due, settlement.interest_due, settlement.fees_due) == (
        date(2026, 2, 16),
        D("11000.00"),
        D("55.00"),
        D("220.00"),
    )
    assert Installment.objects.filter(loan=loan, is_current=False).count() == 11
    assert FeeCharge.objects.get(loan=loan, installment=settlement).clause.kind == "early_repayment_fee"
    assert reconciliation().balanced


@time_machine.travel(FEB16)
def test_partial_prepayment_shortens_the_term():
    loan = _loan()
    # prepay 6,000.00: interest on it 55 × 6000/11000 = 30.00, fee 120.00 → 6,150.00 today
    services.loan_settle(
        loan=loan,
        amount=D("6150.00"),
        received_at=FEB16,
        channel="app",
        external_id="P1",
        prepay_principal=D("6000"),
        option="shorten_term",
    )
    future = [r for r in _current(loan) if r.due_date > date(2026, 2, 16)]
    # 5,000.00 left at the same 1,000.00 a month → 5 installments; first interest 5000 × 0.01 = 50.00
    assert [r.principal_due for r in future] == [D("1000.00")] * 5
    assert future[0].interest_due == D("50.00") and future[0].due_date == date(2026, 3, 1)
    loan.refresh_from_db()
    assert loan.status == "active" and loan.credit_balance == 0


@time_machine.travel(FEB16)
def test_partial_prepayment_lowers_the_installment():
    loan = _loan()
    services.loan_settle(
        loan=loan,
        amount=D("6150.00"),
        received_at=FEB16,
        channel="app",
        external_id="P2",
        prepay_principal=D("6000"),
        option="lower_installment",
    )
    future = [r for r in _current(loan) if r.due_date > date(2026, 2, 16)]
    # 5,000.00 over the same 11 months: 5000 / 11 = 454.545… → 454.55, the last 5000 − 10 × 454.55 = 454.50
    assert len(future) == 11
    assert future[0].principal_due == D("454.55") and future[-1].principal_due == D("454.50")
    assert sum(r.principal_due for r in future) == D("5000.00")
