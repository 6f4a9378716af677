"""Opt-out intent in a customer's SMS: the one maintained list of opt-out phrases (Chinese and English). Pure.

`opt_out_phrase(text)` returns the phrase that makes the message an opt-out request, or "" when it is not one
(tests/messaging/test_opt_out_phrases.py holds the table of examples, positive and negative).

The rule, after normalising (NFKC: full-width letters and punctuation become half-width; upper case; spaces and
punctuation removed; polite edges such as "请", "谢谢", "了", "please", "thanks" trimmed):

1. The whole message is an opt-out keyword ("退订", "TD", "T", "N", "STOP", "UNSUBSCRIBE", "取消订阅", …): opt-out.
2. Otherwise the message contains an opt-out phrase ("我要退订", "不要再发", "别再发短信", "STOP SENDING", …)
   that is not negated just before it ("我不想退订短信", "不是说不要再发"): opt-out.
3. Anything else is a message for an agent: a question about opting out ("退订是什么意思？", "怎么退订？"), a
   refund ("请问如何退款"), or an English sentence that merely starts with a keyword ("STOP charging me twice")
   opens an inquiry as before. A bare keyword is unambiguous; a sentence needs a phrase that says "stop texting me".

Keep the lists below in sync with the provider's own unsubscribe words (messaging/backends/aliyun.py:
"TD", "T", "N", "退订"): those are blocked by the provider itself whatever we decide.
"""

from __future__ import annotations

import re
import unicodedata

# Whole-message keywords (after normalising): the message is nothing but an opt-out.
KEYWORDS = frozenset(
    {
        # the provider's unsubscribe words and the common carrier keywords
        "TD",
        "T",
        "N",
        "退订",
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "OPTOUT",
        # Chinese one-word replies
        "退定",  # a common typo of 退订
        "取消",
        "取消订阅",
        "退订短信",
        "拒收",
        "停止",
        "停止发送",
        "不要再发",
        "别再发",
        "别发",  # "别发了" with the trailing 了 trimmed
        "不要发",
    }
)

# Phrases inside a longer message that say "stop texting me". Chinese ones match as substrings, English ones as
# whole words (normalised text keeps single spaces between English words for this).
ZH_PHRASES = (
    "我要退订",
    "请退订",
    "申请退订",
    "帮我退订",
    "给我退订",
    "退订短信",
    "退订通知",
    "取消订阅",
    "取消短信",
    "不要再发",
    "别再发",
    "不要发短信",
    "别发短信",
    "不要给我发",
    "别给我发",
    "停止发送",
    "拒收短信",
    "不再接收",
    "不想再收到",
    "不想收到短信",
)
EN_PHRASES = (
    "STOP SENDING",
    "STOP TEXTING",
    "STOP MESSAGING",
    "UNSUBSCRIBE ME",
    "PLEASE UNSUBSCRIBE",
    "I WANT TO UNSUBSCRIBE",
    "OPT OUT",
    "OPT ME OUT",
    "NO MORE TEXTS",
    "NO MORE MESSAGES",
    "NO MORE SMS",
    "DO NOT TEXT",
    "DONT TEXT",
    "REMOVE ME",
)
# A negation within this many characters before a Chinese phrase turns it around ("我不想退订短信").
ZH_NEGATIONS = ("不", "没", "别", "勿", "非", "无需")
NEGATION_WINDOW = 3
EN_NEGATIONS = frozenset({"NOT", "DONT", "NEVER", "CANNOT", "CANT", "WONT"})
# Polite words around a keyword ("退订，谢谢", "请退订", "不要再发了", "STOP please").
POLITE_EDGES = (
    "谢谢",
    "谢了",
    "麻烦",
    "您好",
    "你好",
    "请",
    "了",
    "吧",
    "啊",
    "呀",
    "哦",
    "PLEASE",
    "THANKS",
    "THANKYOU",
)

_NOT_WORD = re.compile(r"[^0-9A-Z\u3400-\u9fff]+")


def normalise(text: str) -> str:
    """Half-width, upper case, words separated by one space, punctuation and symbols dropped."""
    text = unicodedata.normalize("NFKC", text or "").upper().replace("'", "").replace("’", "")
    return " ".join(_NOT_WORD.sub(" ", text).split())


def _compact(normalised: str) -> str:
    """Without spaces, polite edges trimmed (repeatedly): what a keyword is compared with."""
    compact = normalised.replace(" ", "")
    changed = True
    while changed and compact:
        changed = False
        for word in POLITE_EDGES:
            if compact.startswith(word) and len(compact) > len(word):
                compact, changed = compact[len(word) :], True
            if compact.endswith(word) and len(compact) > len(word):
                compact, changed = compact[: -len(word)], True
    return compact


def _zh_phrase(compact: str) -> str:
    for phrase in ZH_PHRASES:
        start = compact.find(phrase)
        while start != -1:
            before = compact[max(0, start - NEGATION_WINDOW) : start]
            if not any(negation in before for negation in ZH_NEGATIONS):
                return phrase
            start = compact.find(phrase, start + 1)
    return ""


def _en_phrase(normalised: str) -> str:
    padded = f" {normalised} "
    for phrase in EN_PHRASES:
        start = padded.find(f" {phrase} ")
        while start != -1:
            before = padded[:start].split()[-3:]
            if not EN_NEGATIONS.intersection(before):
                return phrase
            start = padded.find(f" {phrase} ", start + 1)
    return ""


def opt_out_phrase(text: str) -> str:
    """The keyword or phrase that makes `text` an opt-out request, or "" when it is a message for an agent."""
    normalised = normalise(text)
    if not normalised:
        return ""
    compact = _compact(normalised)
    if compact in KEYWORDS:
        return compact
    return _zh_phrase(compact) or _en_phrase(normalised)


def is_opt_out(text: str) -> bool:
    """True when the SMS asks to stop SMS (see the module's rule)."""
    return bool(opt_out_phrase(text))
