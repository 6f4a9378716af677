"""The contact policy against the database: what was sent already, and whether a message may go out now.

`messaging.policy` holds the rules (pure); this module counts the history they need from OutboundMessage:
- `contact_allowed(...)`: one message, one query;
- `ContactBatch`: a whole batch from one query, counting the batch's own attempts as they are made (reminders).
Counted are the messages the provider accepted or may have: held messages and attempts refused before reaching
the provider (failed, no provider id) are not contacts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from customers.api import pii_hash
from customers.models import Customer
from messaging import policy, rules
from messaging.models import OutboundMessage


def _counted(queryset: QuerySet[OutboundMessage]) -> QuerySet[OutboundMessage]:
    return queryset.exclude(status=OutboundMessage.Status.HELD).exclude(
        status=OutboundMessage.Status.FAILED, provider_id__isnull=True
    )


def opted_out(customer: Customer | None, channel: str) -> bool:
    """The customer opted out of this channel (SMS: a STOP / 退订 reply or the provider's block; voice: told us)."""
    if customer is None:
        return False
    return bool(customer.sms_opt_out if channel == OutboundMessage.Channel.SMS else customer.voice_opt_out)


def contact_history(
    *,
    customer: Customer | None,
    to_hash: str,
    body_hash: str,
    now: datetime,
    exclude_pk: int | None = None,
    limits: policy.Limits | None = None,
) -> policy.History:
    """Contacts with the customer today, calls to the number today, the same text to the number in 24 h: one query."""
    limits = limits or policy.Limits.from_settings()
    day_start = policy.local_day_start(now, limits)
    last_24h = now - timedelta(hours=24)
    who = Q(customer=customer) if customer is not None else Q(to_hash=to_hash)
    rows = _counted(
        OutboundMessage.objects.filter(who | Q(to_hash=to_hash)).filter(created_at__gte=min(day_start, last_24h))
    )
    if exclude_pk:
        rows = rows.exclude(pk=exclude_pk)
    figures = rows.aggregate(
        contacts=Count("id", filter=who & Q(proactive=True, created_at__gte=day_start)),
        calls=Count("id", filter=Q(to_hash=to_hash, channel=OutboundMessage.Channel.VOICE, created_at__gte=day_start)),
    )
    same_text = rows.filter(to_hash=to_hash, body_hash=body_hash, created_at__gt=last_24h).values_list(
        "created_at", flat=True
    )
    return policy.History(
        contacts_today=figures["contacts"], calls_today=figures["calls"], same_text_at=tuple(same_text)
    )


def contact_allowed(
    *,
    to: str,
    channel: str,
    body: str,
    customer: Customer | None = None,
    proactive: bool = True,
    now: datetime | None = None,
    exclude_pk: int | None = None,
) -> policy.Decision:
    """May this message go out now? Exempt when not proactive; else the policy's answer, with when it may go next."""
    if not proactive:
        return policy.EXEMPT
    now = now or timezone.now()
    limits = policy.Limits.from_settings()
    if opted_out(customer, channel) or policy.is_quiet(now, limits):
        history = policy.History()  # decided without counting anything
    else:
        history = contact_history(
            customer=customer,
            to_hash=pii_hash(to),
            body_hash=rules.body_hash(body),
            now=now,
            exclude_pk=exclude_pk,
            limits=limits,
        )
    return policy.decide(
        now=now, channel=channel, history=history, opted_out=opted_out(customer, channel), limits=limits
    )


class ContactBatch:
    """The contact policy for a batch of messages from one query; each allowed attempt counts for the rest."""

    def __init__(self, *, customer_ids: set[int], to_hashes: set[str], now: datetime):
        self.now = now
        self.limits = policy.Limits.from_settings()
        self.day_start = policy.local_day_start(now, self.limits)
        self.last_24h = now - timedelta(hours=24)
        self.rows = list(
            _counted(
                OutboundMessage.objects.filter(Q(customer_id__in=customer_ids) | Q(to_hash__in=to_hashes)).filter(
                    created_at__gte=min(self.day_start, self.last_24h)
                )
            ).values_list("id", "customer_id", "to_hash", "body_hash", "channel", "proactive", "created_at")
        )

    def history(
        self, *, customer_id: int | None, to_hash: str, body_hash: str, exclude_pk: int | None
    ) -> policy.History:
        """The history of one message, from the rows loaded and the batch's attempts so far."""
        contacts = calls = 0
        same_text = []
        for pk, row_customer, row_hash, row_body, row_channel, proactive, created in self.rows:
            if pk is not None and pk == exclude_pk:
                continue
            today = created >= self.day_start
            mine = row_customer == customer_id if customer_id is not None else row_hash == to_hash
            if mine and proactive and today:
                contacts += 1
            if row_hash == to_hash and row_channel == OutboundMessage.Channel.VOICE and today:
                calls += 1
            if row_hash == to_hash and row_body == body_hash and created > self.last_24h:
                same_text.append(created)
        return policy.History(contacts_today=contacts, calls_today=calls, same_text_at=tuple(same_text))

    def decide(
        self,
        *,
        customer: Customer | None,
        to_hash: str,
        body_hash: str,
        channel: str,
        exclude_pk: int | None = None,
        proactive: bool = True,
    ) -> policy.Decision:
        """The policy's answer for one message of the batch; an allowed one counts for the rest of the batch."""
        customer_id = customer.pk if customer is not None else None
        history = self.history(customer_id=customer_id, to_hash=to_hash, body_hash=body_hash, exclude_pk=exclude_pk)
        decision = policy.decide(
            now=self.now,
            channel=channel,
            history=history,
            proactive=proactive,
            opted_out=opted_out(customer, channel),
            limits=self.limits,
        )
        if decision.allowed:
            self.count(customer_id=customer_id, to_hash=to_hash, body_hash=body_hash, channel=channel)
        return decision

    def count(
        self, *, customer_id: int | None, to_hash: str, body_hash: str, channel: str, proactive: bool = True
    ) -> None:
        """An attempt made in this batch: it counts for the messages after it."""
        self.rows.append((None, customer_id, to_hash, body_hash, channel, proactive, self.now))
