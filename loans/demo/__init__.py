"""Demo loans: products, ~1.2 contracts per demo customer with repayment histories relative to today.

Most loans are current, some overdue in every bucket, some closed, a few partially paid, a couple restructured
through the real workflow. Everything is bulk-inserted; repayments and allocations are written with set-based
INSERT … SELECT, overdue state by the daily job itself. Idempotent: customers that already have demo loans are skipped.
"""

from __future__ import annotations

from loans.demo.bulk import seed
from loans.ledger import ledger_refresh
from loans.services.reviews import review_signals_refresh

__all__ = ["finish", "seed"]


def finish(ctx) -> None:
    """After every app has seeded: copy the demo's hardship inquiries and complaints onto the loans as risk signals."""

    changed = review_signals_refresh()
    ctx.say(f"loans: risk signals on {changed} loans")
    ledger = ledger_refresh()  # the revenue and reconciliation pages read this summary (the beat keeps it up)
    ctx.say(f"loans: ledger summary through allocation {ledger.allocation_through if ledger else '-'}")
