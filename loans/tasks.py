"""Celery tasks: thin wrappers around loans.jobs; safe to run twice for the same day."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from loans import jobs, ledger

logger = logging.getLogger(__name__)


@shared_task
def overdue_daily(as_of: str | None = None) -> dict:
    """Mark overdue, charge late fees, accrue penalty interest, refresh DPD and buckets (idempotent per day)."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    run = jobs.overdue_run(day)
    logger.info("overdue run %s: %s", day, run)
    ledger.ledger_refresh()
    return {
        "as_of": day.isoformat(),
        "marked_overdue": run.marked_overdue,
        "late_fees": run.late_fees,
        "penalties": run.penalties,
        "loans_updated": run.loans_updated,
    }


@shared_task
def review_signals_refresh(full: bool = False) -> int:
    """Copy hardship inquiries and complaints onto loans for the review queue (recent ones, or all when `full`)."""
    from loans import services

    since = None if full else timezone.now() - timedelta(days=1)
    return services.review_signals_refresh(since=since)


@shared_task
def ledger_refresh() -> int:
    """Fold new allocations and repayments into the ledger summary; returns the allocation watermark (-1 if skipped)."""
    state = ledger.ledger_refresh()
    return state.allocation_through if state is not None else -1


@shared_task
def ledger_check() -> list[str]:
    """Full check of the installments against the ledger (stored for the reconciliation page); returns problems."""
    ledger.ledger_refresh()
    result = ledger.ledger_check()
    if result["problems"]:
        logger.error("ledger check: installments disagree with the ledger: %s", result["problems"])
    return result["problems"]
