"""Schedule arithmetic against hand-computed figures, and properties over every method, term and rate."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans.schedule import add_months, generate_schedule

D = Decimal


def test_one_month_loan_pays_principal_and_one_month_interest():
    # given 1,000.00 at 12% for one month: r = 0.01, interest = 1000 × 0.01 = 10.00
    lines = generate_schedule(
        principal=D("1000.00"),
        annual_rate=D("0.12"),
        term_months=1,
        method="equal_installment",
        first_due_date=date(2026, 3, 15),
    )
    # then one line of 1,010.00 that leaves nothing owed
    assert [(line.principal, line.interest, line.payment, line.balance) for line in lines] == [
        (D("1000.00"), D("10.00"), D("1010.00"), D("0.00"))
    ]


def test_zero_rate_loan_is_principal_over_n():
    # given 1,000.00 at 0% over 3 months: A = 1000 / 3 = 333.333… → 333.33; the last takes 1000 − 666.66 = 333.34
    lines = generate_schedule(
        principal=D("1000.00"),
        annual_rate=D("0"),
        term_months=3,
        method="equal_installment",
        first_due_date=date(2026, 1, 10),
    )
    assert [line.payment for line in lines] == [D("333.33"), D("333.33"), D("333.34")]
    assert all(line.interest == 0 for line in lines)


def test_36_month_100000_at_18_percent():
    # r = 0.18 / 12 = 0.015; (1.015)^36 = 1.709139538…; A = 100000 × 0.015 × 1.709139538 / 0.709139538
    #   = 3615.239977… → 3615.24
    # line 1: interest 100000 × 0.015 = 1500.00, principal 3615.24 − 1500.00 = 2115.24, balance 97884.76
    # line 2: interest 97884.76 × 0.015 = 1468.2714 → 1468.27, principal 2146.97, balance 95737.79
    lines = generate_schedule(
        principal=D("100000.00"),
        annual_rate=D("0.18"),
        term_months=36,
        method="equal_installment",
        first_due_date=date(2026, 1, 31),
    )
    assert (lines[0].interest, lines[0].principal, lines[0].balance) == (D("1500.00"), D("2115.24"), D("97884.76"))
    assert (lines[1].interest, lines[1].principal, lines[1].balance) == (D("1468.27"), D("2146.97"), D("95737.79"))
    assert {line.payment for line in lines[:-1]} == {D("3615.24")}
    # the last line pays the 3,561.83 still owed plus its interest 3561.83 × 0.015 = 53.43 → 3,615.26
    assert (lines[-1].principal, lines[-1].interest, lines[-1].payment) == (D("3561.83"), D("53.43"), D("3615.26"))
    assert sum(line.principal for line in lines) == D("100000.00")
    # due dates keep the 31st, clamped to the month end
    assert [line.due_date for line in lines[:3]] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]


def test_equal_principal_shares_and_declining_interest():
    # 10,000.00 at 12% over 3: share 3333.33; interest 100.00, 66.67 (6666.67 × 0.01), 33.33; last principal 3333.34
    lines = generate_schedule(
        principal=D("10000.00"),
        annual_rate=D("0.12"),
        term_months=3,
        method="equal_principal",
        first_due_date=date(2026, 1, 5),
    )
    assert [(line.principal, line.interest) for line in lines] == [
        (D("3333.33"), D("100.00")),
        (D("3333.33"), D("66.67")),
        (D("3333.34"), D("33.33")),
    ]


def test_interest_only_balloon():
    # 50,000.00 at 24%: 1,000.00 interest a month, all principal with the last
    lines = generate_schedule(
        principal=D("50000.00"),
        annual_rate=D("0.24"),
        term_months=3,
        method="interest_only",
        first_due_date=date(2026, 1, 5),
    )
    assert [line.payment for line in lines] == [D("1000.00"), D("1000.00"), D("51000.00")]
    assert lines[-1].balance == 0


def test_leap_february_and_month_end_clamping():
    assert add_months(date(2028, 1, 31), 1, 31) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3, 30) == date(2027, 2, 28)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError):
        generate_schedule(
            principal=D("1"), annual_rate=D("0"), term_months=1, method="bullet", first_due_date=date(2026, 1, 1)
        )


@settings(max_examples=150, deadline=None)
@given(
    principal=st.decimals(min_value=D("1000.00"), max_value=D("1000000.00"), places=2),
    rate=st.decimals(min_value=D("0"), max_value=D("0.36"), places=6),
    term=st.integers(min_value=1, max_value=360),
    method=st.sampled_from(["equal_installment", "equal_principal", "interest_only"]),
)
def test_principal_column_sums_exactly_and_installments_are_level(principal, rate, term, method):
    lines = generate_schedule(
        principal=principal, annual_rate=rate, term_months=term, method=method, first_due_date=date(2026, 1, 31)
    )
    assert len(lines) == term
    assert sum(line.principal for line in lines) == principal
    assert lines[-1].balance == 0
    assert all(line.principal >= 0 and line.interest >= 0 for line in lines)
    assert all(line.payment == line.principal + line.interest for line in lines)
    if method == "equal_installment":
        assert len({line.payment for line in lines[:-1]}) <= 1
    if rate == 0:
        assert all(line.interest == 0 for line in lines)
