"""Performance scoring: KPI weights, grade bands and the monthly review (computed, commented, signed off, locked)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from org.models import StaffProfile
from staff import kpi as kpis
from staff.models import GradeBand, KpiWeight, PerformanceReview

# Used until a manager sets weights and bands (the demo and a fresh install start from these).
DEFAULT_WEIGHTS = {
    "sla": Decimal(30),
    "resolution": Decimal(20),
    "complaint_timeliness": Decimal(15),
    "csat": Decimal(15),
    "qa": Decimal(20),
}
DEFAULT_BANDS = {
    "A": (Decimal(90), Decimal("1.20")),
    "B": (Decimal(75), Decimal("1.00")),
    "C": (Decimal(60), Decimal("0.90")),
    "D": (Decimal(0), Decimal("0.80")),
}
REVIEWED_ROLES = ("agent",)


class ReviewLocked(Exception):
    """The review was signed off and can no longer change."""


def scoring_weights() -> dict[str, Decimal]:
    """The KPI weights in percent (defaults until a manager sets them)."""
    stored = {w.kpi: w.weight for w in KpiWeight.objects.all()}
    return stored or dict(DEFAULT_WEIGHTS)


def grade_bands() -> dict[str, tuple[Decimal, Decimal]]:
    """Grade -> (minimum score, pay coefficient)."""
    stored = {b.grade: (b.min_score, b.pay_coefficient) for b in GradeBand.objects.all()}
    return stored or dict(DEFAULT_BANDS)


def validate_weights(weights: dict[str, Decimal]) -> None:
    """Weights are 0–100, only for scoreable KPIs, and sum to exactly 100."""
    allowed = {k.code for k in kpis.SCOREABLE}
    unknown = set(weights) - allowed
    if unknown:
        raise ValidationError(_("These KPIs cannot carry a weight: %(codes)s") % {"codes": ", ".join(sorted(unknown))})
    if any(Decimal(w) < 0 or Decimal(w) > 100 for w in weights.values()):
        raise ValidationError(_("Each weight must be between 0 and 100%."))
    total = sum((Decimal(w) for w in weights.values()), Decimal(0))
    if total != Decimal(100):
        raise ValidationError(
            _("The weights must add up to 100%% (now %(total)s%%).") % {"total": f"{total.normalize():f}"}
        )


def validate_bands(bands: dict[str, tuple[Decimal, Decimal]]) -> None:
    """Bands A–D all present, minimum scores strictly falling from A to D, D starting at 0."""
    if set(bands) != {"A", "B", "C", "D"}:
        raise ValidationError(_("Set all four grades A, B, C and D."))
    mins = [Decimal(bands[g][0]) for g in "ABCD"]
    if not all(a > b for a, b in zip(mins, mins[1:], strict=False)):
        raise ValidationError(_("Minimum scores must fall from A to D."))
    if mins[-1] != 0:
        raise ValidationError(_("Grade D must start at 0 so every score has a grade."))
    if any(Decimal(bands[g][1]) < 0 for g in "ABCD"):
        raise ValidationError(_("Pay coefficients cannot be negative."))


@transaction.atomic
def scoring_set(*, weights: dict[str, Decimal], bands: dict[str, tuple[Decimal, Decimal]], actor, request=None) -> None:
    """Replace the KPI weights and grade bands (a manager's decision, audited)."""
    validate_weights(weights)
    validate_bands(bands)
    before = {
        "weights": {k: str(v) for k, v in scoring_weights().items()},
        "bands": {g: [str(m), str(c)] for g, (m, c) in grade_bands().items()},
    }
    KpiWeight.objects.all().delete()
    KpiWeight.objects.bulk_create([KpiWeight(kpi=code, weight=Decimal(w)) for code, w in weights.items() if Decimal(w)])
    GradeBand.objects.all().delete()
    GradeBand.objects.bulk_create(
        [GradeBand(grade=g, min_score=Decimal(m), pay_coefficient=Decimal(c)) for g, (m, c) in bands.items()]
    )
    after = {
        "weights": {k: str(v) for k, v in weights.items() if Decimal(v)},
        "bands": {g: [str(m), str(c)] for g, (m, c) in bands.items()},
    }
    audit_log(
        actor=actor,
        action="scoring_set",
        object_type="staff.scoring",
        object_id="current",
        changes={"scoring": [before, after]},
        request=request,
    )


def grade_for(score: Decimal | None, bands: dict[str, tuple[Decimal, Decimal]]) -> tuple[str, Decimal | None]:
    """The grade whose band holds the score, with its pay coefficient."""
    if score is None:
        return "", None
    for grade in sorted(bands, key=lambda g: bands[g][0], reverse=True):
        if score >= bands[grade][0]:
            return grade, bands[grade][1]
    return "", None


def month_start(day: date) -> date:
    return day.replace(day=1)


@transaction.atomic
def reviews_generate(*, month: date, actor=None, request=None) -> int:
    """Compute (or recompute) the month's reviews of every agent; signed-off reviews are never touched."""
    month = month_start(month)
    period = kpis.Period.month(month)
    profiles = StaffProfile.objects.filter(role__in=REVIEWED_ROLES, user__is_active=True)
    ids = list(profiles.values_list("user_id", flat=True))
    report = kpis.kpi_report(period=period, staff_ids=ids)
    weights = scoring_weights()
    bands = grade_bands()
    existing = {r.staff_id: r for r in PerformanceReview.objects.select_for_update().filter(month=month)}
    now = timezone.now()
    to_create, to_update = [], []
    for row in report.rows:
        values = row.figures.values()
        score = kpis.performance_score(values, weights)
        grade, coefficient = grade_for(score, bands)
        snapshot = {code: (str(v) if v is not None else None) for code, v in values.items()}
        snapshot["_weights"] = {k: str(v) for k, v in weights.items()}
        review = existing.get(row.user_id)
        if review is None:
            to_create.append(
                PerformanceReview(
                    staff_id=row.user_id,
                    month=month,
                    score=score,
                    grade=grade,
                    pay_coefficient=coefficient,
                    kpis=snapshot,
                    computed_at=now,
                )
            )
        elif not review.locked:
            review.score, review.grade, review.pay_coefficient = score, grade, coefficient
            review.kpis, review.computed_at = snapshot, now
            to_update.append(review)
    PerformanceReview.objects.bulk_create(to_create)
    PerformanceReview.objects.bulk_update(to_update, ["score", "grade", "pay_coefficient", "kpis", "computed_at"])
    audit_log(
        actor=actor,
        action="reviews_generate",
        object_type="staff.performancereview",
        object_id=month.strftime("%Y-%m"),
        changes={"created": [0, len(to_create)], "recomputed": [0, len(to_update)]},
        request=request,
    )
    return len(to_create) + len(to_update)


def _refuse(review: PerformanceReview, actor, request, attempted: str) -> None:
    """Record the refused edit (outside the rolled-back transaction) and raise."""
    audit_log(actor=actor, action="review_edit_refused", obj=review, reason=attempted, request=request)
    raise ReviewLocked(_("This review was signed off and is locked."))


def review_comment(*, review: PerformanceReview, comment: str, actor, request=None) -> PerformanceReview:
    """Record the supervisor's comment on an unsigned review."""
    with transaction.atomic():
        review = PerformanceReview.objects.select_for_update().get(pk=review.pk)
        if not review.locked:
            before = review.supervisor_comment
            review.supervisor_comment = comment.strip()
            review.commented_by = actor
            review.status = PerformanceReview.Status.COMMENTED
            review.full_clean()
            review.save(update_fields=["supervisor_comment", "commented_by", "status"])
            audit_log(
                actor=actor,
                action="review_comment",
                obj=review,
                changes={"supervisor_comment": [before, review.supervisor_comment]},
                request=request,
            )
            return review
    _refuse(review, actor, request, "comment")


def review_sign_off(*, review: PerformanceReview, actor, request=None) -> PerformanceReview:
    """A manager signs the review off; from then on it is locked."""
    with transaction.atomic():
        review = PerformanceReview.objects.select_for_update().get(pk=review.pk)
        if not review.locked:
            if review.staff_id == getattr(actor, "pk", None):
                raise ValidationError(_("You cannot sign off your own review."))
            previous_status = review.status
            review.status = PerformanceReview.Status.SIGNED
            review.signed_by = actor
            review.signed_at = timezone.now()
            review.full_clean()
            review.save(update_fields=["status", "signed_by", "signed_at"])
            audit_log(
                actor=actor,
                action="review_sign_off",
                obj=review,
                changes={
                    "status": [previous_status, review.status],
                    "score": [None, str(review.score)],
                    "grade": [None, review.grade],
                    "pay_coefficient": [None, str(review.pay_coefficient)],
                },
                request=request,
            )
            return review
    _refuse(review, actor, request, "sign_off")
