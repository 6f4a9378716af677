"""Restructuring: each step only by its role; side-by-side preview; applying replaces the remaining schedule."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse

from aftersales import permissions as roles
from aftersales.approvals import FourEyesRefused
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
    # the new schedule's cost on its dates: 6,000.00 from 02-01 (one period before 03-01), 12 payments at 6%
    # → 6.04% (a month apart it would read 6.00%; February's 28 days weigh on the first period)
    assert preview.new_apr == D("0.060436")


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


# ---- preview refusal, the loan header, numbering, the term ------------------------------------------------


def _fresh_loan(**kw):
    # 6,000.00 at 12% equal principal over 6 months from 2026-01-01, due on the 1st; nothing run, nothing paid
    values = {"principal": "6000.00", "annual_rate": "0.12", "term_months": 6, "method": "equal_principal"}
    values.update(kw)
    return make_loan(**values)


@time_machine.travel(TODAY)
def test_preview_refuses_a_rate_reduction_that_does_not_reduce_beside_the_field(client, agent):
    # given a 12% loan
    loan = _fresh_loan()
    client.force_login(agent)
    data = {"extension_months": "0", "holiday_installments": "0", "new_rate_percent": "30", "reason": "illness"}
    # when the agent previews a "reduced" rate of 30%
    response = client.post(reverse("loans:restructure_new", args=[loan.pk]), {**data, "preview": "1"})
    # then no side-by-side is shown, the refusal stands beside the rate field and the input is kept
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "lower than the contract rate of 12.00%" in " ".join(errors["new_rate_percent"])
    page = response.content.decode()
    assert 'data-testid="side-by-side"' not in page
    assert 'value="30"' in page and "illness" in page
    with pytest.raises(services.LoanError):
        services.restructure_preview(loan=loan, new_rate=D("0.12"))  # equal is no reduction either


def _through(plan, risk_assessor, manager, agent):
    services.restructure_review(plan=plan, reviewed_by=risk_assessor, note="income drop verified")
    services.restructure_approve(plan=plan, approved_by=manager)
    services.restructure_accept(plan=plan, recorded_by=agent, note="recorded call #123")


@time_machine.travel(TODAY)
def test_after_a_cut_to_10_percent_the_header_shows_the_contract_in_force(
    client, agent, agent2, risk_assessor, manager
):
    # given a 12% loan (cost 12.13% on its dates: 31, 28, 31, 30, 31, 30 days)
    loan = _fresh_loan()
    assert loan.comprehensive_apr == D("0.121293")
    # when a cut to 10% is proposed, reviewed, approved and accepted
    plan = services.restructure_propose(loan=loan, proposed_by=agent, reason="lost job", new_rate=D("0.10"))
    _through(plan, risk_assessor, manager, agent2)
    # then the plan stores the new schedule's cost: 6,000.00 from 02-01, 1,000.00 a month from 03-01 to 08-01 at
    # 10% (periods of 28, 31, 30, 31, 30, 31 days, shorter than 365/12 on average) → 10.19%
    plan.refresh_from_db()
    loan.refresh_from_db()
    assert plan.new_apr == D("0.101915")
    # and the loan carries the rate and the cost of the schedule in force, shown in the header
    assert (loan.annual_rate, loan.comprehensive_apr) == (D("0.100000"), D("0.101915"))
    client.force_login(agent)
    summary = client.get(loan.get_absolute_url()).content.decode()
    summary = summary.split('data-testid="loan-summary"')[1].split("</section>")[0]
    assert "10.00%" in summary and "10.19%" in summary and "12.00%" not in summary


@time_machine.travel(TODAY)
def test_installment_numbers_stay_unique_and_continuous_with_the_old_schedule_as_history(
    agent, agent2, risk_assessor, manager
):
    # given installment 1 (1,060.00 due 02-01) partly paid with 500.00
    loan = _fresh_loan()
    services.repayment_post(
        loan=loan, amount=D("500.00"), received_at=datetime(2026, 2, 2, 9, tzinfo=SH), channel="app", external_id="P1"
    )
    # when a 3-month extension is applied
    plan = services.restructure_propose(loan=loan, proposed_by=agent, reason="r", extension_months=3)
    _through(plan, risk_assessor, manager, agent2)
    # then installment 1 keeps what was paid (60.00 interest + 440.00 principal) and the new schedule follows it
    current = list(Installment.objects.filter(loan=loan, is_current=True).order_by("number", "id"))
    numbers = [row.number for row in current]
    assert numbers == list(range(1, 11))  # 1 trimmed + 9 new (6 remaining + 3), never two rows numbered 1
    assert (current[0].principal_due, current[0].interest_due) == (D("440.00"), D("60.00"))
    assert sum(row.principal_due for row in current) == D("6000.00")
    # and the 5 untouched old installments stay as history
    history = Installment.objects.filter(loan=loan, is_current=False).order_by("number")
    assert [row.number for row in history] == [2, 3, 4, 5, 6]
    # the term counts months: 2026-02-01 (the trimmed row) … 2026-11-01 (the last new one) → 10
    loan.refresh_from_db()
    assert loan.term_months == 10


@time_machine.travel(datetime(2026, 2, 16, 10, tzinfo=SH))
def test_a_partial_prepayment_keeps_a_36_month_term_at_36_months(client_back_office):
    # given 36,000.00 at 12% over 36 months, installment 1 paid on 02-01
    loan = make_loan(principal="36000.00", annual_rate="0.12", term_months=36, method="equal_principal")
    services.repayment_post(
        loan=loan, amount=D("1360.00"), received_at=datetime(2026, 2, 1, 10, tzinfo=SH), channel="app", external_id="I1"
    )
    # when 5,000.00 of principal is prepaid keeping the term (a settlement row is added on 02-16)
    services.loan_settle(
        loan=loan,
        amount=D("5100.00"),
        received_at=datetime(2026, 2, 16, 10, tzinfo=SH),
        channel="app",
        external_id="P1",
        prepay_principal=D("5000"),
        option="lower_installment",
    )
    # then the term is still 36 months (the last due date is still 2029-01-01), never "37 months"
    loan.refresh_from_db()
    assert loan.term_months == 36
    assert Installment.objects.filter(loan=loan, is_current=True).count() == 37  # 36 months + the settlement row
    page = client_back_office.get(loan.get_absolute_url()).content.decode()
    assert "36 months" in page and "37 months" not in page


@time_machine.travel(TODAY)
def test_a_restructuring_above_the_cost_cap_is_refused(agent):
    # given a 12% loan and a cap lowered to 11%: an extension at the same rate costs about 12%
    loan = _fresh_loan()
    with override_settings(LOAN_APR_CAP=D("0.11")):
        with pytest.raises(services.LoanError) as refused:
            services.restructure_propose(loan=loan, proposed_by=agent, reason="r", extension_months=3)
    assert "11.00%" in " ".join(refused.value.messages)
    assert not loan.restructure_plans.exists()


# ---- four eyes: propose, review, approve (and acceptance) by different people, superusers included -----------


@pytest.fixture
def agent2(make_staff):
    return make_staff("agent_b", roles.AGENT)


def _with_role(user, role):
    user.groups.add(Group.objects.get(name=role))
    user._portal_roles = None
    return user


def _refusals(plan):
    return AuditEntry.objects.filter(action="four_eyes_refused", object_id=str(plan.pk))


@time_machine.travel(TODAY)
def test_the_proposer_cannot_review_even_holding_the_risk_role(client, agent):
    # given an agent who is also a risk assessor proposes a plan
    proposer = _with_role(agent, roles.RISK_ASSESSOR)
    loan = _fresh_loan()
    plan = services.restructure_propose(loan=loan, proposed_by=proposer, reason="r", extension_months=3)
    # then the service refuses the review
    with pytest.raises(FourEyesRefused):
        services.restructure_review(plan=plan, reviewed_by=proposer, note="self-check")
    # and the page hides the button and says why
    client.force_login(proposer)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Record risk review" not in page
    assert "You took an earlier step of this approval" in page
    # and a forged POST answers 403, is audit-logged, and changes nothing
    response = client.post(reverse("loans:restructure_review", args=[plan.pk]), {"note": "forged"})
    assert response.status_code == 403 and b"earlier step" in response.content
    assert _refusals(plan).get().changes == {"step": "restructure_review"}
    plan.refresh_from_db()
    assert plan.status == "proposed"
    # nor may the proposer reject it
    assert client.post(reverse("loans:restructure_reject", args=[plan.pk]), {"note": "no"}).status_code == 403


@time_machine.travel(TODAY)
def test_the_reviewer_cannot_approve_even_holding_the_manager_role(client, agent, risk_assessor):
    reviewer = _with_role(risk_assessor, roles.MANAGER)
    plan = services.restructure_propose(loan=_fresh_loan(), proposed_by=agent, reason="r", extension_months=3)
    services.restructure_review(plan=plan, reviewed_by=reviewer, note="ok")
    with pytest.raises(FourEyesRefused):
        services.restructure_approve(plan=plan, approved_by=reviewer)
    client.force_login(reviewer)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Approve plan" not in page and "You took an earlier step of this approval" in page
    assert client.post(reverse("loans:restructure_approve", args=[plan.pk])).status_code == 403
    assert _refusals(plan).get().changes == {"step": "restructure_approve"}
    plan.refresh_from_db()
    assert plan.status == "reviewed"


@time_machine.travel(TODAY)
def test_the_proposer_cannot_approve_holding_agent_and_manager(client, agent, risk_assessor):
    proposer = _with_role(agent, roles.MANAGER)
    plan = services.restructure_propose(loan=_fresh_loan(), proposed_by=proposer, reason="r", extension_months=3)
    services.restructure_review(plan=plan, reviewed_by=risk_assessor, note="ok")
    client.force_login(proposer)
    assert client.post(reverse("loans:restructure_approve", args=[plan.pk])).status_code == 403
    plan.refresh_from_db()
    assert plan.status == "reviewed" and _refusals(plan).count() == 1


@time_machine.travel(TODAY)
def test_the_approver_cannot_record_the_acceptance_holding_agent_and_manager(client, agent, risk_assessor, manager):
    approver = _with_role(manager, roles.AGENT)
    plan = services.restructure_propose(loan=_fresh_loan(), proposed_by=agent, reason="r", extension_months=3)
    services.restructure_review(plan=plan, reviewed_by=risk_assessor, note="ok")
    services.restructure_approve(plan=plan, approved_by=approver)
    client.force_login(approver)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Record acceptance and apply" not in page and "You took an earlier step" in page
    response = client.post(reverse("loans:restructure_accept", args=[plan.pk]), {"note": "call #9"})
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == "approved" and _refusals(plan).get().changes == {"step": "restructure_accept"}
    # the proposing agent may record the customer's acceptance
    services.restructure_accept(plan=plan, recorded_by=agent, note="call #9")
    plan.refresh_from_db()
    assert plan.status == "applied"


@time_machine.travel(TODAY)
def test_a_superuser_takes_one_step_only(client, django_user_model, agent, risk_assessor):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    # a superuser who proposed may not review
    plan = services.restructure_propose(loan=_fresh_loan(), proposed_by=root, reason="r", extension_months=3)
    with pytest.raises(FourEyesRefused):
        services.restructure_review(plan=plan, reviewed_by=root, note="x")
    # a superuser who reviewed may not approve, nor record the acceptance after someone else approved
    other = services.restructure_propose(loan=_fresh_loan(), proposed_by=agent, reason="r", extension_months=3)
    services.restructure_review(plan=other, reviewed_by=root, note="ok")
    client.force_login(root)
    assert client.post(reverse("loans:restructure_approve", args=[other.pk])).status_code == 403
    assert _refusals(other).get().actor == root
    other.refresh_from_db()
    assert other.status == "reviewed"


@time_machine.travel(TODAY)
def test_a_rejected_plan_still_opens_after_a_later_cut_below_its_rate(client, agent, agent2, risk_assessor, manager):
    # given a plan for 11% rejected, then another cutting the loan to 10% applied
    loan = _fresh_loan()
    rejected = services.restructure_propose(loan=loan, proposed_by=agent, reason="r", new_rate=D("0.11"))
    services.restructure_reject(plan=rejected, rejected_by=risk_assessor, note="income not verified")
    applied = services.restructure_propose(loan=loan, proposed_by=agent, reason="r", new_rate=D("0.10"))
    _through(applied, risk_assessor, manager, agent2)
    # when the rejected plan is opened (its 11% is no longer a reduction of the loan's 10%)
    client.force_login(agent)
    response = client.get(rejected.get_absolute_url())
    # then it shows as history, not as an error
    assert response.status_code == 200
    assert "This plan was rejected" in response.content.decode()
