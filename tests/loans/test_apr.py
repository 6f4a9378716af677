"""Comprehensive annual cost (monthly IRR × 12) against hand-computed values."""

from datetime import date
from decimal import Decimal

from loans.apr import comprehensive_apr
from loans.schedule import generate_schedule

D = Decimal


def test_one_month_loan_without_fees_costs_its_rate():
    # 1000 received, 1010 paid a month later: i = 1010/1000 − 1 = 0.01 → × 12 = 0.1200
    assert comprehensive_apr(amount_received=D("1000"), payments=[D("1010")]) == D("0.1200")


def test_upfront_fee_raises_the_cost():
    # 990 received (10 upfront fee), 1010 paid: i = 1010/990 − 1 = 0.020202… → × 12 = 0.242424… → 0.2424
    assert comprehensive_apr(amount_received=D("990"), payments=[D("1010")]) == D("0.2424")


def test_zero_percent_loan_costs_nothing():
    # 1200 received, 12 × 100 paid: the IRR is exactly 0
    assert comprehensive_apr(amount_received=D("1200"), payments=[D("100")] * 12) == D("0.0000")


def test_two_month_loan_solved_by_hand():
    # 1000 received, 505 and 510.05 paid; at i = 1%: 505/1.01 = 500, 510.05/1.0201 = 500 → sum 1000 → 0.1200
    assert comprehensive_apr(amount_received=D("1000"), payments=[D("505"), D("510.05")]) == D("0.1200")


def test_36_month_100000_at_18_percent_costs_18_percent():
    # with no fees the IRR is the contract's monthly rate 0.015 (A rounded by under a cent) → × 12 = 0.1800
    lines = generate_schedule(
        principal=D("100000.00"),
        annual_rate=D("0.18"),
        term_months=36,
        method="equal_installment",
        first_due_date=date(2026, 2, 1),
    )
    assert comprehensive_apr(amount_received=D("100000.00"), payments=[line.payment for line in lines]) == D("0.1800")
