"""Validators for mainland resident ID numbers and mobile numbers, with clear messages."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CODES = "10X98765432"
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def resident_id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CODES[total % 11]


def normalize_resident_id(value: str) -> str:
    """Strip spaces and upper-case the check character."""
    return re.sub(r"\s+", "", value or "").upper()


def validate_resident_id(value: str) -> None:
    """Validate an 18-character mainland resident ID number: digits, birth date and GB 11643 check digit."""
    number = normalize_resident_id(value)
    if len(number) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(count)s."),
            code="id_length",
            params={"count": len(number)},
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("A resident ID number is 17 digits followed by a digit or X."), code="id_characters")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this ID number (%(date)s) does not exist."),
            code="id_birth_date",
            params={"date": f"{number[6:10]}-{number[10:12]}-{number[12:14]}"},
        ) from None
    if born > date.today() or born.year < 1900:
        raise ValidationError(_("The birth date in this ID number is not plausible."), code="id_birth_date")
    expected = resident_id_check_digit(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("The check digit of this ID number is wrong: please check the number for a typing error."),
            code="id_check_digit",
        )


def birth_date_and_gender(national_id: str) -> tuple[date, str]:
    """Birth date and gender ('M' odd, 'F' even 17th digit) from a valid ID number."""
    number = normalize_resident_id(national_id)
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return born, ("M" if int(number[16]) % 2 else "F")


def normalize_mainland_mobile(value: str) -> str:
    """Return the E.164 form (+8613812345678) of a mainland mobile, or raise ValidationError."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not MOBILE_RE.match(digits):
        raise ValidationError(
            _("Enter a mainland mobile number: 11 digits starting 13–19, e.g. 138 1234 5678 or +86 138 1234 5678."),
            code="mobile",
        )
    return "+86" + digits


def validate_mainland_mobile(value: str) -> None:
    """Validate a mainland mobile number (+86 1[3-9]xxxxxxxxx, spaces and dashes allowed)."""
    normalize_mainland_mobile(value)


def mask_national_id(value: str) -> str:
    """110***********123X: first three and last four characters."""
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


def mask_mobile(value: str) -> str:
    """138****5678 (the +86 prefix is dropped)."""
    if not value:
        return ""
    local = value[3:] if value.startswith("+86") else value
    return local[:3] + "****" + local[-4:] if len(local) >= 8 else "*" * len(local)


def mask_email(value: str) -> str:
    """z***@example.com"""
    if not value or "@" not in value:
        return "*" * len(value or "")
    user, domain = value.split("@", 1)
    return (user[:1] or "*") + "***@" + domain


def mask_card(value: str) -> str:
    """**** **** **** 1234"""
    if not value:
        return ""
    return "**** **** **** " + value[-4:]


ADDRESS_REGION_RE = re.compile(r"^(.{2,8}?(?:省|自治区|特别行政区|市))(.{2,8}?(?:市|自治州|地区|盟))?")


def mask_address(value: str) -> str:
    """Keep the province and city (广东省深圳市****), hide the rest; other addresses keep six characters."""
    if not value:
        return ""
    match = ADDRESS_REGION_RE.match(value)
    kept = match.group(0) if match else value[:6]
    return kept + "****"


def luhn_check_digit(partial: str) -> str:
    """The Luhn check digit to append to `partial` (the card number without its last digit)."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:  # every second digit from the right, starting next to the check digit, is doubled
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def normalize_bank_card(value: str) -> str:
    """Strip spaces and dashes from a card number."""
    return re.sub(r"[\s\-]", "", value or "")


def validate_bank_card(value: str) -> None:
    """Validate a bank card number: 16 to 19 digits with a correct Luhn check digit."""
    number = normalize_bank_card(value)
    if not number:
        return
    if not number.isdigit() or not 16 <= len(number) <= 19:
        raise ValidationError(
            _("A bank card number has 16 to 19 digits; this one has %(count)s characters."),
            code="card_length",
            params={"count": len(number)},
        )
    if luhn_check_digit(number[:-1]) != number[-1]:
        raise ValidationError(
            _("This card number fails its check digit: please check it for a typing error."), code="card_check_digit"
        )
