"""Beat schedule, tasks, callback visits, complaint surveys and the idempotent demo seed."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from aftersales import permissions as roles
from aftersales.celery import app as celery_app
from aftersales.demo import DemoContext, seed_staff
from complaints.models import Complaint
from staff import demo, surveys, tasks
from staff.beat import BEAT_SCHEDULE
from staff.models import Asset, PerformanceReview, Survey, TrainingSession
from tests.reminders.factories import make_customer
from tests.staff.builders import inquiry

pytestmark = pytest.mark.django_db


def test_beat_schedule_names_registered_tasks():
    celery_app.loader.import_default_modules()
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks


def test_survey_task_creates_and_sends(make_staff):
    alice = make_staff("alice", roles.AGENT)
    # at noon (Shanghai), inside the contact window whenever the suite runs
    with time_machine.travel(timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0), tick=False):
        now = timezone.now()
        inquiry(
            received_at=now - timedelta(hours=2),
            assigned_to=alice,
            resolved_at=now - timedelta(hours=1),
            resolved_by=alice,
            customer=make_customer(language="en"),
        )
        assert tasks.surveys_create_and_send() == 1
        assert tasks.surveys_create_and_send() == 0
        assert Survey.objects.get().status == Survey.Status.SENT


def _complaint(**fields):
    now = timezone.now()
    values = {
        "reference": f"TC{Complaint.objects.count() + 1}",
        "source": "hotline",
        "category": "fees",
        "summary": "Fee",
        "language": "en",
        "received_at": now - timedelta(days=3),
        "acknowledge_due": now - timedelta(days=2),
        "decision_due": now + timedelta(days=12),
    }
    values.update(fields)
    return Complaint.objects.create(**values)


def test_closed_complaint_gets_a_survey_credited_to_its_handler(make_staff):
    alice = make_staff("alice", roles.AGENT)
    _complaint(customer=make_customer(), assigned_to=alice, status="closed", closed_at=timezone.now())
    _complaint(customer=make_customer(), assigned_to=alice, status="investigating")
    assert surveys.surveys_create() == 1
    survey = Survey.objects.get()
    assert (survey.kind, survey.staff) == (Survey.Kind.COMPLAINT, alice)


def test_demo_seed_is_idempotent():
    ctx = DemoContext(customers=10, stdout=io.StringIO())
    seed_staff(ctx)
    now = timezone.now()
    for i in range(30):
        inquiry(
            received_at=now - timedelta(days=2, hours=i),
            resolved_at=now - timedelta(days=1, hours=i),
            customer=make_customer(),
        )

    def counts():
        return (
            TrainingSession.objects.count(),
            Asset.objects.count(),
            PerformanceReview.objects.count(),
            Survey.objects.count(),
        )

    demo.seed(ctx)
    first = counts()
    assert first[0] > 0 and first[1] > 0 and first[2] > 0 and first[3] > 0
    demo.seed(DemoContext(customers=10, stdout=io.StringIO()))
    assert counts() == first
    assert PerformanceReview.objects.filter(status=PerformanceReview.Status.SIGNED).exists()
