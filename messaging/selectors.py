"""Reads of the messaging app: the outbox, the provider's cost per channel and month, ids already known."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from messaging.models import OutboundMessage

COST_MONTHS = 6


def cost_by_channel_and_month(*, months: int = COST_MONTHS) -> list[dict]:
    """Provider cost of every message (reminders, replies, surveys) per month and channel, in the provider's currency."""
    today = timezone.localdate()
    first = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    since = timezone.make_aware(timezone.datetime.combine(first, timezone.datetime.min.time()))
    rows = (
        OutboundMessage.objects.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
        .values("month", "channel")
        .annotate(
            cost=Sum("price"),
            messages=Count("id"),
            priced=Count("id", filter=Q(price__isnull=False)),
            unit=Max("price_unit"),
        )
        .order_by("-month", "channel")
    )
    result = []
    for row in rows:
        row["cost"] = row["cost"] or Decimal("0")
        row["average"] = (row["cost"] / row["priced"]).quantize(Decimal("0.0001")) if row["priced"] else None
        row["channel_label"] = OutboundMessage.Channel(row["channel"]).label
        result.append(row)
    return result


def outbox_list(*, channel: str = "", status: str = "", purpose: str = "") -> QuerySet[OutboundMessage]:
    """Every message sent, newest first, filtered."""
    queryset = OutboundMessage.objects.select_related("customer").defer("to_number", "body")
    if channel:
        queryset = queryset.filter(channel=channel)
    if status:
        queryset = queryset.filter(status=status)
    if purpose:
        queryset = queryset.filter(purpose=purpose)
    return queryset.order_by("-created_at", "-id")


def provider_ids_to(*, to_hash: str, since: datetime) -> set[str]:
    """The provider ids of the messages to one number since a moment (never adopt one of them twice)."""
    return set(
        OutboundMessage.objects.filter(to_hash=to_hash, created_at__gte=since)
        .exclude(provider_id__isnull=True)
        .values_list("provider_id", flat=True)
    )
