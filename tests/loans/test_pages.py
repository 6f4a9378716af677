"""The loan list (search, filters, paging, constant queries) and the loan page (constant queries for any term)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from loans import jobs
from loans.models import Loan
from tests.customers.factories import make_customer
from tests.loans.factories import make_loan, make_product

D = Decimal
pytestmark = pytest.mark.django_db


def _count_queries(client, url, django_assert_num_queries_callable=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_loan_page_queries_do_not_grow_with_the_term(client_back_office):
    product = make_product(late_fee=D("20.00"), early_repayment_fee_rate=D("0.01"))
    short = make_loan(product=product, term_months=6)
    long = make_loan(product=product, principal="500000.00", annual_rate="0.06", term_months=360)
    jobs.overdue_run(date(2026, 6, 1))
    short_count = _count_queries(client_back_office, reverse("loans:detail", args=[short.pk]))
    long_count = _count_queries(client_back_office, reverse("loans:detail", args=[long.pk]))
    assert short_count == long_count


def test_loan_page_shows_terms_schedule_fee_lines_and_quote(client_agent):
    loan = make_loan(late_fee=D("30.00"), term_months=6)
    jobs.overdue_run(date(2026, 2, 10))
    page = client_agent.get(reverse("loans:detail", args=[loan.pk])).content.decode()
    assert "§5.2" in page and "A late fee of ¥30.00" in page
    assert 'data-testid="schedule"' in page and 'data-testid="fee-lines"' in page and 'data-testid="quote"' in page
    assert 'href="#clause-' in page
    assert "Post repayment" not in page  # agents do not post money
    assert "Propose repayment plan" in page


def test_list_search_by_contract_name_number_and_mobile(client_agent):
    alice = make_customer(name="李爱丽", mobile="13812345678")
    bob = make_customer(name="王博")
    a = make_loan(customer=alice)
    b = make_loan(customer=bob)
    url = reverse("loans:list")

    def found(**params):
        return {loan.pk for loan in client_agent.get(url, params).context["page"].object_list}

    assert found(q=a.contract_number) == {a.pk}
    assert found(q="爱丽") == {a.pk}
    assert found(q=bob.customer_number) == {b.pk}
    assert found(q="138 1234 5678") == {a.pk}
    assert found(q="13812345679") == set()


def test_list_filters(client_agent):
    p1, p2 = make_product(), make_product()
    a = make_loan(product=p1, first_due_date=date(2026, 2, 1))
    b = make_loan(product=p2, first_due_date=date(2026, 2, 20))
    Loan.objects.filter(pk=b.pk).update(bucket="M2", dpd=40, status="active")
    url = reverse("loans:list")

    def found(**params):
        return {loan.pk for loan in client_agent.get(url, params).context["page"].object_list}

    assert found(product=p1.pk) == {a.pk}
    assert found(bucket="M2") == {b.pk}
    assert found(due_from="2026-02-10", due_to="2026-02-28") == {b.pk}
    assert found(status="closed") == set()
    assert "No loan matches" in client_agent.get(url, {"status": "closed"}).content.decode()


def test_list_queries_are_constant(client_agent, django_assert_max_num_queries):
    product = make_product()
    customer = make_customer()
    for _ in range(3):
        make_loan(product=product, customer=customer)
    url = reverse("loans:list")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client_agent.get(url)
    for _ in range(5):
        make_loan(product=product, customer=customer)
    with CaptureQueriesContext(connection) as more:
        client_agent.get(url)
    assert len(few.captured_queries) == len(more.captured_queries)


def test_customer_panel_and_timeline():
    from loans.portal import customer_panels, customer_timeline

    customer = make_customer()
    loan = make_loan(customer=customer, term_months=6)
    panel = customer_panels(None, customer)[0]
    assert panel.count == 1
    shown = panel.context["loans"][0]
    assert shown.next_installment.due_date == date(2026, 2, 1)
    assert shown.next_installment.outstanding > 0
    events = customer_timeline(customer)
    assert events[0].kind == "loan" and loan.contract_number in events[0].text
