"""Search: name (part), customer number, exact mobile in any typed form, exact ID number; never on ciphertext."""

import pytest

from customers.selectors import customer_list, customer_search
from tests.customers.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(back_office):
    wang = make_customer(actor=back_office, name="王晓明", national_id="11010519491231002X", mobile="13812345678")
    li = make_customer(actor=back_office, name="李晓红", national_id="110105199001011232", mobile="13900001111")
    return wang, li


@pytest.mark.parametrize("query", ["13812345678", "+86 138 1234 5678", "138-1234-5678", "008613812345678"])
def test_exact_mobile_finds_the_customer(people, query):
    assert list(customer_search(query)) == [people[0]]


@pytest.mark.parametrize("query", ["11010519491231002X", "11010519491231002x", "110105 19491231 002X"])
def test_exact_id_number_finds_the_customer(people, query):
    assert list(customer_search(query)) == [people[0]]


def test_partial_mobile_or_id_finds_nothing(people):
    # only exact values are searchable: the stored values are encrypted
    assert list(customer_search("1381234")) == []
    assert list(customer_search("110105194912")) == []


def test_name_part_and_customer_number(people):
    wang, li = people
    assert set(customer_search("晓")) == {wang, li}
    assert list(customer_search("晓红")) == [li]
    assert list(customer_search(wang.customer_number.lower())) == [wang]


def test_filters(people, back_office):
    from customers.services import consent_record, customer_update

    wang, li = people
    customer_update(customer=li, actor=back_office, preferred_language="en", voice_opt_out=True)
    consent_record(customer=wang, granted=True, channel="contract", actor=back_office)
    assert list(customer_list(language="en")) == [li]
    assert list(customer_list(contact="voice_opt_out")) == [li]
    assert list(customer_list(contact="reachable")) == [wang]
    assert list(customer_list(consent="granted")) == [wang]
    assert list(customer_list(consent="none")) == [li]
    consent_record(customer=wang, granted=False, channel="hotline", actor=back_office)
    assert list(customer_list(consent="granted")) == []


def test_find_by_mobile_and_email_for_inbound_messages(people):
    from customers.selectors import customer_match

    wang, _li = people
    assert customer_match(mobile="+8613812345678").customer == wang
    assert customer_match(mobile="13800000000").customer is None
    assert customer_match(mobile="not a number").customer is None
    assert customer_match(email=wang.email.upper()).customer == wang
    assert customer_match(email="nobody@example.com").customer is None
