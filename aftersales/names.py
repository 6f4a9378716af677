"""How people's names are written: one rule for staff and customers, used by every page, notice, export and the admin.

Chinese (CJK) names are written family name first without a space (王晓明); Latin names as their owner writes
them, given name first ("Anna Schmidt"). Pure functions: no database, no settings.
"""

from __future__ import annotations

import unicodedata

# Code-point ranges of the scripts whose names are written family name first without a space:
# CJK ideographs (with extensions and compatibility forms), kana, hangul.
_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation (e.g. the ideographic middle dot in some names)
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3100, 0x312F),  # bopomofo
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK extensions B–G
)


def is_cjk(text: str) -> bool:
    """True when the text contains a CJK character (ideograph, kana or hangul)."""
    return any(any(lo <= ord(ch) <= hi for lo, hi in _CJK_RANGES) for ch in text)


def _clean(part: str | None) -> str:
    """A name part with surrounding and repeated inner whitespace (including the ideographic space) removed."""
    text = unicodedata.normalize("NFC", part or "")
    return " ".join(text.split())


def person_name(family: str | None, given: str | None) -> str:
    """A person's name for display: 王晓明 for Chinese names, "Given Family" for Latin ones, "" when both are blank."""
    family, given = _clean(family), _clean(given)
    if not family or not given:
        return family or given
    if is_cjk(family) or is_cjk(given):
        # A Chinese name never has a space between family and given name, whichever script the other part uses.
        return family + given
    return f"{given} {family}"


def user_display(user) -> str:
    """A user's name for display (the rule above on last_name/first_name), falling back to the username; "" for None."""
    if user is None:
        return ""
    name = person_name(getattr(user, "last_name", ""), getattr(user, "first_name", ""))
    return name or user.get_username()
