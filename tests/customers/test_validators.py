"""Resident ID numbers, mobiles and bank cards: what is accepted, what is refused and with which message."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from customers import validators

# Check digits computed by hand (GB 11643 weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, codes "10X98765432"):
# 11010519491231002: weighted sum 167, 167 mod 11 = 2 -> "X"
# 11010519900101123: weighted sum 142, 142 mod 11 = 10 -> "2"
VALID_X = "11010519491231002X"
VALID_DIGIT = "110105199001011232"


@pytest.mark.parametrize("number", [VALID_X, VALID_DIGIT, "11010519491231002x", " 1101 0519 9001 0112 32 "])
def test_valid_resident_ids_pass(number):
    validators.validate_resident_id(number)


def test_check_digits_match_the_hand_computation():
    assert validators.resident_id_check_digit("11010519491231002") == "X"
    assert validators.resident_id_check_digit("11010519900101123") == "2"


def test_birth_date_and_gender_come_from_the_number():
    # 17th digit 2 is even: female; 3 is odd: male
    assert validators.birth_date_and_gender(VALID_X) == (date(1949, 12, 31), "F")
    assert validators.birth_date_and_gender(VALID_DIGIT) == (date(1990, 1, 1), "M")


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105199001011233", "id_check_digit"),  # wrong check digit (should be 2)
        ("110105194912310021", "id_check_digit"),  # should be X
        ("110105199002301234", "id_birth_date"),  # 30 February 1990 does not exist
        ("11010519900101123", "id_length"),  # 17 characters
        ("1101051990010112322", "id_length"),  # 19 characters
        ("11010519900101123A", "id_characters"),
        ("110105210001011234", "id_birth_date"),  # born in 2100
    ],
)
def test_invalid_resident_ids_are_refused_with_a_reason(number, code):
    with pytest.raises(ValidationError) as exc:
        validators.validate_resident_id(number)
    assert exc.value.code == code


def test_length_message_says_how_many_characters_were_typed():
    with pytest.raises(ValidationError) as exc:
        validators.validate_resident_id("11010519900101123")
    assert "18 characters" in str(exc.value.messages[0]) and "17" in exc.value.messages[0]


@pytest.mark.parametrize(
    "typed",
    ["13812345678", "+86 138 1234 5678", "+8613812345678", "0086 13812345678", "138-1234-5678", "86 138 1234 5678"],
)
def test_mobiles_normalise_to_e164(typed):
    assert validators.normalize_mainland_mobile(typed) == "+8613812345678"


@pytest.mark.parametrize(
    "typed", ["12812345678", "1381234567", "138123456789", "+1 415 555 0100", "abc", "", "010 8888 0000"]
)
def test_bad_mobiles_are_refused(typed):
    with pytest.raises(ValidationError) as exc:
        validators.validate_mainland_mobile(typed)
    assert exc.value.code == "mobile"


def test_masks_show_only_the_edges():
    assert validators.mask_national_id(VALID_X) == "110***********002X"
    assert validators.mask_mobile("+8613812345678") == "138****5678"
    assert validators.mask_card("6222021234567890123") == "**** **** **** 0123"


@pytest.mark.parametrize("card", ["4111111111111111", "4111 1111 1111 1111", "6222021234567890128", ""])
def test_luhn_valid_cards_pass(card):
    validators.validate_bank_card(card)


def test_luhn_check_digit_by_hand():
    # 622202123456789012 -> doubled from the right: sum of digits 72, check digit (10 - 2) % 10 = 8
    assert validators.luhn_check_digit("622202123456789012") == "8"
    assert validators.luhn_check_digit("411111111111111") == "1"


@pytest.mark.parametrize(
    ("card", "code"),
    [("4111111111111112", "card_check_digit"), ("411111111111111", "card_length"), ("41111111111111A1", "card_length")],
)
def test_bad_cards_are_refused(card, code):
    with pytest.raises(ValidationError) as exc:
        validators.validate_bank_card(card)
    assert exc.value.code == code


@given(st.text(max_size=40))
def test_validators_never_raise_anything_but_validation_error(text):
    for validate in (
        validators.validate_resident_id,
        validators.validate_mainland_mobile,
        validators.validate_bank_card,
    ):
        try:
            validate(text)
        except ValidationError:
            pass


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("广东省深圳市南山区科技园南区1号", "广东省深圳市****"),
        ("广西壮族自治区南宁市青秀区民族大道1号", "广西壮族自治区南宁市****"),
        ("北京市东城区东直门南大街1号", "北京市****"),
        ("Flat 3, 12 Queen Road", "Flat 3****"),
    ],
)
def test_addresses_keep_only_province_and_city(address, masked):
    assert validators.mask_address(address) == masked
