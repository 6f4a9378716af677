"""Held messages: what the contact policy held (quiet hours, a cap) goes out when allowed, never dropped.

`messages_send_held` (beat, every minute) claims held messages whose `not_before` has come, oldest first and at
most HELD_BATCH per run (a morning's backlog is spread over the first minutes of the window, not sent at once),
asks the policy again (the customer may have opted out, a cap may still be reached) and sends them or holds them
again with the next moment. Reminders keep their own held/planned rows (reminders.planning); this is for the
other senders (surveys, complaint notices and letters, campaigns).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from messaging import contact
from messaging.backends import MessagingBackend, get_backend
from messaging.models import OutboundMessage
from messaging.services import message_attempt, message_hold

logger = logging.getLogger(__name__)

# Held messages sent per run (every minute): bounded so one run stays short and a backlog is spread out.
HELD_BATCH = 100


def _claim(*, now: datetime, limit: int) -> list[OutboundMessage]:
    """Held messages due, locked; each is decided again: the allowed ones become pending (to send), the rest
    are held again (or refused: opted out). Committed before anything is sent."""
    to_send = []
    with transaction.atomic():
        due = (
            OutboundMessage.objects.filter(status=OutboundMessage.Status.HELD, not_before__lte=now)
            .select_related("customer")
            .order_by("not_before", "id")
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        else:
            due = due.select_for_update()
        for message in due[:limit]:
            decision = contact.contact_allowed(
                to=message.to_number,
                channel=message.channel,
                body=message.body,
                customer=message.customer,
                proactive=message.proactive,
                now=now,
                exclude_pk=message.pk,
            )
            if not decision.allowed:
                message_hold(message=message, decision=decision, now=now)
                continue
            message.status = OutboundMessage.Status.PENDING
            message.not_before = None
            message.status_changed_at = now
            # The caps count messages by the time they leave (created_at): a message held overnight counts today.
            message.created_at = now
            message.save(update_fields=["status", "not_before", "status_changed_at", "created_at"])
            to_send.append(message)
    return to_send


def messages_send_held(
    *, now: datetime | None = None, limit: int = HELD_BATCH, backend: MessagingBackend | None = None
) -> int:
    """Send the held messages the contact policy now allows; returns how many were handed to the provider."""
    now = now or timezone.now()
    messages = _claim(now=now, limit=limit)
    backend = backend or (get_backend() if messages else None)
    for message in messages:
        message_attempt(message=message, backend=backend)
    if messages:
        logger.info("sent %d held messages", len(messages))
    return len(messages)
