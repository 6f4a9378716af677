"""QA sampling (internal supervision): a weekly, reproducible sample of each agent's closed records, and scorecards."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from complaints.models import Complaint
from inquiries.models import Inquiry
from org.models import StaffProfile
from staff.models import QaReview

SCORE_FIELDS = ("accuracy", "attitude", "compliance", "timeliness")


def week_start(day: date) -> date:
    """Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def sample_size(closed: int, rate: Decimal | None = None) -> int:
    """QA_SAMPLE_RATE of the closed records, rounded half up, at least 1 (0 when nothing was closed)."""
    if closed <= 0:
        return 0
    rate = Decimal(str(rate if rate is not None else settings.QA_SAMPLE_RATE))
    return min(closed, max(1, int((Decimal(closed) * rate).to_integral_value(rounding=ROUND_HALF_UP))))


def closed_records(*, week: date) -> dict[int, list[tuple[str, int, str, datetime]]]:
    """Per agent, the inquiries they resolved and the complaints closed on their desk in the week (2 queries)."""
    start = timezone.make_aware(datetime.combine(week, time.min))
    end = start + timedelta(days=7)
    by_agent: dict[int, list] = defaultdict(list)
    rows = Inquiry.objects.filter(resolved_at__gte=start, resolved_at__lt=end, resolved_by__isnull=False)
    for agent_id, pk, ref, closed_at in rows.values_list("resolved_by", "id", "reference", "resolved_at"):
        by_agent[agent_id].append((QaReview.Kind.INQUIRY, pk, ref, closed_at))
    rows = Complaint.objects.filter(closed_at__gte=start, closed_at__lt=end, assigned_to__isnull=False)
    for agent_id, pk, ref, closed_at in rows.values_list("assigned_to", "id", "reference", "closed_at"):
        by_agent[agent_id].append((QaReview.Kind.COMPLAINT, pk, ref, closed_at))
    return by_agent


def draw_sample(*, week: date, agent_id: int, records: list, rate: Decimal | None = None) -> list:
    """The sample for one agent and week: seeded by week and agent, so the same inputs give the same sample."""
    population = sorted(records, key=lambda r: (r[0], r[1]))
    rng = random.Random(f"qa:{week.isoformat()}:{agent_id}")
    return rng.sample(population, sample_size(len(population), rate))


@transaction.atomic
def qa_week_sample(*, week: date, rate: Decimal | None = None) -> int:
    """Store the week's QA sample as review tasks for each agent's supervisor. Safe to run twice (returns new items)."""
    week = week_start(week)
    by_agent = closed_records(week=week)
    if not by_agent:
        return 0
    already = set(QaReview.objects.filter(week=week, agent_id__in=by_agent).values_list("agent_id", flat=True))
    supervisors = dict(
        StaffProfile.objects.filter(user_id__in=by_agent, team__isnull=False).values_list(
            "user_id", "team__supervisor_id"
        )
    )
    items = []
    for agent_id, records in by_agent.items():
        if agent_id in already:
            continue  # the stored sample stands; re-drawing would change nothing but we never re-draw
        for kind, pk, ref, closed_at in draw_sample(week=week, agent_id=agent_id, records=records, rate=rate):
            reviewer = supervisors.get(agent_id)
            items.append(
                QaReview(
                    kind=kind,
                    object_id=pk,
                    reference=ref,
                    agent_id=agent_id,
                    reviewer_id=reviewer if reviewer != agent_id else None,
                    week=week,
                    closed_at=closed_at,
                )
            )
    created = QaReview.objects.bulk_create(items, ignore_conflicts=True)
    return len(created)


@transaction.atomic
def qa_review_record(*, review: QaReview, scores: dict[str, int], comments: str, actor, request=None) -> QaReview:
    """Fill in (or correct) the scorecard; the score is the mean of the four criteria."""
    review = QaReview.objects.select_for_update().get(pk=review.pk)
    if review.agent_id == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot review your own work."))
    before = {f: getattr(review, f) for f in SCORE_FIELDS}
    for name in SCORE_FIELDS:
        value = int(scores[name])
        if not 0 <= value <= 100:
            raise ValidationError(_("Scores run from 0 to 100."))
        setattr(review, name, value)
    review.score = (Decimal(sum(int(scores[f]) for f in SCORE_FIELDS)) / 4).quantize(Decimal("0.01"))
    review.comments = comments.strip()
    review.reviewed_by = actor
    review.reviewed_at = review.reviewed_at or timezone.now()
    review.full_clean()
    review.save()
    audit_log(
        actor=actor,
        action="qa_review",
        obj=review,
        changes={f: [before[f], getattr(review, f)] for f in SCORE_FIELDS if before[f] != getattr(review, f)},
        request=request,
    )
    return review


def record_url(kind: str, object_id: int) -> str:
    """Link to the sampled record in its own app, when that page exists."""
    name = "inquiries:detail" if kind == QaReview.Kind.INQUIRY else "complaints:detail"
    try:
        return reverse(name, args=[object_id])
    except NoReverseMatch:
        return ""
