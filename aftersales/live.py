"""Live events to staff screens (#16): each signed-in staff member listens on their own group over the channel layer.

Senders call `push_to_staff` (one person) or `push_to_agents` (every open agent screen, e.g. "a new chat is waiting");
`aftersales.consumers.StaffConsumer` forwards each event as JSON to `static/js/live.js`, which raises it in the page as
a DOM event `live:<type>` and shows a toast when the event carries `html` (rendered and escaped by a Django template).
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

AGENTS_GROUP = "staff.agents"


def staff_group(user_id: int) -> str:
    """The channel-layer group of one staff member's open screens."""
    return f"staff.{int(user_id)}"


def _send(group: str, event: dict[str, Any]) -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group, {"type": "staff.event", "event": event})
    except Exception:  # a live push is a convenience: the page and the queue still show the work without it
        logger.warning("live push to %s failed", group, exc_info=True)
        return False
    return True


def push_to_staff(user_id: int, event: dict[str, Any]) -> bool:
    """Send one event (a JSON-safe dict with a "type") to every open screen of one staff member."""
    return _send(staff_group(user_id), event)


def push_to_agents(event: dict[str, Any]) -> bool:
    """Send one event to every open screen of a front-line agent or supervisor (queue updates)."""
    return _send(AGENTS_GROUP, event)
