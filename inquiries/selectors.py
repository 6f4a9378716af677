"""Reads for inquiries: the live queue, the supervisor's SLA watch, threads (customers are matched by
`customers.selectors.customer_match`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from aftersales import permissions as roles
from inquiries.models import OPEN_STATUS_VALUES, CannedReply, Inquiry, InquiryMessage, queue_rank
from org.models import StaffProfile

User = get_user_model()

OPEN_STATUSES = tuple(OPEN_STATUS_VALUES)  # new, open, escalated: the partial indexes' condition
AT_RISK = timedelta(minutes=5)  # amber in the queue
ALERT_BEFORE_BREACH = timedelta(minutes=2)  # supervisors are alerted this long before a breach
REFERENCE_RE = re.compile(r"\b(INQ-\d{6}-[0-9A-Z]{5})\b", re.IGNORECASE)

QUEUE_VIEWS = ("all", "mine", "unassigned", "breached")

# Columns the queue rows need; everything else (notes, encrypted contact details) stays in the database.
QUEUE_COLUMNS = (
    "id",
    "reference",
    "channel",
    "subject",
    "category",
    "status",
    "received_at",
    "first_response_due",
    "first_responded_at",
    "sla_met",
    "awaiting_agent",
    "flagged",
    "flag_reason",
    "contact_masked",
    "customer_id",
    "customer__name",
    "customer__customer_number",
    "assigned_to_id",
    "assigned_to__username",
    "assigned_to__first_name",
    "assigned_to__last_name",
)


@dataclass(slots=True)
class QueueRow:
    """One row of the agents' queue: what the table shows, read as plain values (no model instances)."""

    pk: int
    reference: str
    channel: str
    subject: str
    category: str
    status: str
    received_at: datetime
    first_response_due: datetime
    first_responded_at: datetime | None
    sla_met: bool | None
    awaiting_agent: bool
    flagged: bool
    flag_reason: str
    contact_masked: str
    customer_id: int | None
    customer_name: str
    customer_number: str
    assigned_to_id: int | None
    agent_name: str
    detail_url: str = ""

    @property
    def id(self) -> int:
        """The inquiry's id (templates and URLs read `id` as on a model instance)."""
        return self.pk


def queue_list(
    *, user: User, view: str = "all", channel: str = "", category: str = "", now: datetime | None = None
) -> QuerySet[Inquiry]:
    """Open inquiries for the agents' queue: unanswered first by time left, then those where the customer wrote again."""
    now = now or timezone.now()
    qs = Inquiry.objects.filter(status__in=OPEN_STATUSES)
    if view == "mine":
        qs = qs.filter(assigned_to=user)
    elif view == "unassigned":
        qs = qs.filter(assigned_to__isnull=True)
    elif view == "breached":
        qs = qs.filter(first_responded_at__isnull=True, first_response_due__lt=now)
    if channel:
        qs = qs.filter(channel=channel)
    if category:
        qs = qs.filter(category=category)
    if view == "breached":
        # All unanswered (rank 0): deadline order alone is the same order, and inquiry_open_cover_idx has it.
        return qs.order_by("first_response_due", "id")
    # The same expression as the partial index inquiry_queue_rank_idx: PostgreSQL reads the page in index order.
    return qs.order_by(queue_rank(), "first_response_due", "id")


def queue_rows(*, ids: list[int]) -> list[QueueRow]:
    """The rows of one queue page, in the order of `ids`, with customer and agent (one query).

    The page's ids are chosen first on the inquiry table alone (narrow, index-ordered); only those rows are
    then joined. Joining before choosing made PostgreSQL join thousands of open rows to customers first
    whenever a filter (unassigned, breached) led it away from the ordered index. Rows are read as values:
    building 75 model instances (inquiry, customer, agent) cost more than the query itself.
    """
    by_id = {row.pk: row for row in _rows(Inquiry.objects.filter(pk__in=ids).order_by())}
    return [by_id[pk] for pk in ids if pk in by_id]


def queue_page(*, ordered: QuerySet[Inquiry], start: int, size: int, view: str, filtered: bool) -> list[QueueRow]:
    """One page of the queue: in one joined query where PostgreSQL follows the ordered index, else in two.

    The whole open queue and "mine" read their page straight off inquiry_queue_rank_idx, so the join sees
    only the page's rows; for the other views and filters the ids are chosen first (queue_rows).
    """
    if view in ("all", "mine") and not filtered:
        return _rows(ordered[start : start + size])
    return queue_rows(ids=list(ordered.values_list("id", flat=True)[start : start + size]))


def _rows(queryset: QuerySet[Inquiry]) -> list[QueueRow]:
    rows = []
    for values in queryset.values_list(*QUEUE_COLUMNS):
        *fields, username, first_name, last_name = values
        rows.append(QueueRow(*fields, agent_name=f"{first_name} {last_name}".strip() or (username or "")))
    return rows


QUEUE_COUNTS_CACHE_KEY = "inquiries:queue-counts"


def queue_counts(*, user: User, now: datetime | None = None) -> dict[str, int]:
    """How many open inquiries each queue tab holds (shared figures, at most a couple of seconds old)."""
    by_agent = open_counts_by_agent(now=now)
    totals = [sum(column) for column in zip(*by_agent.values(), strict=True)] if by_agent else [0, 0, 0]
    return {
        "all": totals[0],
        "mine": by_agent.get(user.pk, (0, 0, 0))[0],
        "unassigned": by_agent.get(None, (0, 0, 0))[0],
        "breached": totals[1],
        "unanswered": totals[2],
    }


def open_counts_by_agent(*, now: datetime | None = None) -> dict[int | None, tuple[int, int, int]]:
    """Open, breached and unanswered inquiries per assigned agent (None = unassigned), in one query.

    Every agent's queue polls every few seconds and every poll shows the tab counts; they are the same
    figures for everyone, so they are kept for INQUIRY_QUEUE_COUNTS_CACHE_SECONDS (default 2) and
    counted once for all agents in that time instead of once per poll.
    """
    seconds = settings.INQUIRY_QUEUE_COUNTS_CACHE_SECONDS
    if seconds and now is None:
        cached = cache.get(QUEUE_COUNTS_CACHE_KEY)
        if cached is not None:
            return cached
    now = now or timezone.now()
    unanswered = Q(first_responded_at__isnull=True)
    # Only columns of inquiry_open_cover_idx (first_response_due is never null, so counting it counts rows):
    # PostgreSQL answers with an index-only scan, without visiting the table.
    rows = "first_response_due"
    result = {
        agent: (total, breached, waiting)
        for agent, total, breached, waiting in Inquiry.objects.filter(status__in=OPEN_STATUSES)
        .values("assigned_to_id")
        .annotate(
            total=Count(rows),
            breached=Count(rows, filter=unanswered & Q(first_response_due__lt=now)),
            waiting=Count(rows, filter=unanswered),
        )
        .order_by()
        .values_list("assigned_to_id", "total", "breached", "waiting")
    }
    if seconds:
        cache.set(QUEUE_COUNTS_CACHE_KEY, result, seconds)
    return result


def inquiry_thread(*, inquiry: Inquiry) -> list[InquiryMessage]:
    """The whole thread in order, with authors, outbound records and attachments."""
    return list(
        inquiry.messages.select_related("author", "outbound_message")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def canned_replies_for(*, language: str) -> list[CannedReply]:
    """Active canned replies in the language (falling back to all languages when none exist in it)."""
    replies = list(CannedReply.objects.filter(active=True).order_by("language", "position", "title"))
    matching = [r for r in replies if r.language == language]
    return matching or replies


def thread_for_email(*, subject: str, in_reply_to: list[str]) -> Inquiry | None:
    """The inquiry an email belongs to: by the reference in its subject, else by In-Reply-To/References."""
    match = REFERENCE_RE.search(subject or "")
    if match:
        found = Inquiry.objects.filter(reference=match.group(1).upper()).first()
        if found:
            return found
    ids = [i for i in in_reply_to if i]
    if ids:
        message = (
            InquiryMessage.objects.filter(email_message_id__in=ids).select_related("inquiry").order_by("-id").first()
        )
        if message:
            return message.inquiry
    return None


def thread_for_phone(*, phone_hash: str) -> Inquiry | None:
    """The customer's latest open inquiry for this phone number (an SMS reply attaches to it)."""
    if not phone_hash:
        return None
    return (
        Inquiry.objects.filter(contact_phone_hash=phone_hash, status__in=OPEN_STATUSES)
        .order_by("-received_at", "-id")
        .first()
    )


def agent_least_loaded(*, exclude_user_ids: tuple[int, ...] = ()) -> User | None:
    """The on-duty agent with the fewest open inquiries (ties: longest on duty, then id)."""
    profile = (
        StaffProfile.objects.filter(role=roles.AGENT, on_duty=True, user__is_active=True)
        .exclude(user_id__in=exclude_user_ids)
        .annotate(
            open_count=Count("user__assigned_inquiries", filter=Q(user__assigned_inquiries__status__in=OPEN_STATUSES))
        )
        .select_related("user")
        .order_by("open_count", "on_duty_since", "user_id")
        .first()
    )
    return profile.user if profile else None


def assignable_agents() -> list[StaffProfile]:
    """Active staff who can take inquiries (agents and supervisors), on-duty first."""
    return list(
        StaffProfile.objects.filter(role__in=[roles.AGENT, roles.SUPERVISOR], user__is_active=True)
        .select_related("user")
        .order_by("-on_duty", "user__username")
    )


@dataclass
class AgentWatch:
    """One agent's line on the supervisor's SLA watch (user None: the unassigned inquiries)."""

    user: User | None
    on_duty: bool
    open_count: int = 0
    breached: list[Inquiry] = field(default_factory=list)
    at_risk: list[Inquiry] = field(default_factory=list)


def sla_watch(*, now: datetime | None = None, limit: int = 500) -> list[AgentWatch]:
    """Breached and at-risk unanswered inquiries grouped by agent (unassigned first), with open counts."""
    now = now or timezone.now()
    risky = list(
        Inquiry.objects.filter(
            status__in=OPEN_STATUSES, first_responded_at__isnull=True, first_response_due__lt=now + AT_RISK
        )
        .select_related("customer", "assigned_to")
        .only(*QUEUE_COLUMNS)
        .order_by("first_response_due", "id")[:limit]
    )
    profiles = {
        p.user_id: p
        for p in StaffProfile.objects.filter(role__in=[roles.AGENT, roles.SUPERVISOR], user__is_active=True)
        .select_related("user")
        .annotate(
            open_count=Count("user__assigned_inquiries", filter=Q(user__assigned_inquiries__status__in=OPEN_STATUSES))
        )
    }
    rows: dict[int | None, AgentWatch] = {None: AgentWatch(user=None, on_duty=True)}
    for user_id, profile in profiles.items():
        if profile.on_duty or profile.open_count:
            rows[user_id] = AgentWatch(user=profile.user, on_duty=profile.on_duty, open_count=profile.open_count)
    for inquiry in risky:
        row = rows.get(inquiry.assigned_to_id)
        if row is None:
            row = rows[inquiry.assigned_to_id] = AgentWatch(user=inquiry.assigned_to, on_duty=False)
        (row.breached if inquiry.first_response_due < now else row.at_risk).append(inquiry)
    unassigned = rows.pop(None)
    ordered = sorted(
        rows.values(), key=lambda r: (-len(r.breached), -len(r.at_risk), not r.on_duty, r.user.get_username())
    )
    return [unassigned, *ordered]


def sla_at_risk_count(*, now: datetime | None = None) -> int:
    """Unanswered open inquiries breached or within the alert window."""
    now = now or timezone.now()
    return Inquiry.objects.filter(
        status__in=OPEN_STATUSES, first_responded_at__isnull=True, first_response_due__lt=now + ALERT_BEFORE_BREACH
    ).count()
