"""Celery tasks of the staff app: thin wrappers, safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from staff import qa, rollup, surveys, training


@shared_task
def qa_sample_last_week() -> int:
    """Sample last week's closed inquiries and complaints for QA review (beat: Monday morning)."""
    return qa.qa_week_sample(week=qa.week_start(timezone.localdate()) - timedelta(days=7))


@shared_task
def surveys_create_and_send() -> int:
    """Create surveys for newly resolved inquiries / closed complaints and send the pending ones."""
    surveys.surveys_create()
    return surveys.surveys_send_due()  # spread out under the contact policy; the next run takes the rest


@shared_task(acks_late=True)
def survey_send(survey_id: int) -> None:
    surveys.survey_send(survey_id=survey_id)


@shared_task
def infosec_training_reminders() -> int:
    """Remind supervisors of information-security training falling due."""
    return training.infosec_due_remind()


@shared_task
def kpi_rollup_keep_current() -> int:
    """Roll up finished days and re-roll days touched by changes since the last run."""

    return rollup.rollup_keep_current()


@shared_task
def kpi_rollup_rebuild() -> int:
    """Nightly full recomputation of the recent roll-ups."""

    return rollup.rollup_rebuild()
