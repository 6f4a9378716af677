"""customers.freetext: ID numbers, bank-card numbers and mobiles found and masked inside free text."""

import pytest

from customers.freetext import (
    CARD,
    ID,
    MOBILE,
    find_pii,
    is_bank_card,
    is_resident_id,
    mask_text,
    text_protect,
    text_protect_update,
)

# Hand-checked numbers: 11010519900101123 → GB 11643 check digit 2; 11010519900101031 → X.
VALID_ID = "110105199001011232"
VALID_ID_X = "11010519900101031X"
# The same 17 digits with the wrong check character (4 instead of 2).
BAD_CHECK_ID = "110105199001011234"
# 622202123456789 → Luhn digit 4; 625807123456789012 → 1 (19 digits).
CARD_16 = "6222021234567894"
CARD_19 = "6258071234567890121"
NON_LUHN_16 = "6222021234567895"

POSITIVES = [
    # (text, expected masked text)
    (VALID_ID, "110***********1232"),
    (VALID_ID_X, "110***********031X"),
    (VALID_ID_X.lower(), "110***********031X"),
    ("我的身份证号" + VALID_ID + "请核实", "我的身份证号110***********1232请核实"),
    ("ID 110105 19900101 1232 thanks", "ID 110***********1232 thanks"),
    ("旧身份证110105900101123号", "旧身份证110********1123号"),  # 15 digits, born 1990-01-01
    ("卡号" + CARD_16 + "。", "卡号6222 **** **** 7894。"),
    ("card 6222 0212 3456 7894 please", "card 6222 **** **** 7894 please"),
    ("card 6222-0212-3456-7894", "card 6222 **** **** 7894"),
    ("卡" + CARD_19 + "还款", "卡6258 **** **** 0121还款"),
    ("amex 378282246310005 ok", "amex 3782 **** **** 0005 ok"),
    ("手机13812345678联系我", "手机138****5678联系我"),
    ("call 138 1234 5678", "call 138****5678"),
    ("call 138-1234-5678.", "call 138****5678."),
    ("+86 138 1234 5678", "138****5678"),
    ("+8613812345678", "138****5678"),
    ("8613812345678", "138****5678"),
    ("008613812345678", "138****5678"),
    (
        "身份证" + VALID_ID + "，卡号" + CARD_16 + "，电话19912345678",
        "身份证110***********1232，卡号6222 **** **** 7894，电话199****5678",
    ),
    # A card and a mobile in one run of groups: each found on its own.
    (CARD_16 + " 13812345678", "6222 **** **** 7894 138****5678"),
    ("2026-12-02 13812345678", "2026-12-02 138****5678"),
]

NEGATIVES = [
    BAD_CHECK_ID,  # 18 digits failing the check digit
    "我的身份证号" + BAD_CHECK_ID + "请核实",
    "11010519901301123X",  # check character right (X), but month 13 does not exist
    NON_LUHN_16,  # fails Luhn
    "订单号 2026120212345674",  # Luhn-valid, but no card issuer starts 2026
    "订单号DD20261202000123",
    "金额 ¥12,345.67，共 5000 元",
    "还款日 2026-12-02，20261202",
    "12812345678",  # 12x is not a mobile range
    "1381234567",  # 10 digits
    "138123456789",  # 12 digits
    "INQ-261128-7K3F2",
    "",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES)
def test_numbers_in_text_are_masked(text, expected):
    # given a text with a number in it / when masked / then the number is replaced, the rest kept
    assert mask_text(text) == expected


@pytest.mark.parametrize("text", NEGATIVES)
def test_text_without_valid_numbers_is_unchanged(text):
    assert mask_text(text) == text
    assert find_pii(text) == []


def test_findings_report_kind_and_position():
    text = "身份证" + VALID_ID + "，卡号" + CARD_16 + "，电话13812345678"
    findings = find_pii(text)
    assert [(f.kind, f.start, f.end) for f in findings] == [(ID, 3, 21), (CARD, 24, 40), (MOBILE, 43, 54)]
    assert [f.text for f in findings] == [VALID_ID, CARD_16, "13812345678"]


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (VALID_ID, True),
        (VALID_ID_X, True),
        (BAD_CHECK_ID, False),
        ("110105900101123", True),
        ("110105901301123", False),
    ],
)
def test_resident_id_check(number, expected):
    assert is_resident_id(number) is expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [(CARD_16, True), (CARD_19, True), (NON_LUHN_16, False), ("2026120212345674", False), ("4111111111111111", True)],
)
def test_bank_card_check(number, expected):
    assert is_bank_card(number) is expected


def test_protect_keeps_the_original_only_when_something_was_masked():
    # given a text with a card number and one without
    with_card = text_protect("卡号" + CARD_16)
    plain = text_protect("什么时候还款？")
    # then the first keeps its original for the encrypted column, the second needs none
    assert with_card.shown == "卡号6222 **** **** 7894"
    assert with_card.full == "卡号" + CARD_16
    assert with_card.masked is True
    assert plain.shown == "什么时候还款？"
    assert plain.full == ""
    assert plain.masked is False


def test_protect_update_keeps_the_original_when_the_shown_text_comes_back_unchanged():
    # given a stored text (masked shown, original encrypted) edited in a form that showed the mask
    stored = text_protect("卡号" + CARD_16)
    # when the form sends the masked text back unchanged / then the original is kept
    same = text_protect_update(stored.shown, shown=stored.shown, full=stored.full)
    assert same == stored
    # when the text was changed / then the new text is protected afresh
    changed = text_protect_update("电话13812345678", shown=stored.shown, full=stored.full)
    assert (changed.shown, changed.full) == ("电话138****5678", "电话13812345678")
