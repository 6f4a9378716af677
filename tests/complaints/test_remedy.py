"""A fee refund or waiver remedy goes to the loans app's waiver approval when it exists; a refusal never loses the decision."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from complaints import services
from complaints.models import ComplaintNote
from tests.complaints.factories import make_complaint
from tests.reminders.factories import make_installment

pytestmark = pytest.mark.django_db


def decided_with_waiver(agent, monkeypatch, fake):
    import loans.services

    monkeypatch.setattr(loans.services, "fee_waiver_request", fake, raising=False)
    loan = make_installment(due_date=date(2026, 11, 15)).loan
    complaint = make_complaint(customer=loan.customer, loan=loan, category="fees")
    services.complaint_acknowledge(complaint=complaint, actor=agent, send_notice=False)
    return services.complaint_decide(
        complaint=complaint,
        actor=agent,
        decision_text="Late fee waived",
        remedy="waiver",
        remedy_amount=Decimal("50.00"),
    )


def test_waiver_remedy_is_sent_for_approval(agent, monkeypatch):
    calls = []

    def fake(*, loan, amount, reason, requested_by):
        calls.append((loan.pk, amount, requested_by))

    complaint = decided_with_waiver(agent, monkeypatch, fake)
    assert calls == [(complaint.loan_id, Decimal("50.00"), agent)]
    assert ComplaintNote.objects.filter(complaint=complaint, body__contains="50.00").exists()


def test_refused_waiver_keeps_the_decision_and_says_so(agent, monkeypatch):
    def fake(**kwargs):
        raise ValidationError("More than can be waived")

    complaint = decided_with_waiver(agent, monkeypatch, fake)
    complaint.refresh_from_db()
    assert complaint.status == "decided"
    assert ComplaintNote.objects.filter(complaint=complaint, body__contains="More than can be waived").exists()
