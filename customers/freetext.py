"""PII typed into free text: find mainland ID numbers, bank-card numbers and mobiles, and mask them.

Pure functions (no database, no settings): every write path of inquiries and complaints calls `text_protect`
and stores the masked text for display and the original, encrypted, for an audited reveal.

How numbers are found: the text is cut into *runs* of digit groups joined by single spaces or dashes
(``6222 0212 3456 7890``, ``138-1234-5678``, ``+86 138 1234 5678``); inside a run, the longest range of
consecutive groups that forms a valid number wins, left to right. A number glued to Chinese characters
(``身份证号110105199001011234请核实``) is a run of its own. A candidate counts only when it checks out:
GB 11643 check digit and a real birth date for ID numbers, Luhn and a card-issuer first digit for cards,
``1[3-9]`` and 11 digits for mobiles, so order numbers, amounts and dates stay as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from customers.validators import luhn_check_digit, mask_mobile, mask_national_id, resident_id_check_digit

# Digit groups joined by one space or dash; an optional + in front (+86) and X at the end (ID check character).
RUN_RE = re.compile(r"\+?\d+(?:[ \-]\d+)*(?:[Xx](?![A-Za-z0-9]))?")
GROUP_RE = re.compile(r"\d+[Xx]?")
MOBILE_RE = re.compile(r"1[3-9]\d{9}")

ID = "id"
CARD = "card"
MOBILE = "mobile"


@dataclass(frozen=True)
class Finding:
    """One number found in a text: its kind, where it is, what was typed, and its masked form."""

    kind: str
    start: int
    end: int
    text: str
    masked: str


@dataclass(frozen=True)
class ProtectedText:
    """A text as shown (numbers masked) and the original to keep encrypted ('' when nothing was masked)."""

    shown: str
    full: str

    @property
    def masked(self) -> bool:
        return bool(self.full)


def _birth_date_ok(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return 1900 <= born.year and born <= date.today()


def is_resident_id(number: str) -> bool:
    """An 18-character ID (GB 11643 check digit, real birth date) or a 15-digit pre-1999 ID (real birth date)."""
    number = number.upper()
    if len(number) == 18:
        if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
            return False
        if not _birth_date_ok(int(number[6:10]), int(number[10:12]), int(number[12:14])):
            return False
        return resident_id_check_digit(number[:17]) == number[17]
    if len(number) == 15 and number.isdigit():
        return _birth_date_ok(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    return False


def is_bank_card(number: str) -> bool:
    """13 to 19 digits, an issuer's first digit (3–6, 9, or Mastercard's 2221–2720) and a correct Luhn digit."""
    if not number.isdigit() or not 13 <= len(number) <= 19:
        return False
    if number[0] not in "34569" and not 2221 <= int(number[:4]) <= 2720:
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


def mobile_local(number: str) -> str:
    """The 11-digit mainland mobile in `number` (prefix +86, 86 or 0086 allowed), or ''."""
    digits = number.lstrip("+")
    if len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif number.startswith("+"):
        return ""
    return digits if MOBILE_RE.fullmatch(digits) else ""


def mask_card_number(number: str) -> str:
    """6222 **** **** 7890: the first four and the last four digits (the length is not shown)."""
    return f"{number[:4]} **** **** {number[-4:]}"


def _classify(raw: str) -> tuple[str, str] | None:
    """(kind, masked) for one candidate (separators already removed, + kept), or None."""
    plain = raw.lstrip("+")
    if raw == plain and is_resident_id(plain):
        return ID, mask_national_id(plain.upper())
    local = mobile_local(raw)
    if local:
        return MOBILE, mask_mobile(local)
    if raw == plain and is_bank_card(plain):
        return CARD, mask_card_number(plain)
    return None


def find_pii(text: str) -> list[Finding]:
    """Every ID number, bank-card number and mainland mobile in `text`, in order, not overlapping."""
    findings: list[Finding] = []
    for run in RUN_RE.finditer(text or ""):
        groups = [(m.start() + run.start(), m.end() + run.start()) for m in GROUP_RE.finditer(run.group())]
        plus = run.group().startswith("+")
        i = 0
        while i < len(groups):
            found = None
            for j in range(len(groups) - 1, i - 1, -1):  # the longest range of groups first
                start, end = groups[i][0], groups[j][1]
                if j > i and any(text[g[1] - 1] in "Xx" for g in groups[i:j]):
                    continue  # an X only ends an ID number
                digits = "".join(text[a:b] for a, b in groups[i : j + 1])
                if len(digits) > 19 + 4:
                    continue
                # With the + in front (+86 138…) first, then without (a + before a card number).
                variants = [("+" + digits, start - 1), (digits, start)] if plus and i == 0 else [(digits, start)]
                for candidate, begin in variants:
                    kind_mask = _classify(candidate)
                    if kind_mask:
                        found = Finding(kind_mask[0], begin, end, text[begin:end], kind_mask[1])
                        break
                if found:
                    i = j + 1
                    break
            if found:
                findings.append(found)
            else:
                i += 1
    return findings


def mask_text(text: str) -> str:
    """The text with every ID number, card number and mobile replaced by its masked form."""
    findings = find_pii(text)
    if not findings:
        return text or ""
    parts, last = [], 0
    for f in findings:
        parts += [text[last : f.start], f.masked]
        last = f.end
    parts.append(text[last:])
    return "".join(parts)


def text_protect(text: str) -> ProtectedText:
    """What to store for a free text: the masked text to show, and the original ('' when nothing was masked)."""
    text = text or ""
    shown = mask_text(text)
    return ProtectedText(shown=shown, full=text if shown != text else "")


def text_protect_update(new_text: str, *, shown: str, full: str) -> ProtectedText:
    """Protect an edited text: unchanged from what was shown keeps the stored original (the edit form shows masks)."""
    if (new_text or "") == shown:
        return ProtectedText(shown=shown, full=full)
    return text_protect(new_text)
