"""In a real browser: back office previews a contract, signs it, posts a repayment; the early-repayment form
shows the partial-prepayment fields only when asked (static/js/loans.js)."""

import pytest

from aftersales import permissions as roles
from tests.conftest import browser_login
from tests.customers.factories import make_customer
from tests.loans.factories import make_product


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_back_office_previews_signs_and_posts(page, make_staff):
    # given
    make_staff("bo_web", roles.BACK_OFFICE)
    product = make_product(name="随心贷", late_fee="30.00")
    customer = make_customer(name="王晓明")
    browser_login(page, "bo_web")

    # when: the contract is previewed
    page.goto("/loans/new/")
    page.fill("input[name=customer_number]", customer.customer_number)
    page.select_option("select[name=product]", str(product.pk))
    page.fill("input[name=principal]", "12000")
    page.fill("input[name=annual_rate_percent]", "12")
    page.fill("input[name=term_months]", "12")
    page.click("button[name=preview]")
    page.wait_for_load_state()

    # then: the schedule and the cost are shown, nothing saved, the input kept
    assert page.locator("[data-testid=preview-schedule] tbody tr").count() == 12
    # on the actual dates (today → the same day next month, 28–31 days) 12% a month apart reads 11.5–12.5%
    shown = page.locator("[data-testid=preview]").inner_text()
    cost = float(shown.split("Comprehensive annual cost")[1].split("%")[0])
    assert 11.5 < cost < 12.5 and "cap 24.00%" in shown
    assert page.input_value("input[name=principal]") == "12000"

    # when: it is signed (the confirm dialog accepted) and a repayment posted
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("button[name=save]")
    page.wait_for_load_state()
    assert "§5.2" in page.locator("[data-testid=clauses]").inner_text()
    page.click("text=Post repayment")
    page.fill("input[name=amount]", "500")
    page.fill("input[name=external_id]", "BANK-0001")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()

    # then
    assert "BANK-0001" in page.locator("[data-testid=repayments]").inner_text()

    # when: the early-repayment form opens, the partial fields are hidden until "Partial prepayment" is chosen
    page.click("text=Early repayment")
    page.wait_for_load_state()
    assert not page.is_visible("input[name=prepay_principal]")
    page.check("input[name=mode][value=partial]")
    assert page.is_visible("input[name=prepay_principal]")
