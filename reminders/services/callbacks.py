"""Provider status callbacks: statuses only move forward, the price is stored, unanswered calls fall back to SMS."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from messaging.backends import StatusUpdate
from reminders import rules
from reminders.models import OutboundMessage, Reminder
from reminders.services.outcomes import _record_accepted

logger = logging.getLogger(__name__)


def message_status_apply(*, update: StatusUpdate) -> OutboundMessage | None:
    """Apply a provider status callback: statuses only move forward, the price is stored, calls fall back to SMS."""
    now = timezone.now()
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(provider_id=update.provider_id).first()
        if message is None:
            logger.info("status callback for an unknown message %s", update.provider_id[:40])
            return None
        new_status = rules.message_status(update.status)
        fields = []
        if rules.moves_forward(rules.MESSAGE_RANK, message.status, new_status):
            message.status = new_status
            message.status_changed_at = now
            fields += ["status", "status_changed_at"]
            if update.error_code:
                message.error_code = update.error_code[:16]
                fields.append("error_code")
        if update.price is not None and message.price != update.price:
            message.price = update.price
            message.price_unit = update.price_unit or message.price_unit
            fields += ["price", "price_unit"]
        if fields:
            message.save(update_fields=fields)
        for reminder in Reminder.objects.select_for_update().filter(outbound_message=message):
            target = rules.REMINDER_STATUS_FOR.get(message.status)
            if target and rules.moves_forward(rules.REMINDER_RANK, reminder.status, target):
                _record_accepted(reminder, message, message.status, now)
    return message
