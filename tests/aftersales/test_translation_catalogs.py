"""The Chinese catalogs agree with each other (#17).

Django merges every app's catalog into one: a msgid translated one way in loans and another in complaints shows one of
the two everywhere, so an English word with two Chinese meanings needs a context (pgettext), and a word with one meaning
gets one translation. Each catalog is complete: no empty and no fuzzy (unchecked) entry.
"""

from collections import defaultdict
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = [ROOT / "locale/zh_Hans/LC_MESSAGES/django.po", *sorted(ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))]


def _entries():
    for path in CATALOGS:
        for entry in polib.pofile(str(path)):
            if not entry.obsolete and entry.msgid:
                yield path.relative_to(ROOT).parts[0], entry


def test_the_catalogs_are_found():
    apps = {path.relative_to(ROOT).parts[0] for path in CATALOGS}
    assert {"locale", "inquiries", "loans", "complaints", "staff", "customers", "messaging", "reminders"} <= apps


def test_one_english_text_has_one_chinese_text_in_every_catalog():
    translations = defaultdict(dict)
    for catalog, entry in _entries():
        if entry.msgstr:
            translations[(entry.msgctxt, entry.msgid)][catalog] = entry.msgstr
    differing = {
        f"{context + ' | ' if context else ''}{msgid}": found
        for (context, msgid), found in translations.items()
        if len(set(found.values())) > 1
    }
    assert differing == {}, "translate alike, or give the different meaning a pgettext context:\n" + "\n".join(
        f"{k}: {v}" for k, v in sorted(differing.items())
    )


def test_no_entry_is_empty_or_unchecked():
    incomplete = []
    for catalog, entry in _entries():
        empty = not entry.msgstr if not entry.msgid_plural else not all(entry.msgstr_plural.values())
        if empty or "fuzzy" in entry.flags:
            incomplete.append(f"{catalog}: {entry.msgctxt or ''} {entry.msgid!r}")
    assert incomplete == []
