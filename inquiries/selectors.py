"""Reads for inquiries: the live queue, the supervisor's SLA watch, threads (customers are matched by
`customers.selectors.customer_match`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from aftersales import permissions as roles
from aftersales.names import person_name
from customers.api import pii_hash
from customers.selectors import customer_quick_search_ids
from inquiries.models import OPEN_STATUS_VALUES, CannedReply, Inquiry, InquiryAttachment, InquiryMessage, queue_rank
from inquiries.routing import AgentLoad
from inquiries.side_panel import SidePanel, side_panel  # noqa: F401 — re-exported
from org.models import StaffProfile

User = get_user_model()

OPEN_STATUSES = tuple(OPEN_STATUS_VALUES)  # new, open, escalated: the partial indexes' condition
AT_RISK = timedelta(minutes=5)  # amber in the queue
ALERT_BEFORE_BREACH = timedelta(minutes=2)  # supervisors are alerted this long before a breach
REFERENCE_RE = re.compile(r"\b(INQ-\d{6}-[0-9A-Z]{5})\b", re.IGNORECASE)

QUEUE_VIEWS = ("all", "mine", "unassigned", "breached")
SEARCH_CUSTOMERS_MAX = 100  # customers a name or number search reads; a broader search asks to be narrowed
SEARCH_RESULTS_MAX = 200  # inquiries a search lists (open first, then the latest resolved)


def running_clock() -> Coalesce:
    """The clock an open inquiry runs on: its follow-up deadline while the customer waits again, else the first."""
    return Coalesce(F("next_response_due"), F("first_response_due"))


def waiting_on_agent() -> Q:
    """Open work that waits on its agent: not answered yet, or the customer wrote again (the routing load)."""
    return Q(first_responded_at__isnull=True) | Q(awaiting_agent=True)


def clock_breached(now: datetime) -> Q:
    """Unanswered past the first-response deadline, or a follow-up past its next-response deadline."""
    return Q(first_responded_at__isnull=True, first_response_due__lt=now) | Q(
        awaiting_agent=True, next_response_due__lt=now
    )


def clock_before(moment: datetime) -> Q:
    """Open work whose running clock ends before `moment` (breached or at risk, by the clock it runs on)."""
    return Q(first_responded_at__isnull=True, first_response_due__lt=moment) | Q(
        awaiting_agent=True, next_response_due__lt=moment
    )


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
    "next_response_due",
    "callback_due_at",
    "callback_done_at",
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
    next_response_due: datetime | None
    callback_due_at: datetime | None  # a callback owed after a missed call (#16) while callback_done_at is None
    callback_done_at: datetime | None
    agent_name: str
    detail_url: str = ""

    @property
    def id(self) -> int:
        """The inquiry's id (templates and URLs read `id` as on a model instance)."""
        return self.pk


@dataclass(frozen=True, slots=True)
class QueueSearch:
    """A parsed queue search (inquiries/forms_queue.py): what was typed and how it is looked up."""

    kind: str  # reference | mobile | customer
    value: str  # the reference upper-cased, the mobile in E.164, or the name / customer number as typed


def queue_list(
    *,
    user: User,
    view: str = "all",
    channel: str = "",
    category: str = "",
    now: datetime | None = None,
    search: QueueSearch | None = None,
) -> QuerySet[Inquiry]:
    """Open inquiries for the agents' queue: unanswered first by time left, then those where the customer wrote
    again by their follow-up clock. With a search: every inquiry that matches, open ones first."""
    now = now or timezone.now()
    if search is not None:
        qs = Inquiry.objects.filter(search_filter(search))
    else:
        qs = Inquiry.objects.filter(status__in=OPEN_STATUSES)
    if view == "mine":
        qs = qs.filter(assigned_to=user)
    elif view == "unassigned":
        qs = qs.filter(assigned_to__isnull=True)
    elif view == "breached":
        qs = qs.filter(clock_breached(now))
    if channel:
        qs = qs.filter(channel=channel)
    if category:
        qs = qs.filter(category=category)
    if search is not None:
        # Open ones first in queue order, then the resolved ones newest first.
        resolved = Q(status=Inquiry.Status.RESOLVED)
        closed_last = Case(When(resolved, then=Value(1)), default=Value(0))
        open_clock = Case(When(resolved, then=None), default=running_clock())
        return qs.order_by(
            closed_last, Case(When(resolved, then=Value(0)), default=queue_rank()), open_clock, "-received_at", "-id"
        )
    # The order of the partial index on (rank, running clock, id) (inquiries/models.py): PostgreSQL reads the page
    # in index order. Rank 0 (unanswered) never has a follow-up clock, so it keeps the first-response deadline.
    return qs.order_by(queue_rank(), running_clock(), "id")


def search_filter(search: QueueSearch) -> Q:
    """The inquiries a queue search finds: by reference, by mobile (sender or customer, by keyed hash), or by the
    customers whose name or customer number starts with the text (at most SEARCH_CUSTOMERS_MAX of them; indexed)."""
    if search.kind == "reference":
        return Q(reference=search.value)
    customer_ids = customer_quick_search_ids(query=search.value, limit=SEARCH_CUSTOMERS_MAX)
    condition = Q(customer_id__in=customer_ids)
    if search.kind == "mobile":
        condition |= Q(contact_phone_hash=pii_hash(search.value))
    return condition


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
        rows.append(QueueRow(*fields, agent_name=person_name(last_name, first_name) or (username or "")))
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
    """Open, breached (first or next answer) and unanswered inquiries per assigned agent (None = unassigned), in
    two queries.

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
    counted = (
        Inquiry.objects.filter(status__in=OPEN_STATUSES)
        .values("assigned_to_id")
        .annotate(
            total=Count(rows),
            breached=Count(rows, filter=unanswered & Q(first_response_due__lt=now)),
            waiting=Count(rows, filter=unanswered),
        )
        .order_by()
        .values_list("assigned_to_id", "total", "breached", "waiting")
    )
    result = {agent: (total, breached, waiting) for agent, total, breached, waiting in counted}
    # Follow-ups past their next-response deadline (few rows, by the next_response_due index) are breached too.
    for agent, late in _follow_ups_late_by_agent(now):
        total, breached, waiting = result.get(agent, (0, 0, 0))
        result[agent] = (total, breached + late, waiting)
    if seconds:
        cache.set(QUEUE_COUNTS_CACHE_KEY, result, seconds)
    return result


def _follow_ups_late_by_agent(now: datetime) -> list[tuple[int | None, int]]:
    """(agent, count) of answered inquiries whose customer wrote again and whose next answer is overdue."""
    return list(
        Inquiry.objects.filter(
            status__in=OPEN_STATUSES,
            first_responded_at__isnull=False,
            awaiting_agent=True,
            next_response_due__lt=now,
        )
        .values("assigned_to_id")
        .annotate(late=Count("id"))
        .order_by()
        .values_list("assigned_to_id", "late")
    )


def inquiry_thread(*, inquiry: Inquiry) -> list[InquiryMessage]:
    """The whole thread in order, with authors, outbound records and attachments (read only where there are any)."""
    # The thread shows the author's name and the outbound record's status and error: not its text and parameters (the
    # message's own body is the text sent). The original of a masked message (body_full, encrypted) is only revealed
    # on request: the page needs to know whether there is one, not to decrypt every message's.
    own = [f.name for f in InquiryMessage._meta.concrete_fields if f.name != "body_full"]
    messages = list(
        inquiry.messages.select_related("author", "outbound_message")
        .only(*own, *THREAD_AUTHOR_FIELDS, "outbound_message__status", "outbound_message__error_message")
        .annotate(
            has_body_full=ExpressionWrapper(~Q(body_full=""), output_field=BooleanField()),
            has_attachments=Exists(InquiryAttachment.objects.filter(message_id=OuterRef("pk"))),
        )
        .order_by("created_at", "id")
    )
    with_files = [m for m in messages if m.has_attachments]
    if with_files:
        prefetch_related_objects(with_files, "attachments")
    none = InquiryAttachment.objects.none()
    for message in messages:
        if not message.has_attachments:
            message._prefetched_objects_cache = {"attachments": none}
    return messages


THREAD_AUTHOR_FIELDS = ("author__username", "author__first_name", "author__last_name")


CANNED_CACHE_KEY = "inquiries:canned-replies:v1"


def canned_replies_for(*, language: str) -> list[CannedReply]:
    """Active canned replies in the language (falling back to all languages when none exist in it).

    Every inquiry page shows them and they change rarely: kept in the cache, dropped whenever one is saved or deleted
    (`canned_replies_forget`, connected in InquiriesConfig.ready()), and at the latest after 10 minutes."""
    replies = cache.get(CANNED_CACHE_KEY)
    if replies is None:
        replies = list(CannedReply.objects.filter(active=True).order_by("language", "position", "title"))
        cache.set(CANNED_CACHE_KEY, replies, 600)
    matching = [r for r in replies if r.language == language]
    return matching or replies


def canned_replies_forget(**_signal: object) -> None:
    """Drop the cached canned replies (a receiver of CannedReply's post_save and post_delete)."""
    cache.delete(CANNED_CACHE_KEY)


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


def thread_for_phone(*, phone_hash: str, now: datetime | None = None) -> Inquiry | None:
    """The inquiry an SMS from this number belongs to: its latest open one, else the latest resolved within
    INQUIRY_REOPEN_DAYS (the customer answering our reply reopens it); None opens a new inquiry."""
    if not phone_hash:
        return None
    mine = Inquiry.objects.filter(contact_phone_hash=phone_hash).order_by("-received_at", "-id")
    found = mine.filter(status__in=OPEN_STATUSES).first()
    if found is None and settings.INQUIRY_REOPEN_DAYS:
        since = (now or timezone.now()) - timedelta(days=settings.INQUIRY_REOPEN_DAYS)
        found = mine.filter(status=Inquiry.Status.RESOLVED, resolved_at__gte=since).first()
    return found


def agent_loads(*, user_ids: list[int] | None = None) -> list[AgentLoad]:
    """The on-duty, active agents (or those of `user_ids` among them) with their routing load (two queries)."""
    profiles = StaffProfile.objects.filter(role=roles.AGENT, on_duty=True, user__is_active=True)
    if user_ids is not None:
        profiles = profiles.filter(user_id__in=user_ids)
    on_duty = dict(profiles.values_list("user_id", "on_duty_since"))
    if not on_duty:
        return []
    loads = dict(
        Inquiry.objects.filter(status__in=OPEN_STATUSES, assigned_to_id__in=list(on_duty))
        .filter(waiting_on_agent())
        .values("assigned_to_id")
        .annotate(load=Count("id"))
        .order_by()
        .values_list("assigned_to_id", "load")
    )
    return [AgentLoad(user_id, loads.get(user_id, 0), since) for user_id, since in on_duty.items()]


def staff_on_duty(*, user_id: int) -> bool:
    """True while the staff member is active and on duty (a follow-up stays with such an owner)."""
    return StaffProfile.objects.filter(user_id=user_id, on_duty=True, user__is_active=True).exists()


def assignable_agents() -> list[StaffProfile]:
    """Active staff who can take inquiries (agents and supervisors), on-duty first."""
    return list(
        StaffProfile.objects.filter(role__in=[roles.AGENT, roles.SUPERVISOR], user__is_active=True)
        .select_related("user")
        .order_by("-on_duty", "user__username")
    )


WATCH_ITEMS_PER_AGENT = 5  # the most urgent per agent on the SLA watch; the rest are counted, not listed
WATCH_COLUMNS = (
    "id",
    "reference",
    "subject",
    "status",
    "assigned_to_id",
    "first_response_due",
    "first_responded_at",
    "sla_met",
    "awaiting_agent",
    "next_response_due",
)


@dataclass
class AgentWatch:
    """One agent's line on the supervisor's SLA watch (user None: the unassigned inquiries)."""

    user: User | None
    on_duty: bool
    open_count: int = 0
    breached_count: int = 0
    at_risk_count: int = 0
    breached: list[Inquiry] = field(default_factory=list)
    at_risk: list[Inquiry] = field(default_factory=list)

    @property
    def more(self) -> int:
        """Breached and at-risk inquiries counted but not listed."""
        return self.breached_count + self.at_risk_count - len(self.breached) - len(self.at_risk)


def sla_watch(*, now: datetime | None = None, per_agent: int = WATCH_ITEMS_PER_AGENT) -> list[AgentWatch]:
    """Breached and at-risk inquiries (by the clock each runs on) per agent, unassigned first: the counts of each
    agent and their `per_agent` most urgent, in three queries whatever the number of inquiries."""
    now = now or timezone.now()
    risky = clock_before(now + AT_RISK)
    # Open counts per agent: the queue's shared tab counts (index-only, cached a few seconds). Breached and at risk:
    # only the rows whose running clock ends within 5 minutes (BitmapOr of the two deadline indexes).
    totals = open_counts_by_agent()
    counts = (
        Inquiry.objects.filter(risky, status__in=OPEN_STATUSES)
        .values("assigned_to_id")
        .annotate(breached=Count("id", filter=clock_breached(now)), risky=Count("id"))
        .order_by()
        .values_list("assigned_to_id", "breached", "risky")
    )
    urgent = (
        Inquiry.objects.filter(risky, status__in=OPEN_STATUSES)
        .annotate(
            clock=running_clock(),
            place=Window(RowNumber(), partition_by=[F("assigned_to_id")], order_by=[running_clock().asc(), F("id")]),
        )
        .filter(place__lte=per_agent)
        .only(*WATCH_COLUMNS)
        .order_by("clock", "id")
    )
    profiles = StaffProfile.objects.filter(
        role__in=[roles.AGENT, roles.SUPERVISOR], user__is_active=True
    ).select_related("user")
    by_agent = {agent: (totals.get(agent, (0,))[0], breached, n - breached) for agent, breached, n in counts}
    rows: dict[int | None, AgentWatch] = {}
    for agent_id, user, on_duty in [(None, None, True), *((p.user_id, p.user, p.on_duty) for p in profiles)]:
        total, breached, at_risk = by_agent.get(agent_id, (totals.get(agent_id, (0,))[0], 0, 0))
        if agent_id is None or on_duty or total:
            rows[agent_id] = AgentWatch(user, on_duty, total, breached, at_risk)
    for inquiry in urgent:
        row = rows.get(inquiry.assigned_to_id)
        if row is None:  # held by someone no longer active or not an agent: still shown, so it can be moved
            total, breached, at_risk = by_agent.get(inquiry.assigned_to_id, (0, 0, 0))
            row = rows[inquiry.assigned_to_id] = AgentWatch(inquiry.assigned_to, False, total, breached, at_risk)
        (row.breached if inquiry.clock < now else row.at_risk).append(inquiry)
    unassigned = rows.pop(None)
    ordered = sorted(
        rows.values(), key=lambda r: (-r.breached_count, -r.at_risk_count, not r.on_duty, r.user.get_username())
    )
    return [unassigned, *ordered]


def sla_at_risk_count(*, now: datetime | None = None) -> int:
    """Unanswered open inquiries breached or within the alert window."""
    now = now or timezone.now()
    return Inquiry.objects.filter(
        status__in=OPEN_STATUSES, first_responded_at__isnull=True, first_response_due__lt=now + ALERT_BEFORE_BREACH
    ).count()
