"""A few demo loans taken through the real services, so every workflow and income type has something to show."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from aftersales.money import money
from loans import services
from loans.demo.catalogue import DEMO_CONTRACT_PREFIX, D
from loans.models import Installment, Loan
from loans.services.common import LoanError


def workflow_examples(ctx, first_id: int) -> str:
    """A few loans through the real services: restructured plans, a plan waiting for review, waivers to decide."""

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["agent", "risk", "manager"])}
    if len(users) < 3:
        return "no workflow examples (demo staff missing)"
    overdue = list(Loan.objects.filter(pk__gte=first_id, status=Loan.Status.ACTIVE, dpd__gt=20).order_by("id")[:6])
    done = {"restructured": 0, "proposed": 0, "waivers": 0}
    for index, loan in enumerate(overdue):
        try:
            if index < 2:
                plan = services.restructure_propose(
                    loan=loan,
                    proposed_by=users["agent"],
                    reason="客户失业，收入中断，申请延期还款",
                    extension_months=6,
                    waive_penalty=True,
                )
                services.restructure_review(plan=plan, reviewed_by=users["risk"], note="已核实失业证明，风险可控")
                services.restructure_approve(plan=plan, approved_by=users["manager"])
                services.restructure_accept(plan=plan, recorded_by=users["agent"], note="电话录音 #2026-118 确认接受")
                done["restructured"] += 1
            elif index == 2:
                services.restructure_propose(
                    loan=loan, proposed_by=users["agent"], reason="客户住院，申请两期还款假期", holiday_installments=2
                )
                done["proposed"] += 1
            else:
                available = services.waivable_amount(loan=loan)
                if available > 0:
                    services.fee_waiver_request(
                        loan=loan,
                        amount=min(available, D("30.00")),
                        reason="首次逾期，客户已还清本期",
                        requested_by=users["agent"],
                    )
                    done["waivers"] += 1
        except LoanError as exc:  # a service refused this example (e.g. its cost cap): say so and go on
            ctx.say(f"loans: skipped a workflow example: {exc}")
    return f"{done['restructured']} restructured, {done['proposed']} plan proposed, {done['waivers']} waivers requested"


def income_examples(ctx, first_id: int, customers: int) -> str:
    """Penalty, late-fee and early-repayment-fee income through the real services, so the revenue report and the
    reconciliation show every income type: overdue loans partly paid (penalty and late fee first, by the waterfall)
    and a few early settlements inside the fee period. About 1 loan in 200 customers each (at least 3), chosen in id
    order, so a run is deterministic; the external ids make a second posting impossible."""

    posted_by = get_user_model().objects.filter(username="backoffice").first()
    count = max(3, customers // 200)
    at = timezone.now() - timedelta(minutes=5)
    demo = Loan.objects.filter(pk__gte=first_id, contract_number__startswith=DEMO_CONTRACT_PREFIX)
    done = {"partly paid": 0, "settled": 0}
    overdue = demo.filter(status=Loan.Status.ACTIVE, dpd__gt=10, late_fee__gt=0).order_by("id")[:count]
    for index, loan in enumerate(overdue):
        owed = Installment.objects.filter(loan=loan, is_current=True, status=Installment.Status.OVERDUE).order_by(
            "number"
        )
        first = owed.first()
        if first is None:
            continue
        charges = first.penalty_due - first.penalty_paid + first.fees_due - first.fees_paid
        # Every other loan pays only part of its penalty; the others pay penalty, late fee and some interest.
        amount = money(charges / 2) if index % 2 else money(charges + first.interest_due / 2)
        if amount <= 0:
            continue
        try:
            services.repayment_post(
                loan=loan,
                amount=amount,
                received_at=at,
                channel="app",
                external_id=f"DEMO-PART-{loan.pk}",
                posted_by=posted_by,
            )
            done["partly paid"] += 1
        except LoanError as exc:  # a service refused this example (e.g. its cost cap): say so and go on
            ctx.say(f"loans: skipped a partial payment example: {exc}")
    today = timezone.localdate()
    young = demo.filter(
        status=Loan.Status.ACTIVE,
        dpd=0,
        early_repayment_fee_rate__gt=0,
        disbursement_date__gt=today - timedelta(days=120),
        disbursement_date__lt=today - timedelta(days=35),
    ).order_by("id")[: max(2, count // 3)]
    for loan in young:
        try:
            quote = services.settlement_quote(loan=loan)
            if quote.fee <= 0:
                continue
            services.loan_settle(
                loan=loan,
                amount=quote.total,
                received_at=at,
                channel="bank_transfer",
                external_id=f"DEMO-SETTLE-{loan.pk}",
                posted_by=posted_by,
            )
            done["settled"] += 1
        except LoanError as exc:  # a service refused this example: say so and go on
            ctx.say(f"loans: skipped a settlement example: {exc}")
    return f"{done['partly paid']} overdue loans partly paid, {done['settled']} settled early with a fee"
