"""KPI data of the loans app: the active loans, the denominator of the complaint rate per 1,000 loans."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from loans.models import Loan

ACTIVE_LOANS_CACHE_KEY = "loans:kpi:active_loans"
ACTIVE_LOANS_CACHE_SECONDS = 60


def active_loans() -> QuerySet[Loan]:
    """The loans active now."""
    return Loan.objects.filter(status=Loan.Status.ACTIVE)


def active_loans_count() -> int:
    """How many loans are active now (one COUNT, shared for a minute by all requests)."""
    count = cache.get(ACTIVE_LOANS_CACHE_KEY)
    if count is None:
        count = active_loans().count()
        cache.set(ACTIVE_LOANS_CACHE_KEY, count, ACTIVE_LOANS_CACHE_SECONDS)
    return count
