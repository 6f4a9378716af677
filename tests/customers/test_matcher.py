"""The one customer matcher: every channel links an inbound contact to a customer by the same rule."""

import pytest

from customers.selectors import MatchStatus, customer_match
from tests.customers.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def wang(back_office):
    return make_customer(
        actor=back_office,
        name="王晓明",
        national_id="11010519491231002X",
        mobile="13812345678",
        email="wang.xm@example.com",
    )


@pytest.mark.parametrize(
    "typed",
    ["+8613812345678", "13812345678", "+86 138 1234 5678", "86 138 1234 5678", "8613812345678", "138-1234-5678"],
)
def test_every_typed_form_of_the_number_matches_the_one_customer(wang, typed):
    # given one customer with this mobile; when a contact arrives with the number typed in any form
    result = customer_match(mobile=typed)
    # then that customer is matched
    assert result.status is MatchStatus.MATCHED
    assert result.matched and not result.ambiguous
    assert result.customer == wang
    assert result.candidate_ids == [wang.pk]


def test_email_is_matched_case_insensitively_and_id_number_with_lower_case_x(wang):
    assert customer_match(email="  WANG.XM@Example.com ").customer == wang
    assert customer_match(national_id="11010519491231002x").customer == wang
    assert customer_match(national_id="110105 19491231 002X").customer == wang


def test_a_number_shared_by_two_customers_is_ambiguous_and_links_nobody(wang, back_office):
    # given a second customer with the same mobile (a family phone)
    li = make_customer(actor=back_office, name="李晓红", mobile="+86 138 1234 5678", email="li@example.com")
    # when a message arrives from that number alone
    result = customer_match(mobile="13812345678")
    # then nobody is linked automatically; both are offered to the agent
    assert result.status is MatchStatus.AMBIGUOUS
    assert result.customer is None
    assert sorted(result.candidate_ids) == sorted([wang.pk, li.pk])


def test_the_email_of_one_of_them_settles_a_shared_number(wang, back_office):
    li = make_customer(actor=back_office, name="李晓红", mobile="13812345678", email="li@example.com")
    result = customer_match(mobile="13812345678", email="li@example.com")
    assert result.status is MatchStatus.MATCHED
    assert result.customer == li


def test_identifiers_pointing_at_different_customers_are_ambiguous(wang, back_office):
    li = make_customer(actor=back_office, name="李晓红", mobile="13900001111", email="li@example.com")
    result = customer_match(mobile="13812345678", email="li@example.com")
    assert result.status is MatchStatus.AMBIGUOUS
    assert result.customer is None
    assert sorted(result.candidate_ids) == sorted([wang.pk, li.pk])


def test_an_unknown_email_beside_a_known_number_still_matches(wang):
    assert customer_match(mobile="13812345678", email="new.address@example.com").customer == wang


def test_unknown_identifiers_match_nobody(wang):
    result = customer_match(mobile="13900000000", email="nobody@example.com", national_id="110105199001011232")
    assert result.status is MatchStatus.NONE
    assert result.customer is None
    assert result.candidates == ()


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"mobile": None, "email": None, "national_id": None},
        {"mobile": ""},
        {"mobile": "not a number"},
        {"mobile": "1381234"},
        {"mobile": "+1 415 555 0100"},
        {"email": "wang.xm"},
        {"national_id": "1101051949"},
        {"national_id": "<script>"},
    ],
)
def test_bad_input_matches_nobody_without_a_query(wang, kwargs, django_assert_num_queries):
    with django_assert_num_queries(0):
        result = customer_match(**kwargs)
    assert result.status is MatchStatus.NONE
    assert result.customer is None


def test_one_query_per_identifier(wang, django_assert_num_queries):
    with django_assert_num_queries(3):
        result = customer_match(mobile="13812345678", email="wang.xm@example.com", national_id="11010519491231002X")
    assert result.customer == wang
