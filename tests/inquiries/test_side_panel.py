"""The agent's side panel (inquiry page, hotline lookup) and the queue's search box (#15)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from complaints.models import Complaint
from complaints.selectors import customer_open_complaints
from customers.models import ConsentRecord
from customers.services import consent_record
from inquiries import services
from inquiries.api import register_side_panel_complaints
from inquiries.models import Inquiry
from loans.jobs import overdue_run
from tests.complaints.factories import make_complaint
from tests.inquiries.factories import make_customer, make_inquiry
from tests.loans.factories import make_loan


@pytest.fixture(autouse=True)
def _complaints_source():
    # complaints' AppConfig.ready() registers this (the lead's one line); registering again changes nothing
    register_side_panel_complaints(customer_open_complaints)


def _customer_with_history(*, loans: int = 1, complaints: int = 1, inquiries: int = 1):
    customer = make_customer(mobile="+8613812345678", name="王晓明")
    for n in range(loans):
        # the first loan: first installment due 2026-02-01, unpaid; on 2026-03-01 it is 28 days past due
        make_loan(customer=customer, principal="12000.00", first_due_date=date(2026, 2, 1 + n % 27))
    overdue_run(date(2026, 3, 1))
    for _ in range(complaints):
        make_complaint(customer=customer)
    closed = make_complaint(customer=customer, summary="Old matter")
    Complaint.objects.filter(pk=closed.pk).update(status=Complaint.Status.CLOSED)
    consent_record(customer=customer, granted=True, channel=ConsentRecord.Channel.choices[0][0], actor=None)
    for _ in range(inquiries):
        make_inquiry(customer=customer, phone="+8613812345678", body="Earlier question")
    return customer


def test_inquiry_page_side_panel_shows_loans_complaints_consent_and_contacts(client_agent):
    # given a customer with an overdue loan, an open and a closed complaint, consent, an earlier inquiry, SMS opt-out
    customer = _customer_with_history()
    customer.sms_opt_out = True
    customer.save(update_fields=["sms_opt_out"])
    inquiry = make_inquiry(customer=customer, phone="+8613812345678")
    open_complaint = Complaint.objects.filter(customer=customer).exclude(status=Complaint.Status.CLOSED).get()
    # when the agent opens the inquiry
    page = client_agent.get(inquiry.get_absolute_url()).content.decode()
    # then the side panel links the 360 page and shows the loan's DPD and balance, the open complaint only,
    # consent, the opt-out and the earlier inquiry; the mobile is masked
    assert f'href="{reverse("customers:detail", args=[customer.pk])}" data-testid="customer-360"' in page
    loan = customer.loans.get()
    assert loan.contract_number in page
    assert loan.dpd > 0 and f"{loan.dpd} days overdue" in page
    assert open_complaint.reference in page
    closed = Complaint.objects.get(customer=customer, status=Complaint.Status.CLOSED)
    assert closed.reference not in page
    assert 'data-testid="sms-opt-out"' in page
    assert "consented" in page
    assert "Earlier question" in page
    assert "138****5678" in page and "13812345678" not in page


def test_side_panel_queries_do_not_grow_with_the_customers_history(client_agent, django_assert_max_num_queries):
    # given a customer with 1 loan, 1 complaint, 1 inquiry, and another with 8, 8, 12
    small = _customer_with_history(loans=1, complaints=1, inquiries=1)
    inquiry = make_inquiry(customer=small, phone="+8613812345678")
    client_agent.get(inquiry.get_absolute_url())  # warm (session, content types)
    cache.clear()  # the banners' shared few-second caches: both runs read them
    with django_assert_max_num_queries(30) as small_run:
        client_agent.get(inquiry.get_absolute_url())
    big = make_customer(mobile="+8613912345678", name="李四")
    for n in range(8):
        make_loan(customer=big, first_due_date=date(2026, 2, 1 + n))
        make_complaint(customer=big)
    for _ in range(12):
        make_inquiry(customer=big, phone="+8613912345678")
    big_inquiry = make_inquiry(customer=big, phone="+8613912345678")
    # when the agent opens the big customer's inquiry: the same number of queries, at most 5 rows per section
    cache.clear()
    with django_assert_max_num_queries(len(small_run.captured_queries)):
        response = client_agent.get(big_inquiry.get_absolute_url())
    panel = response.context["panel"]
    assert len(panel.contacts) == 5 and len(panel.loans) == 6 and len(panel.complaints) == 6
    assert "More loans on the customer 360 page" in response.content.decode()


def test_hotline_lookup_shows_the_side_panel_with_a_360_link(client_agent, django_assert_max_num_queries):
    customer = _customer_with_history()
    with django_assert_max_num_queries(14):
        response = client_agent.get(reverse("inquiries:customer_lookup"), {"mobile": "138 1234 5678"})
    page = response.content.decode()
    assert f'href="{reverse("customers:detail", args=[customer.pk])}" data-testid="caller-360"' in page
    assert 'data-testid="side-panel"' in page and 'hx-swap-oob="true"' in page
    assert customer.loans.get().contract_number in page


def test_hotline_lookup_of_a_shared_number_links_each_customer_but_shows_no_panel(client_agent):
    first = make_customer(mobile="+8613700001111", name="张三")
    second = make_customer(mobile="+8613700001111", name="张四")
    page = client_agent.get(reverse("inquiries:customer_lookup"), {"mobile": "13700001111"}).content.decode()
    for c in (first, second):
        assert reverse("customers:detail", args=[c.pk]) in page
    assert 'data-testid="side-panel"' not in page


# ---- the queue's search ---------------------------------------------------------------------------------------


@pytest.fixture
def searchable(agent):
    customer = make_customer(mobile="+8613812340001", name="赵丽颖")
    mine = make_inquiry(customer=customer, phone="+8613812340001")
    resolved = make_inquiry(customer=customer, phone="+8613812340001")
    services.inquiry_resolve(inquiry=resolved, actor=agent, category="answered", note="done")
    stranger = make_inquiry(phone="+8613812349999")  # an unknown sender: found by the mobile's hash only
    other = make_inquiry(customer=make_customer(name="钱七"))
    return {"customer": customer, "mine": mine, "resolved": resolved, "stranger": stranger, "other": other}


def _found(client, q: str) -> list[int]:
    response = client.get(reverse("inquiries:queue"), {"q": q})
    assert response.status_code == 200
    return [row.pk for row in response.context["page"].object_list]


def test_search_by_reference(client_agent, searchable):
    assert _found(client_agent, searchable["other"].reference.lower()) == [searchable["other"].pk]


def test_search_by_mobile_in_any_typed_form_finds_customer_and_sender(client_agent, searchable):
    assert _found(client_agent, "138 1234 0001") == [searchable["mine"].pk, searchable["resolved"].pk]
    assert _found(client_agent, "8613812340001") == [searchable["mine"].pk, searchable["resolved"].pk]
    assert _found(client_agent, "+86 138-1234-9999") == [searchable["stranger"].pk]


def test_search_by_name_and_customer_number_lists_open_first_then_resolved_newest_first(
    client_agent, searchable, agent
):
    older = make_inquiry(customer=searchable["customer"], phone="+8613812340001", minutes_ago=600)
    services.inquiry_resolve(inquiry=older, actor=agent, category="answered", note="done")
    expected = [searchable["mine"].pk, searchable["resolved"].pk, older.pk]
    assert _found(client_agent, "赵丽") == expected
    assert _found(client_agent, searchable["customer"].customer_number) == expected
    page = client_agent.get(reverse("inquiries:queue"), {"q": "赵丽"}).content.decode()
    assert "3 inquiries match “赵丽”" in page


def test_search_queries_are_bounded(client_agent, searchable, django_assert_max_num_queries):
    for _ in range(10):
        make_inquiry(customer=searchable["customer"], phone="+8613812340001")
    with django_assert_max_num_queries(14):
        client_agent.get(reverse("inquiries:queue"), {"q": "赵丽颖"})


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 51}, "q"),
        ({"q": "王"}, "q"),
        ({"q": "INQ-2612"}, "q"),
        ({"channel": "fax"}, "channel"),
        ({"view": "everything"}, "view"),
    ],
)
def test_bad_queue_parameters_get_a_form_error_not_a_500(client_agent, searchable, params, field):
    response = client_agent.get(reverse("inquiries:queue"), params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    # the queue still shows, without the bad parameter
    assert {row.pk for row in response.context["page"].object_list} == {
        i.pk for i in Inquiry.objects.exclude(status=Inquiry.Status.RESOLVED)
    }
    # an htmx refresh with the same address still swaps (200)
    assert client_agent.get(reverse("inquiries:queue"), params, HTTP_HX_REQUEST="true").status_code == 200


def test_search_error_is_shown_beside_the_field_and_keeps_the_input(client_agent, searchable):
    page = client_agent.get(reverse("inquiries:queue"), {"q": "王"}).content.decode()
    assert 'data-testid="q-error"' in page and 'value="王"' in page


def test_the_thread_reads_in_constant_queries_with_authors_and_sms_records(
    client_agent, agent, django_assert_max_num_queries
):
    # given an SMS inquiry answered twice by SMS (each reply with its outbound record and author)
    inquiry = make_inquiry(customer=make_customer(mobile="+8613812345679"), phone="+8613812345679")
    for n in range(2):
        services.inquiry_reply(inquiry=inquiry, author=agent, body=f"Answer {n}", via="sms")
    url = reverse("inquiries:detail", args=[inquiry.pk])
    with django_assert_max_num_queries(40) as small:
        page = client_agent.get(url).content.decode()
    # then each reply shows its author and its SMS status
    assert page.count("Answer 1") == 1 and agent.get_full_name() in page
    # when 8 more replies are added, the page runs no more queries (no field read later, one row at a time)
    for n in range(8):
        services.inquiry_reply(inquiry=inquiry, author=agent, body=f"More {n}", via="sms")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "More 7" in client_agent.get(url).content.decode()
