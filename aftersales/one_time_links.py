"""One-time links (survey links) are a customer's secret: staff see them masked wherever a message text is shown."""

from __future__ import annotations

import re

# Path segments followed by a one-time token in the links the portal sends (staff:survey is /staff/survey/<token>/).
ONE_TIME_LINK_SEGMENTS = ("survey",)
TOKEN_SHOWN = 4
_LINK = re.compile(
    r"(?P<prefix>/(?:" + "|".join(re.escape(s) for s in ONE_TIME_LINK_SEGMENTS) + r")/)"
    r"(?P<start>[A-Za-z0-9_-]{1," + str(TOKEN_SHOWN) + r"})[A-Za-z0-9_-]*"
)


def mask_one_time_links(text: str | None) -> str:
    """The text with each one-time token cut to its first characters: `…/survey/abcd****/`."""
    if not text:
        return text or ""
    return _LINK.sub(lambda m: f"{m['prefix']}{m['start']}****", str(text))
