"""Fee waivers: requested by an agent (or the complaints app), decided by a manager, audit-logged."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from aftersales.models import AuditEntry, Notification
from loans import jobs, services
from loans.models import FeeCharge, FeeWaiver, Installment
from tests.loans.factories import make_loan

D = Decimal
pytestmark = pytest.mark.django_db


def _overdue_loan():
    # installment 1 overdue on 02-05: late fee 30.00 and penalty 2.00 (see test_overdue)
    loan = make_loan(
        principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal", late_fee=D("30.00")
    )
    jobs.overdue_run(date(2026, 2, 5))
    return loan


def test_request_then_manager_approval_lowers_penalty_then_fees(agent, manager, django_capture_on_commit_callbacks):
    loan = _overdue_loan()
    with django_capture_on_commit_callbacks(execute=True):
        waiver = services.fee_waiver_request(loan=loan, amount=D("12.00"), reason="hospital stay", requested_by=agent)
    assert Notification.objects.filter(recipient=manager).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.fee_waiver_approve(waiver=waiver, approved_by=manager, note="ok")
    first = Installment.objects.get(loan=loan, number=1)
    # 2.00 penalty first, then 10.00 of the 30.00 fee
    assert (first.penalty_due, first.fees_due) == (D("0.00"), D("20.00"))
    assert FeeCharge.objects.get(installment=first).waived == D("10.00")
    waiver.refresh_from_db()
    assert (waiver.status, waiver.applied_amount) == ("approved", D("12.00"))
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"fee_waiver_request", "fee_waiver_approve"} <= actions


def test_only_a_manager_decides(agent):
    loan = _overdue_loan()
    waiver = services.fee_waiver_request(loan=loan, amount=D("5.00"), reason="r", requested_by=agent)
    with pytest.raises(PermissionDenied):
        services.fee_waiver_approve(waiver=waiver, approved_by=agent)


def test_more_than_outstanding_cannot_be_requested(agent):
    loan = _overdue_loan()
    with pytest.raises(services.LoanError):
        services.fee_waiver_request(loan=loan, amount=D("32.01"), reason="r", requested_by=agent)


def test_rejection_needs_a_reason_and_changes_nothing(agent, manager):
    loan = _overdue_loan()
    waiver = services.fee_waiver_request(loan=loan, amount=D("5.00"), reason="r", requested_by=agent)
    with pytest.raises(services.LoanError):
        services.fee_waiver_reject(waiver=waiver, rejected_by=manager, note="")
    services.fee_waiver_reject(waiver=waiver, rejected_by=manager, note="not eligible")
    assert FeeWaiver.objects.get().status == "rejected"
    assert Installment.objects.get(loan=loan, number=1).penalty_due == D("2.00")


def test_pages_request_and_decide(client, agent, manager):
    loan = _overdue_loan()
    client.force_login(agent)
    response = client.post(
        reverse("loans:waiver_request", args=[loan.pk]), {"amount": "2.00", "reason": "first late payment"}
    )
    assert response.status_code == 302
    waiver = FeeWaiver.objects.get()
    client.force_login(manager)
    page = client.get(reverse("loans:waiver_list"))
    assert "first late payment" in page.content.decode()
    client.post(reverse("loans:waiver_decide", args=[waiver.pk]), {"decision": "approve"})
    waiver.refresh_from_db()
    assert waiver.status == "approved"
