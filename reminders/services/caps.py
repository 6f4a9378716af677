"""The frequency caps of SPEC §6 (settings): per customer per day, calls per number per day, same text per 24 h."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q

from customers.api import pii_hash
from messaging.models import OutboundMessage
from reminders import rules
from reminders.models import Reminder


def _cap_reached(*, customer, to_hash: str, body_hash: str, channel: str, exclude_pk, now: datetime) -> bool:
    """The frequency caps of SPEC §6 (settings), counted over attempts the provider accepted or may have.

    One query: contacts with the customer today (local day, across loans), calls to the number today, and the
    same text to the same number in the last 24 hours.
    """
    day_start = rules.local_day_start(now)
    last_24h = now - timedelta(hours=24)
    counted = OutboundMessage.objects.filter(Q(customer=customer) | Q(to_hash=to_hash)).filter(
        created_at__gte=min(day_start, last_24h)
    )
    counted = counted.exclude(status=OutboundMessage.Status.FAILED, provider_id__isnull=True)
    if exclude_pk:
        counted = counted.exclude(pk=exclude_pk)
    figures = counted.aggregate(
        per_customer=Count(
            "id",
            filter=Q(customer=customer, purpose=OutboundMessage.Purpose.REMINDER, created_at__gte=day_start),
        ),
        calls=Count("id", filter=Q(to_hash=to_hash, channel=OutboundMessage.Channel.VOICE, created_at__gte=day_start)),
        same_text=Count("id", filter=Q(to_hash=to_hash, body_hash=body_hash, created_at__gte=last_24h)),
    )
    if figures["per_customer"] >= settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY:
        return True
    if channel == OutboundMessage.Channel.VOICE and figures["calls"] >= settings.REMINDER_MAX_CALLS_PER_NUMBER_PER_DAY:
        return True
    return figures["same_text"] >= settings.REMINDER_MAX_SAME_TEXT_PER_24H


class _BatchCaps:
    """The frequency caps for a whole batch from one query, counting the batch's own attempts as they are made."""

    def __init__(self, reminders: list[Reminder], now: datetime):
        self.now = now
        self.day_start = rules.local_day_start(now)
        self.last_24h = now - timedelta(hours=24)
        customers = {r.customer_id for r in reminders}
        hashes = {pii_hash(r.customer.mobile) for r in reminders}
        self.rows = list(
            OutboundMessage.objects.filter(Q(customer_id__in=customers) | Q(to_hash__in=hashes))
            .filter(created_at__gte=min(self.day_start, self.last_24h))
            .exclude(status=OutboundMessage.Status.FAILED, provider_id__isnull=True)
            .values_list("id", "customer_id", "to_hash", "body_hash", "channel", "purpose", "created_at")
        )

    def __call__(self, customer, to_hash, body_hash, channel, exclude_pk) -> bool:
        per_customer = calls = same_text = 0
        for pk, customer_id, row_hash, row_body, row_channel, purpose, created in self.rows:
            if pk is not None and pk == exclude_pk:
                continue
            today = created >= self.day_start
            if customer_id == customer.pk and purpose == OutboundMessage.Purpose.REMINDER and today:
                per_customer += 1
            if row_hash == to_hash and row_channel == OutboundMessage.Channel.VOICE and today:
                calls += 1
            if row_hash == to_hash and row_body == body_hash and created >= self.last_24h:
                same_text += 1
        reached = (
            per_customer >= settings.REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY
            or (channel == OutboundMessage.Channel.VOICE and calls >= settings.REMINDER_MAX_CALLS_PER_NUMBER_PER_DAY)
            or same_text >= settings.REMINDER_MAX_SAME_TEXT_PER_24H
        )
        if not reached:  # this attempt counts for the rest of the batch
            self.rows.append(
                (None, customer.pk, to_hash, body_hash, channel, OutboundMessage.Purpose.REMINDER, self.now)
            )
        return reached
