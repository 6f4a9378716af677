"""Post-loan reviews: the queue (interval, DPD, hardship inquiry, recent complaint) and classification history."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse

from loans import services
from loans.models import Loan
from loans.selectors import review_queue, review_reasons
from tests.loans.factories import make_loan

SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 3, 1)
pytestmark = pytest.mark.django_db


def _loan(disbursed=date(2026, 2, 15)):
    return make_loan(disbursement_date=disbursed, first_due_date=disbursed + timedelta(days=30))


def _queued(today=TODAY):
    return {loan.pk: review_reasons(loan, today=today) for loan in review_queue(today=today)}


@override_settings(LOAN_REVIEW_INTERVAL_DAYS=90)
def test_periodic_review_after_the_interval():
    fresh = _loan(date(2026, 2, 15))
    old = _loan(date(2025, 12, 1))  # 90 days before 2026-03-01
    queued = _queued()
    assert fresh.pk not in queued
    assert queued[old.pk] == ["periodic"]


def test_overdue_loan_comes_sooner():
    loan = _loan()
    Loan.objects.filter(pk=loan.pk).update(dpd=5, bucket="M1")
    assert _queued()[loan.pk] == ["overdue"]


def test_hardship_inquiry_since_the_last_review():
    from tests.inquiries.factories import make_inquiry

    loan = _loan()
    make_inquiry(customer=loan.customer, category="hardship", received_at=datetime(2026, 2, 20, 10, tzinfo=SH))
    assert _queued()[loan.pk] == ["hardship"]


def test_complaint_in_the_last_90_days():
    pytest.importorskip("complaints.services")
    from tests.complaints.factories import make_complaint

    loan = _loan()
    with time_machine.travel(datetime(2026, 2, 25, 10, tzinfo=SH)):
        make_complaint(customer=loan.customer, received_at=datetime(2026, 2, 25, 10, tzinfo=SH))
    assert "complaint" in _queued()[loan.pk]


def test_recording_a_review_takes_the_loan_off_the_queue_and_keeps_history(risk_assessor, agent):
    loan = _loan(date(2025, 10, 1))
    assert loan.pk in _queued()
    values = {
        "funds_use": "as_stated",
        "financial_condition": "weakened",
        "contact_outcome": "reached",
        "measures": "monthly call",
    }
    with pytest.raises(PermissionDenied):
        services.loan_review_record(loan=loan, reviewed_by=agent, classification="special_mention", **values)
    with time_machine.travel(datetime(2026, 3, 1, 10, tzinfo=SH)):
        services.loan_review_record(loan=loan, reviewed_by=risk_assessor, classification="special_mention", **values)
        services.loan_review_record(loan=loan, reviewed_by=risk_assessor, classification="substandard", **values)
    loan.refresh_from_db()
    assert (loan.classification, loan.last_reviewed_on) == ("substandard", TODAY)
    assert loan.pk not in _queued()
    history = list(loan.reviews.values_list("previous_classification", "classification"))
    assert history == [("special_mention", "substandard"), ("normal", "special_mention")]


def test_queue_page_and_form(client_risk, django_assert_max_num_queries):
    for _ in range(3):
        _loan(date(2025, 1, 1))
    with django_assert_max_num_queries(15):
        response = client_risk.get(reverse("loans:review_queue"))
    assert response.status_code == 200 and "periodic" in response.content.decode()
    loan = Loan.objects.first()
    response = client_risk.post(
        reverse("loans:review_new", args=[loan.pk]),
        {
            "classification": "normal",
            "funds_use": "as_stated",
            "financial_condition": "stable",
            "contact_outcome": "reached",
            "measures": "",
            "trigger": "periodic",
        },
    )
    assert response.status_code == 302
    assert loan.reviews.get().trigger == "periodic"


def test_five_categories():
    from loans.models import Classification

    assert [c for c, _ in Classification.choices] == ["normal", "special_mention", "substandard", "doubtful", "loss"]
