"""Post-loan reviews (贷后检查) by risk assessors."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from aftersales import permissions as roles
from aftersales.audit import audit_log
from loans.models import Loan, LoanReview


@transaction.atomic
def loan_review_record(
    *,
    loan: Loan,
    reviewed_by,
    classification: str,
    funds_use: str,
    financial_condition: str,
    contact_outcome: str,
    funds_use_note: str = "",
    financial_note: str = "",
    measures: str = "",
    trigger: str = "",
    request=None,
) -> LoanReview:
    """Record a review and set the loan's five-category classification (risk assessors only)."""
    roles.require_role(reviewed_by, [roles.RISK_ASSESSOR])
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    review = LoanReview(
        loan=loan,
        reviewed_by=reviewed_by,
        reviewed_at=timezone.now(),
        classification=classification,
        previous_classification=loan.classification,
        funds_use=funds_use,
        funds_use_note=funds_use_note,
        financial_condition=financial_condition,
        financial_note=financial_note,
        contact_outcome=contact_outcome,
        measures=measures,
        trigger=trigger[:100],
    )
    review.full_clean()
    review.save()
    loan.classification = classification
    loan.last_reviewed_on = timezone.localdate(review.reviewed_at)
    loan.save(update_fields=["classification", "last_reviewed_on"])
    audit_log(
        actor=reviewed_by,
        action="loan_review",
        obj=loan,
        changes={"classification": [review.previous_classification, classification]},
        request=request,
    )
    return review
