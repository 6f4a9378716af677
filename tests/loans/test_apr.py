"""Comprehensive annual cost on actual dates: daily IRR d, reported as 12 × ((1 + d)^(365/12) − 1)."""

from datetime import date
from decimal import Decimal, localcontext

import pytest

from loans.apr import CashFlow, annualised, comprehensive_cost, daily_irr, schedule_cash_flows
from loans.schedule import generate_schedule

D = Decimal


def _schedule(principal, rate, term, first_due, method="equal_installment"):
    return generate_schedule(
        principal=D(principal), annual_rate=D(rate), term_months=term, method=method, first_due_date=first_due
    )


def _npv(d: Decimal, received_on: date, flows: list[CashFlow]) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        return sum(f.amount / (1 + d) ** (f.on - received_on).days for f in flows)


def test_three_day_first_period_with_a_full_months_interest_costs_about_26_95_percent():
    # given 10,000 at 19% over 12 months, equal installments, a 2% upfront fee (200.00): the customer receives
    # 9,800.00 on 2026-01-01 and pays 921.57 on 2026-01-04 (3 days later, a full month's interest 158.33), then
    # on the 4th of every month, the last one 921.60
    lines = _schedule("10000.00", "0.19", 12, date(2026, 1, 4))
    flows = schedule_cash_flows(lines)
    assert flows[0] == CashFlow(date(2026, 1, 4), D("921.57"))
    # when the cost is computed on the actual dates
    d = daily_irr(received=D("9800.00"), received_on=date(2026, 1, 1), payments=flows)
    cost = annualised(d)
    # then d solves the equation and the cost is 26.9529%, over the 24% cap (the one-month-apart count said 22.92%)
    assert abs(_npv(d, date(2026, 1, 1), flows) - D("9800.00")) < D("1e-15")
    assert cost == D("0.269529")


def test_regular_18_percent_schedule_without_fees_reads_as_18_percent():
    # 100,000 at 18% over 36 months from 2026-01-01, due on the 1st: monthly IRR 1.5% → 18.00%; on actual
    # days (31, 28, 31, … days) it reads 18.0195%, within 0.02 percentage points
    lines = _schedule("100000.00", "0.18", 36, date(2026, 2, 1))
    cost = comprehensive_cost(
        received=D("100000.00"), received_on=date(2026, 1, 1), payments=schedule_cash_flows(lines)
    )
    assert abs(cost - D("0.18")) <= D("0.0002")
    assert cost == D("0.180195")


def test_one_payment_after_a_long_first_period_matches_the_closed_form():
    # 1,000.00 received on 2026-01-01, 1,020.00 paid 60 days later (2026-03-02):
    # (1 + d)^60 = 1.02 → (1 + d)^(365/12) = 1.02^(365/720) = 1.0100893900… → × 12 − 12 = 0.1210727 → 0.121073
    cost = comprehensive_cost(
        received=D("1000.00"), received_on=date(2026, 1, 1), payments=[CashFlow(date(2026, 3, 2), D("1020.00"))]
    )
    assert cost == D("0.121073")


def test_long_first_period_with_one_months_interest_costs_less_than_the_rate():
    # 3,000 at 12% over 3 months, first due 59 days after disbursement with only one month's interest (30.00):
    # the customer has the money a month longer for nothing, so the cost falls well below 12%
    lines = _schedule("3000.00", "0.12", 3, date(2026, 3, 1))
    flows = schedule_cash_flows(lines)
    d = daily_irr(received=D("3000.00"), received_on=date(2026, 1, 1), payments=flows)
    assert abs(_npv(d, date(2026, 1, 1), flows) - D("3000.00")) < D("1e-15")
    assert D("0.07") < annualised(d) < D("0.09")


def test_one_month_of_31_days_costs_less_than_12_times_the_monthly_rate():
    # 1,000 received 2026-01-01, 1,010 paid 2026-02-01 (31 days): 12 × (1.01^(365/372) − 1) = 0.1177309
    cost = comprehensive_cost(
        received=D("1000"), received_on=date(2026, 1, 1), payments=[CashFlow(date(2026, 2, 1), D("1010"))]
    )
    assert cost == D("0.117731")


def test_zero_percent_loan_with_a_cent_that_does_not_divide_costs_exactly_nothing():
    # 1,000.00 over 3 months at 0%: 333.33 + 333.33 + 333.34 — the payments sum to what was received
    lines = _schedule("1000.00", "0", 3, date(2026, 2, 1))
    assert [line.payment for line in lines] == [D("333.33"), D("333.33"), D("333.34")]
    cost = comprehensive_cost(received=D("1000.00"), received_on=date(2026, 1, 1), payments=schedule_cash_flows(lines))
    assert str(cost) == "0.000000"


def test_zero_percent_loan_with_an_upfront_fee_still_costs_something():
    # 0% but 1% upfront: 990.00 received for 1,000.00 repaid over 3 months → a positive cost
    lines = _schedule("1000.00", "0", 3, date(2026, 2, 1))
    cost = comprehensive_cost(received=D("990.00"), received_on=date(2026, 1, 1), payments=schedule_cash_flows(lines))
    assert D("0.05") < cost < D("0.07")


def test_fees_on_a_line_count_on_its_due_date():
    # a 12.00 fee on top of the single payment: 1,000 → 1,022 after 60 days costs more than 1,000 → 1,020
    class Line:
        due_date, principal, interest, fees = date(2026, 3, 2), D("1000.00"), D("10.00"), D("12.00")

    flows = schedule_cash_flows([Line()])
    assert flows == [CashFlow(date(2026, 3, 2), D("1022.00"))]


@pytest.mark.parametrize(
    ("received", "flows"),
    [
        (D("0"), [CashFlow(date(2026, 2, 1), D("10"))]),
        (D("100"), []),
        (D("100"), [CashFlow(date(2025, 12, 1), D("110"))]),
    ],
)
def test_impossible_cash_flows_are_refused(received, flows):
    with pytest.raises(ValueError):
        daily_irr(received=received, received_on=date(2026, 1, 1), payments=flows)
