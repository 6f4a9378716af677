"""The frequency caps of SPEC §6 for reminders: the contact policy's (messaging.policy via messaging.api), the one
copy every proactive sender follows. Quiet hours and opt-outs are the reminder's own send-time rules, checked
before (sending.py: held, skipped); here only the caps, counted over every proactive message to the customer."""

from __future__ import annotations

from datetime import datetime

from customers.api import pii_hash
from messaging.api import ContactBatch, cap_reached, contact_history
from reminders.models import Reminder


def _cap_reached(*, customer, to_hash: str, body_hash: str, channel: str, exclude_pk, now: datetime) -> bool:
    """A frequency cap of the contact policy is reached (one query): contacts with the customer today, calls to
    the number today, the same text to the number in the last 24 hours."""
    history = contact_history(customer=customer, to_hash=to_hash, body_hash=body_hash, now=now, exclude_pk=exclude_pk)
    reason, _freed = cap_reached(now=now, channel=channel, history=history)
    return bool(reason)


class _BatchCaps:
    """The frequency caps for a whole batch from one query, counting the batch's own attempts as they are made."""

    def __init__(self, reminders: list[Reminder], now: datetime):
        self.now = now
        self.batch = ContactBatch(
            customer_ids={r.customer_id for r in reminders},
            to_hashes={pii_hash(r.customer.mobile) for r in reminders},
            now=now,
        )

    def __call__(self, customer, to_hash, body_hash, channel, exclude_pk) -> bool:
        history = self.batch.history(
            customer_id=customer.pk, to_hash=to_hash, body_hash=body_hash, exclude_pk=exclude_pk
        )
        reason, _freed = cap_reached(now=self.now, channel=channel, history=history)
        if not reason:  # this attempt counts for the rest of the batch
            self.batch.count(customer_id=customer.pk, to_hash=to_hash, body_hash=body_hash, channel=channel)
        return bool(reason)
