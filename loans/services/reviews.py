"""Post-loan reviews (贷后检查) by risk assessors."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.utils import timezone

from aftersales import permissions as roles
from aftersales.audit import audit_log
from loans.api import review_signal_sources
from loans.models import Loan, LoanReview


@transaction.atomic
def loan_review_record(
    *,
    loan: Loan,
    reviewed_by: AbstractBaseUser,
    classification: str,
    funds_use: str,
    financial_condition: str,
    contact_outcome: str,
    funds_use_note: str = "",
    financial_note: str = "",
    measures: str = "",
    trigger: str = "",
    request: HttpRequest | None = None,
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


def review_signals_refresh(*, since: datetime | None = None) -> int:
    """Copy each customer's latest hardship-inquiry and complaint dates onto their open loans, set-based.

    With `since`, only customers with such a record received since then are looked at (the few-minute beat run);
    without it every customer is (the nightly run, which also clears signals whose source rows are gone).
    Returns the number of loan rows changed; a second run with nothing new changes none. The sources are
    registered by the apps that own them (`loans.api.register_review_signal_source`: inquiries, complaints).
    """
    changed = 0
    open_loans = Loan.objects.filter(status__in=Loan.Status.open_statuses())
    for source in list(review_signal_sources):
        column = source.column
        sources = source.queryset_factory().filter(customer_id__isnull=False)
        recent = sources.filter(received_at__gte=since) if since is not None else sources
        latest = (
            source.queryset_factory()
            .filter(customer_id=OuterRef("customer_id"))
            .order_by()
            .values("customer_id")
            .annotate(last_on=Max(TruncDate("received_at")))
            .values("last_on")
        )
        changed += (
            open_loans.filter(customer_id__in=recent.values("customer_id"))
            .exclude(**{column: Subquery(latest)})
            .update(**{column: Subquery(latest)})
        )
        if since is None:
            changed += (
                open_loans.filter(**{f"{column}__isnull": False})
                .exclude(customer_id__in=sources.values("customer_id"))
                .update(**{column: None})
            )
    return changed
