"""Following a message's delivery reports: the reminder's outcome moves forward; an unanswered call falls back to SMS.

Messaging applies the provider's status callback to the message and calls `reminders_follow_message` (registered
by `follow_delivery_reports` from RemindersConfig.ready()) inside the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from messaging.api import register_status_listener
from messaging.models import OutboundMessage
from reminders import rules
from reminders.models import Reminder
from reminders.services.outcomes import _record_accepted


def reminders_follow_message(message: OutboundMessage, now: datetime) -> None:
    """Move the reminders sent as `message` to the status its delivery report says (never backwards)."""
    for reminder in Reminder.objects.select_for_update().filter(outbound_message=message):
        target = rules.REMINDER_STATUS_FOR.get(message.status)
        if target and rules.moves_forward(rules.REMINDER_RANK, reminder.status, target):
            _record_accepted(reminder, message, message.status, now)


def follow_delivery_reports() -> None:
    """Register with messaging: every delivery report applied to a message then moves its reminders on."""
    register_status_listener(reminders_follow_message)
