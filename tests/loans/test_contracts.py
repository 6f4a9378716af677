"""Signing contracts: fee terms copied, schedule written, APR cap and unnamed fees refused (service and form)."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from aftersales.models import AuditEntry
from loans import services
from loans.models import ContractClause, FeeCharge, Installment
from tests.customers.factories import make_customer
from tests.loans.factories import make_loan, make_product

D = Decimal
pytestmark = pytest.mark.django_db


def test_fee_terms_are_copied_and_later_product_edits_do_not_change_the_contract():
    # given a product with a late fee, an early-repayment fee and an upfront fee
    product = make_product(late_fee=D("30.00"), early_repayment_fee_rate=D("0.02"), upfront_fee_rate=D("0.01"))
    loan = make_loan(product=product, principal="10000.00", annual_rate="0.12", term_months=12)
    # when the product's terms change afterwards
    product.late_fee = D("80.00")
    product.save()
    loan.refresh_from_db()
    # then the contract keeps what was signed, clause by clause
    assert (loan.late_fee, loan.early_repayment_fee_rate, loan.upfront_fee) == (D("30.00"), D("0.020000"), D("100.00"))
    kinds = {c.kind: c for c in loan.clauses.all()}
    assert set(kinds) == {"upfront_fee", "late_fee", "early_repayment_fee", "penalty_interest"}
    assert kinds["late_fee"].amount == D("30.00")
    # the upfront fee is a fee line pointing at its clause
    fee = FeeCharge.objects.get(loan=loan)
    assert (fee.amount, fee.clause.kind) == (D("100.00"), "upfront_fee")
    assert Installment.objects.filter(loan=loan).count() == 12
    assert AuditEntry.objects.filter(action="loan_create", object_id=str(loan.pk)).exists()


FEBRUARY = {"disbursement_date": date(2026, 2, 1), "first_due_date": date(2026, 3, 1)}


def test_contract_above_the_apr_cap_is_refused_with_both_figures():
    # 1,000.00 for February (28 days) at 12% with a 1% upfront fee: received 990, pays 1010 28 days later:
    # 12 × ((1010/990)^(365/336) − 1) = 26.36% > cap 24.00%
    with pytest.raises(services.ContractRefused) as refused:
        make_loan(principal="1000.00", annual_rate="0.12", term_months=1, upfront_fee_rate=D("0.01"), **FEBRUARY)
    message = " ".join(refused.value.messages)
    assert "26.36%" in message and "24.00%" in message


@override_settings(LOAN_APR_CAP=D("0.30"))
def test_the_cap_is_a_setting():
    loan = make_loan(principal="1000.00", annual_rate="0.12", term_months=1, upfront_fee_rate=D("0.01"), **FEBRUARY)
    assert loan.comprehensive_apr == D("0.263576")


def test_three_day_first_period_is_refused_although_one_month_apart_it_reads_22_92_percent():
    # given 10,000 at 19% over 12 months, equal installments, a 2% upfront fee and the first due date 3 days after
    # disbursement with a full month's interest (counted one month apart: 22.92%, under the cap)
    product = make_product(upfront_fee_rate=D("0.02"))
    # when it is signed, then on its actual dates it costs 26.95% and is refused at the 24% cap
    with pytest.raises(services.ContractRefused) as refused:
        make_loan(
            product=product,
            principal="10000.00",
            annual_rate="0.19",
            term_months=12,
            disbursement_date=date(2026, 1, 1),
            first_due_date=date(2026, 1, 4),
        )
    assert "26.95%" in " ".join(refused.value.messages)
    # and the same contract with a full first month is signed, its cost stored on the actual dates
    loan = make_loan(product=product, principal="10000.00", annual_rate="0.19", term_months=12)
    assert loan.comprehensive_apr == D("0.230172")


def test_regular_18_percent_contract_stores_18_percent():
    # 100,000 at 18% over 36 months, no fees, disbursed 2026-01-01, due on the 1st: 18.0195% (± 0.02 points)
    loan = make_loan(principal="100000.00", annual_rate="0.18", term_months=36)
    assert abs(loan.comprehensive_apr - D("0.18")) <= D("0.0002")
    assert loan.comprehensive_apr == D("0.180195")


def test_a_fee_is_costed_on_its_due_date_and_stored():
    # given 12,000 at 12% over 12 months from 2026-01-01 (cost 12.05% on its dates) with a late-fee clause
    loan = make_loan(late_fee=D("30.00"))
    before = loan.comprehensive_apr
    assert before == D("0.120500")
    installment = loan.installments.get(number=1)
    # when a 30.00 fee is charged on installment 1
    services.fee_charge(loan=loan, kind="late_fee", amount=D("30.00"), installment=installment)
    # then the contract's cost is computed again with the fee on 2026-02-01 and stored: higher than before
    loan.refresh_from_db()
    assert loan.comprehensive_apr > before
    assert D("0.1250") < loan.comprehensive_apr < D("0.1300")


def test_a_fee_that_takes_the_cost_above_the_cap_is_refused_and_nothing_is_charged():
    # given 1,000 at 12% for one month (a 31-day January: 11.77%) with a late-fee clause
    loan = make_loan(principal="1000.00", annual_rate="0.12", term_months=1, late_fee=D("20.00"))
    installment = loan.installments.get()
    # when a 20.00 fee is charged on its only installment: 1000 → 1030 in 31 days ≈ 35%
    with pytest.raises(services.FeeNotInContract) as refused:
        services.fee_charge(loan=loan, kind="late_fee", amount=D("20.00"), installment=installment)
    # then it is refused with both figures, and nothing changed
    assert "24.00%" in " ".join(refused.value.messages)
    installment.refresh_from_db()
    loan.refresh_from_db()
    assert installment.fees_due == 0 and not FeeCharge.objects.filter(loan=loan).exists()
    assert loan.comprehensive_apr == D("0.117731")


def test_a_fee_the_contract_does_not_name_cannot_be_charged():
    # given a contract without a late-fee clause (the product has no late fee)
    loan = make_loan(late_fee=D("0"))
    installment = loan.installments.first()
    # when someone tries to charge a late fee
    with pytest.raises(services.FeeNotInContract) as refused:
        services.fee_charge(loan=loan, kind=ContractClause.Kind.LATE_FEE, amount=D("50"), installment=installment)
    # then it is refused, naming the contract, and nothing was charged
    assert loan.contract_number in refused.value.messages[0]
    installment.refresh_from_db()
    assert installment.fees_due == 0
    assert not FeeCharge.objects.filter(loan=loan).exists()


def test_a_named_fee_is_charged_under_its_clause():
    loan = make_loan(late_fee=D("25.00"))
    installment = loan.installments.first()
    charge = services.fee_charge(loan=loan, kind="late_fee", amount=D("25.00"), installment=installment)
    installment.refresh_from_db()
    assert (charge.clause.reference, installment.fees_due) == ("5.2", D("25.00"))


def _form(product, customer, **extra):
    data = {
        "customer_number": customer.customer_number,
        "product": product.pk,
        "principal": "1000.00",
        "annual_rate_percent": "12",
        "term_months": "1",
        "disbursement_date": "2026-01-01",
        "first_due_date": "2026-02-01",
        "purpose": "装修",
    }
    data.update(extra)
    return data


def test_form_previews_schedule_and_cost_without_saving(client_back_office):
    product, customer = make_product(), make_customer()
    response = client_back_office.post(reverse("loans:create"), _form(product, customer, preview="1"))
    assert response.status_code == 200
    # 1,000 → 1,010 after 31 days (January): 12 × (1.01^(365/372) − 1) = 11.77%
    assert response.context["preview"].apr == D("0.117731")
    assert "1,010.00" in response.content.decode()
    assert not customer.loans.exists()


def test_form_refuses_a_contract_above_the_cap_and_keeps_the_input(client_back_office):
    product, customer = make_product(upfront_fee_rate=D("0.01")), make_customer()
    data = _form(
        product, customer, save="1", purpose="买车", disbursement_date="2026-02-01", first_due_date="2026-03-01"
    )
    response = client_back_office.post(reverse("loans:create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "26.36%" in page and "24.00%" in page
    # the refusal stands beside the rate field
    assert "26.36%" in " ".join(response.context["form"].errors["annual_rate_percent"])
    assert 'value="买车"' in page and 'value="1000.00"' in page
    assert not customer.loans.exists()


def test_form_refuses_an_unnamed_fee_and_keeps_the_input(client_back_office):
    product, customer = make_product(), make_customer()
    data = _form(product, customer, save="1", extra_fee_name="账户管理费", extra_fee_amount="20")
    response = client_back_office.post(reverse("loans:create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "账户管理费" in page and "cannot be charged" in page
    assert not customer.loans.exists()


def test_form_signs_a_valid_contract(client_back_office):
    product, customer = make_product(), make_customer()
    response = client_back_office.post(reverse("loans:create"), _form(product, customer, save="1"))
    loan = customer.loans.get()
    assert response.status_code == 302 and response.url == loan.get_absolute_url()
    assert loan.comprehensive_apr == D("0.117731")


def test_form_refuses_the_three_day_first_period_beside_the_rate_and_keeps_the_input(client_back_office):
    # given the 10,000 at 19%, 12 months, 2% fee contract whose first due date is 3 days after disbursement
    product, customer = make_product(upfront_fee_rate=D("0.02")), make_customer()
    data = _form(
        product,
        customer,
        save="1",
        principal="10000.00",
        annual_rate_percent="19",
        term_months="12",
        disbursement_date="2026-01-01",
        first_due_date="2026-01-04",
    )
    # when back office signs it
    response = client_back_office.post(reverse("loans:create"), data)
    # then nothing is signed, the message with both figures stands beside the rate, and the input is kept
    assert response.status_code == 200 and not customer.loans.exists()
    errors = " ".join(response.context["form"].errors["annual_rate_percent"])
    assert "26.95%" in errors and "24.00%" in errors
    page = response.content.decode()
    assert 'value="2026-01-04"' in page and 'value="10000.00"' in page


def test_terms_outside_the_product_ranges_are_refused():
    product = make_product(min_rate=D("0.10"), max_rate=D("0.20"), max_term=24)
    with pytest.raises(services.ContractRefused) as refused:
        make_loan(product=product, annual_rate="0.25", term_months=36)
    assert len(refused.value.messages) == 2
