"""In a real browser: an agent finds a customer by mobile and sees masked values only; a manager reveals the ID
number with a reason and finds the reveal in the audit log."""

import re

import pytest

from aftersales import permissions as roles
from tests.conftest import browser_login
from tests.customers.factories import make_customer

ID = "11010519491231002X"
MOBILE = "13812345678"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_agent_sees_masked_values_and_a_managers_reveal_is_audited(page, make_staff):
    # given
    make_staff("agent_web", roles.AGENT)
    make_staff("manager_web", roles.MANAGER)
    wang = make_customer(
        name="王晓明", national_id=ID, mobile=MOBILE, bank_card="6222021234567890128", email="wangxm@example.com"
    )
    make_customer(name="李四")

    # when: the agent searches by the mobile as the customer says it
    browser_login(page, "agent_web")
    page.goto("/customers/")
    page.fill("input[name=q]", "138 1234 5678")
    page.click("[data-testid=customer-search] button[type=submit]")
    page.wait_for_load_state()

    # then: exactly that customer, masked
    rows = page.locator("[data-testid=customer-table] tbody tr")
    assert rows.count() == 1
    assert "王晓明" in rows.first.inner_text()
    assert "138****5678" in rows.first.inner_text()

    # when: the agent opens the 360 page
    rows.first.get_by_role("link", name="王晓明").click()
    page.wait_for_url(re.compile(rf"/customers/{wang.pk}/$"))

    # then: masked values only, and no way to reveal
    assert page.get_by_test_id("masked-id").inner_text() == "110***********002X"
    assert page.get_by_test_id("masked-mobile").inner_text() == "138****5678"
    html = page.content()
    for full in (ID, MOBILE, "8613812345678", "6222021234567890128", "wangxm@example.com"):
        assert full not in html
    assert page.get_by_test_id("pii-reveal").count() == 0

    # when: a manager reveals the ID number, giving a reason
    page.context.clear_cookies()
    browser_login(page, "manager_web")
    page.goto(f"/customers/{wang.pk}/")
    page.select_option("#reveal-field", "national_id")
    page.fill("#reveal-reason", "Identity check on hotline call 4711")
    page.get_by_test_id("reveal-button").click()

    # then: the full number appears once, in place
    revealed = page.get_by_test_id("revealed-value")
    revealed.wait_for()
    assert ID in revealed.inner_text()

    # and the audit log shows the reveal with who, what and why
    page.goto("/audit/?action=pii_reveal")
    table = page.get_by_test_id("audit-table").inner_text()
    assert "Personal data revealed" in table  # the action's label (the code stays in the cell's data-code)
    assert "manager_web" in table.lower()
    assert "Identity check on hotline call 4711" in table
    assert "national ID number" in table
    assert ID not in page.content()
