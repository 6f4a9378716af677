"""Demo complaints (about one per 20 customers) in every state, one mass-complaint incident, suggestions,
improvement actions, contingency plans and drills. Idempotent: parts already there are left alone. Bulk inserts.
"""

from __future__ import annotations

from complaints.demo.complaints import seed_complaints
from complaints.demo.data import seed_reference_data
from complaints.demo.feedback import seed_feedback

__all__ = ["seed", "seed_complaints", "seed_feedback", "seed_reference_data"]


def seed(ctx) -> None:
    seed_reference_data()
    complaints = seed_complaints(ctx)
    suggestions = seed_feedback(ctx)
    ctx.say(f"complaints: {complaints} new complaints, {suggestions} new suggestions")
