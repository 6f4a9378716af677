"""Restructuring: each step only by its role; side-by-side preview; applying replaces the remaining schedule."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from aftersales.models import AuditEntry
from loans import jobs, services
from loans.models import Installment, Loan
from tests.loans.factories import make_loan

D = Decimal
SH = ZoneInfo("Asia/Shanghai")
TODAY = datetime(2026, 2, 10, 10, tzinfo=SH)
pytestmark = pytest.mark.django_db


def _loan():
    # 6,000.00 at 12% equal principal over 6 months: 1,000.00 a month; installment 1 (02-01) overdue since 02-05
    loan = make_loan(principal="6000.00", annual_rate="0.12", term_months=6, method="equal_principal")
    jobs.overdue_run(date(2026, 2, 10))
    return loan


@time_machine.travel(TODAY)
def test_preview_shows_current_and_proposed_with_totals():
    loan = _loan()
    preview = services.restructure_preview(loan=loan, extension_months=6, new_rate=D("0.06"), waive_penalty=True)
    # current: 6 installments, 6,000.00 principal; penalty 9 days × 1000 × 0.18/360 = 4.50 on installment 1
    assert len(preview.current) == 6
    assert preview.current_totals["principal"] == D("6000.00")
    assert preview.current_totals["penalty"] == D("4.50")
    # proposed: 6,000.00 over 12 months at 6%: 500.00 a month; first due date moves to the next 1st after today
    assert len(preview.proposed) == 12
    assert preview.proposed[0].due_date == date(2026, 3, 1)
    assert preview.proposed[0].principal == D("500.00")
    # first interest 6000 × 0.005 = 30.00 plus installment 1's unpaid interest 60.00 carried over
    assert preview.proposed[0].interest == D("90.00")
    assert preview.proposed_totals["principal"] == D("6000.00")
    assert preview.penalty_waived == D("4.50")
    assert preview.new_apr == D("0.0600")


@time_machine.travel(TODAY)
def test_each_step_only_by_its_role(agent, risk_assessor, manager, back_office):
    loan = _loan()
    with pytest.raises(PermissionDenied):
        services.restructure_propose(loan=loan, proposed_by=back_office, reason="x", extension_months=3)
    plan = services.restructure_propose(loan=loan, proposed_by=agent, reason="lost job", extension_months=3)
    with pytest.raises(PermissionDenied):
        services.restructure_review(plan=plan, reviewed_by=manager, note="x")
    with pytest.raises(services.LoanError):
        services.restructure_approve(plan=plan, approved_by=manager)  # right role, but not reviewed yet
    services.restructure_review(plan=plan, reviewed_by=risk_assessor, note="income drop verified")
    with pytest.raises(PermissionDenied):
        services.restructure_approve(plan=plan, approved_by=risk_assessor)
    with pytest.raises(services.LoanError):
        services.restructure_accept(plan=plan, recorded_by=agent, note="x")  # not approved yet
    services.restructure_approve(plan=plan, approved_by=manager)
    with pytest.raises(PermissionDenied):
        services.restructure_accept(plan=plan, recorded_by=manager, note="x")
    services.restructure_accept(plan=plan, recorded_by=agent, note="recorded call #123")
    plan.refresh_from_db()
    assert plan.status == "applied"
    actions = list(AuditEntry.objects.filter(object_type="loans.restructureplan").values_list("action", flat=True))
    assert set(actions) == {"restructure_propose", "restructure_review", "restructure_approve", "restructure_apply"}


@time_machine.travel(TODAY)
def test_applying_replaces_remaining_installments_and_keeps_history(agent, risk_assessor, manager):
    loan = _loan()
    plan = services.restructure_propose(
        loan=loan, proposed_by=agent, reason="r", holiday_installments=2, waive_penalty=True
    )
    services.restructure_review(plan=plan, reviewed_by=risk_assessor, note="ok")
    services.restructure_approve(plan=plan, approved_by=manager)
    services.restructure_accept(plan=plan, recorded_by=agent, note="signed form")
    loan.refresh_from_db()
    assert loan.status == Loan.Status.RESTRUCTURED
    assert Installment.objects.filter(loan=loan, is_current=False).count() == 6
    current = list(Installment.objects.filter(loan=loan, is_current=True).order_by("number"))
    # 2 interest-only holiday installments (6000 × 0.01 = 60.00, the first also carries 60.00 unpaid interest)
    assert [(r.principal_due, r.interest_due) for r in current[:2]] == [(D("0"), D("120.00")), (D("0"), D("60.00"))]
    assert len(current) == 8 and sum(r.principal_due for r in current) == D("6000.00")
    assert sum(r.penalty_due for r in current) == 0
    assert (loan.dpd, loan.bucket) == (0, "M0")


@time_machine.travel(TODAY)
def test_pages_side_by_side_and_steps(client, agent, risk_assessor):
    loan = _loan()
    client.force_login(agent)
    data = {"extension_months": "6", "holiday_installments": "0", "new_rate_percent": "", "reason": "illness"}
    response = client.post(reverse("loans:restructure_new", args=[loan.pk]), {**data, "preview": "1"})
    assert response.status_code == 200 and 'data-testid="side-by-side"' in response.content.decode()
    response = client.post(reverse("loans:restructure_new", args=[loan.pk]), {**data, "save": "1"})
    plan = loan.restructure_plans.get()
    assert response.url == plan.get_absolute_url()
    # the agent cannot review; the risk assessor can
    assert client.post(reverse("loans:restructure_review", args=[plan.pk]), {"note": "x"}).status_code == 403
    client.force_login(risk_assessor)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Record risk review" in page
    client.post(reverse("loans:restructure_review", args=[plan.pk]), {"note": "checked"})
    plan.refresh_from_db()
    assert plan.status == "reviewed"
