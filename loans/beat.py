"""The loans app's periodic tasks (collected by `aftersales.celery`)."""

from celery.schedules import crontab

# Celery beat: the overdue run (mark overdue, late fees, penalty interest, DPD and buckets) once a day just
# after midnight Beijing time, and the post-loan review queue refresh after it.
BEAT_SCHEDULE = {
    "loans-overdue-daily": {"task": "loans.tasks.overdue_daily", "schedule": crontab(hour=0, minute=20)},
    # Risk signals (hardship inquiries, complaints) reach the review queue within five minutes; all of them nightly.
    "loans-review-signals": {"task": "loans.tasks.review_signals_refresh", "schedule": 300.0},
    "loans-review-signals-full": {
        "task": "loans.tasks.review_signals_refresh",
        "schedule": crontab(hour=0, minute=40),
        "kwargs": {"full": True},
    },
    # The ledger summary behind revenue and reconciliation folds in new allocations every five minutes (the pages
    # add the rest live, so this only keeps their range small); the full installment check runs nightly.
    "loans-ledger-refresh": {"task": "loans.tasks.ledger_refresh", "schedule": 300.0},
    "loans-ledger-check": {"task": "loans.tasks.ledger_check", "schedule": crontab(hour=1, minute=10)},
}
