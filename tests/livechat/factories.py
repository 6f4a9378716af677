"""Builders for chat tests: a chat started through the real service (inquiry, session, first message)."""

from __future__ import annotations

import itertools

from livechat import services

_seq = itertools.count(1)


def make_chat(
    *, text: str = "我想问一下这期的还款日", name: str = "王小明", mobile: str = "", topic: str = "repayment"
):
    """A chat as the public page starts it (live when an agent is on duty)."""
    return services.chat_start(
        name=name,
        mobile=mobile or f"+86136{next(_seq):08d}",
        topic=topic,
        text=text,
        language="zh-hans",
    )
