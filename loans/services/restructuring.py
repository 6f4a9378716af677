"""Restructuring (个性化还款方案): agent proposes → risk reviews → manager approves → customer accepts → applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.approvals import REASON_EARLIER_STEP, four_eyes_check
from aftersales.audit import audit_log
from aftersales.money import ZERO, money
from loans.apr import comprehensive_cost, schedule_cash_flows
from loans.models import Installment, Loan, RestructurePlan
from loans.schedule import ScheduleLine, add_months, generate_schedule, round_cent
from loans.services.common import LoanError, loan_refresh, outstanding_by_component
from loans.services.contracts import apr_cap, cost_cap_message, percent, schedule_term_months


@dataclass
class PlanLine:
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    fees: Decimal = ZERO
    penalty: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalty


@dataclass
class RestructurePreview:
    current: list[PlanLine]
    proposed: list[PlanLine]
    principal: Decimal
    rate: Decimal
    new_apr: Decimal | None
    penalty_waived: Decimal
    current_totals: dict[str, Decimal] = field(default_factory=dict)
    proposed_totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def rows(self) -> list[tuple[PlanLine | None, PlanLine | None]]:
        """Current and proposed lines side by side."""
        size = max(len(self.current), len(self.proposed))
        pad_c = self.current + [None] * (size - len(self.current))
        pad_p = self.proposed + [None] * (size - len(self.proposed))
        return list(zip(pad_c, pad_p, strict=True))


def _totals(lines: list[PlanLine]) -> dict[str, Decimal]:
    keys = ("principal", "interest", "fees", "penalty", "total")
    return {key: sum((getattr(line, key) for line in lines), ZERO) for key in keys}


def _next_due_after(loan: Loan, today: date) -> date:
    due = loan.first_due_date
    months = 0
    while due <= today:
        months += 1
        due = add_months(loan.first_due_date, months)
    return due


def restructure_options_check(*, loan: Loan, new_rate: Decimal | None) -> None:
    """Refuse a "rate reduction" that does not reduce (keyed by the field, so the form shows it beside it)."""
    if new_rate is not None and not ZERO <= Decimal(new_rate) < loan.annual_rate:
        raise LoanError(
            {
                "new_rate": [
                    _("A reduced rate must be lower than the contract rate of %(rate)s.")
                    % {"rate": percent(loan.annual_rate)}
                ]
            }
        )


def _value_date(loan: Loan, first_due: date) -> date:
    """When the restructured principal starts to cost: one period before the first new due date."""
    return max(loan.disbursement_date, add_months(first_due, -1, loan.first_due_date.day))


def _outstanding_line(row: Installment) -> PlanLine:
    """What is still owed on a row, component by component."""
    return PlanLine(
        row.number,
        row.due_date,
        row.principal_due - row.principal_paid,
        row.interest_due - row.interest_paid,
        row.fees_due - row.fees_paid,
        row.penalty_due - row.penalty_paid,
    )


def _new_lines(
    *,
    loan: Loan,
    principal: Decimal,
    rate: Decimal,
    count: int,
    first_due: date,
    holiday_installments: int,
    number: int,
) -> list[PlanLine]:
    """The proposed schedule: interest-only holiday months, then the principal amortised, numbered from `number`."""
    monthly = rate / 12
    lines: list[PlanLine] = []
    for i in range(holiday_installments):
        # A payment holiday: only the month's interest is due, principal repayment starts after it.
        lines.append(
            PlanLine(number + i, add_months(first_due, i, first_due.day), ZERO, round_cent(principal * monthly))
        )
    amortising: list[ScheduleLine] = generate_schedule(
        principal=principal,
        annual_rate=rate,
        term_months=count,
        method=loan.method,
        first_due_date=add_months(first_due, holiday_installments, first_due.day),
    )
    for line in amortising:
        lines.append(
            PlanLine(number + holiday_installments + line.number - 1, line.due_date, line.principal, line.interest)
        )
    return lines


def restructure_preview(
    *,
    loan: Loan,
    extension_months: int = 0,
    holiday_installments: int = 0,
    new_rate: Decimal | None = None,
    waive_penalty: bool = False,
    today: date | None = None,
    rows: list[Installment] | None = None,
) -> RestructurePreview:
    """The current remaining schedule and the proposed one, with totals and the new comprehensive cost.

    New installments are numbered after the last row that stays in force (paid, or partly paid and trimmed),
    so numbers stay unique and continuous; the replaced rows stay as history.
    """
    restructure_options_check(loan=loan, new_rate=new_rate)
    today = today or timezone.localdate()
    if rows is None:
        rows = list(loan.installments.filter(is_current=True).order_by("number"))
    remaining = [r for r in rows if r.is_current and r.outstanding > ZERO]
    current = [_outstanding_line(r) for r in remaining]
    rate = loan.annual_rate if new_rate is None else Decimal(new_rate)
    if not remaining:
        return RestructurePreview(current, [], ZERO, rate, None, ZERO, _totals(current), {})
    past = [r for r in remaining if r.due_date <= today]
    arrears = outstanding_by_component(past)
    principal = sum((line.principal for line in current), ZERO)
    penalty_all = sum((line.penalty for line in current), ZERO)
    penalty = ZERO if waive_penalty else arrears["penalty"]
    count = len(remaining) + extension_months
    first_due = remaining[0].due_date if remaining[0].due_date > today else _next_due_after(loan, today)
    kept = [r.number for r in rows if r.is_current and (r.outstanding <= ZERO or r.total_paid > ZERO)]
    lines = _new_lines(
        loan=loan,
        principal=principal,
        rate=rate,
        count=count,
        first_due=first_due,
        holiday_installments=holiday_installments,
        number=max(kept, default=0) + 1,
    )
    # The new schedule's cost: the principal carried over, from one period before the first new due date,
    # against its principal and interest on their dates (arrears carried over are not new cost).
    new_apr = comprehensive_cost(
        received=principal,
        received_on=_value_date(loan, lines[0].due_date),
        payments=schedule_cash_flows(lines),
    )
    # Arrears of interest, fees and (unless waived) penalty move to the first new installment.
    lines[0].interest += arrears["interest"]
    lines[0].fees += arrears["fee"]
    lines[0].penalty += penalty
    return RestructurePreview(
        current,
        lines,
        principal,
        rate,
        new_apr,
        penalty_all - penalty if waive_penalty else ZERO,
        _totals(current),
        _totals(lines),
    )


def plan_preview(plan: RestructurePlan, *, rows: list[Installment] | None = None) -> RestructurePreview:
    """The side-by-side preview of a saved plan."""
    return restructure_preview(
        loan=plan.loan,
        extension_months=plan.extension_months,
        holiday_installments=plan.holiday_installments,
        new_rate=plan.new_rate,
        waive_penalty=plan.waive_penalty,
        rows=rows,
    )


def restructure_step_involved(plan: RestructurePlan) -> list:
    """Who may not take the plan's next step (four eyes): the people who took the earlier steps.

    Propose, review and approve need three different people; the customer's acceptance is recorded by someone
    other than the reviewer and the approver (the proposing agent may record it). Superusers included.
    """
    if plan.status == RestructurePlan.Status.PROPOSED:
        return [plan.proposed_by_id]
    if plan.status == RestructurePlan.Status.REVIEWED:
        return [plan.proposed_by_id, plan.reviewed_by_id]
    if plan.status == RestructurePlan.Status.APPROVED:
        return [plan.reviewed_by_id, plan.approved_by_id]
    return []


def _step(plan: RestructurePlan, user, role: str, expected: str, action: str) -> RestructurePlan:
    roles.require_role(user, [role])
    plan = RestructurePlan.objects.select_for_update().select_related("loan").get(pk=plan.pk)
    if plan.status != expected:
        raise LoanError(
            _("This plan is “%(status)s”; that step is not possible now.") % {"status": plan.get_status_display()}
        )
    four_eyes_check(
        actor=user, involved=restructure_step_involved(plan), action=action, obj=plan, message=REASON_EARLIER_STEP
    )
    return plan


def _cost_check(preview: RestructurePreview) -> None:
    cap = apr_cap()
    if preview.new_apr is not None and preview.new_apr > cap:
        raise LoanError({"new_rate": [cost_cap_message(cost=preview.new_apr, cap=cap)]})


@transaction.atomic
def restructure_propose(
    *,
    loan: Loan,
    proposed_by: AbstractBaseUser,
    reason: str,
    extension_months: int = 0,
    holiday_installments: int = 0,
    new_rate: Decimal | None = None,
    waive_penalty: bool = False,
    request: HttpRequest | None = None,
) -> RestructurePlan:
    """An agent proposes a plan for a customer in difficulty."""
    roles.require_role(proposed_by, [roles.AGENT])
    if loan.status not in Loan.Status.open_statuses():
        raise LoanError(_("Only an open loan can be restructured."))
    if not (extension_months or holiday_installments or new_rate is not None or waive_penalty):
        raise LoanError(_("Choose at least one option: extension, payment holiday, rate reduction or penalty waiver."))
    restructure_options_check(loan=loan, new_rate=new_rate)
    if RestructurePlan.objects.filter(
        loan=loan,
        status__in=[RestructurePlan.Status.PROPOSED, RestructurePlan.Status.REVIEWED, RestructurePlan.Status.APPROVED],
    ).exists():
        raise LoanError(_("This loan already has a plan in progress."))
    plan = RestructurePlan(
        loan=loan,
        extension_months=extension_months,
        holiday_installments=holiday_installments,
        new_rate=new_rate,
        waive_penalty=waive_penalty,
        reason=(reason or "").strip(),
        proposed_by=proposed_by,
    )
    plan.full_clean()
    preview = plan_preview(plan)
    _cost_check(preview)
    plan.new_apr = preview.new_apr
    plan.save()
    audit_log(
        actor=proposed_by,
        action="restructure_propose",
        obj=plan,
        changes={
            "extension_months": extension_months,
            "holiday_installments": holiday_installments,
            "new_rate": str(new_rate) if new_rate is not None else None,
            "waive_penalty": waive_penalty,
        },
        reason=plan.reason,
        request=request,
    )
    return plan


@transaction.atomic
def restructure_review(
    *, plan: RestructurePlan, reviewed_by: AbstractBaseUser, note: str, request: HttpRequest | None = None
) -> RestructurePlan:
    """The risk assessor reviews a proposed plan."""
    plan = _step(plan, reviewed_by, roles.RISK_ASSESSOR, RestructurePlan.Status.PROPOSED, "restructure_review")
    if not (note or "").strip():
        raise LoanError(_("Write the risk review."))
    plan.status = RestructurePlan.Status.REVIEWED
    plan.reviewed_by, plan.reviewed_at, plan.review_note = reviewed_by, timezone.now(), note.strip()
    plan.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    audit_log(actor=reviewed_by, action="restructure_review", obj=plan, reason=note, request=request)
    return plan


@transaction.atomic
def restructure_approve(
    *, plan: RestructurePlan, approved_by: AbstractBaseUser, request: HttpRequest | None = None
) -> RestructurePlan:
    """A manager approves a reviewed plan."""
    plan = _step(plan, approved_by, roles.MANAGER, RestructurePlan.Status.REVIEWED, "restructure_approve")
    plan.status = RestructurePlan.Status.APPROVED
    plan.approved_by, plan.approved_at = approved_by, timezone.now()
    plan.save(update_fields=["status", "approved_by", "approved_at"])
    audit_log(actor=approved_by, action="restructure_approve", obj=plan, request=request)
    return plan


@transaction.atomic
def restructure_reject(
    *, plan: RestructurePlan, rejected_by: AbstractBaseUser, note: str, request: HttpRequest | None = None
) -> RestructurePlan:
    """The risk assessor (at review) or the manager (at approval) turns the plan down."""
    plan = RestructurePlan.objects.select_for_update().get(pk=plan.pk)
    role_for = {RestructurePlan.Status.PROPOSED: roles.RISK_ASSESSOR, RestructurePlan.Status.REVIEWED: roles.MANAGER}
    if plan.status not in role_for:
        raise LoanError(_("This plan can no longer be rejected."))
    roles.require_role(rejected_by, [role_for[plan.status]])
    four_eyes_check(
        actor=rejected_by,
        involved=restructure_step_involved(plan),
        action="restructure_reject",
        obj=plan,
        message=REASON_EARLIER_STEP,
    )
    if not (note or "").strip():
        raise LoanError(_("Say why the plan is rejected."))
    plan.status = RestructurePlan.Status.REJECTED
    plan.rejected_by, plan.rejection_note = rejected_by, note.strip()
    plan.save(update_fields=["status", "rejected_by", "rejection_note"])
    audit_log(actor=rejected_by, action="restructure_reject", obj=plan, reason=note, request=request)
    return plan


@transaction.atomic
def restructure_accept(
    *, plan: RestructurePlan, recorded_by: AbstractBaseUser, note: str, request: HttpRequest | None = None
) -> RestructurePlan:
    """Record the customer's acceptance (agent) and apply: the new schedule replaces the remaining installments."""
    plan = _step(plan, recorded_by, roles.AGENT, RestructurePlan.Status.APPROVED, "restructure_accept")
    if not (note or "").strip():
        raise LoanError(_("Record how the customer accepted (call reference, signed form)."))
    loan = Loan.objects.select_for_update().get(pk=plan.loan_id)
    plan.loan = loan
    rows = list(loan.installments.filter(is_current=True).order_by("number"))
    preview = plan_preview(plan, rows=rows)
    _cost_check(preview)
    now = timezone.now()
    remaining = [r for r in rows if r.outstanding > ZERO]
    trimmed, replaced = [], []
    for row in remaining:
        if row.total_paid > ZERO:
            # Keep what was paid on this row as its due; the rest moves to the new schedule.
            row.principal_due, row.interest_due = row.principal_paid, row.interest_paid
            row.fees_due, row.penalty_due = row.fees_paid, row.penalty_paid
            row.status, row.paid_at = Installment.Status.PAID, now
            trimmed.append(row)
        else:
            row.is_current = False
            replaced.append(row)
    Installment.objects.bulk_update(
        trimmed, ["principal_due", "interest_due", "fees_due", "penalty_due", "status", "paid_at"]
    )
    Installment.objects.bulk_update(replaced, ["is_current"])
    new_rows = Installment.objects.bulk_create(
        Installment(
            loan=loan,
            number=line.number,
            due_date=line.due_date,
            principal_due=line.principal,
            interest_due=line.interest,
            fees_due=line.fees,
            penalty_due=line.penalty,
        )
        for line in preview.proposed
    )
    # The header shows the contract in force: its rate, its cost, and its term counted in months.
    loan.status = Loan.Status.RESTRUCTURED
    loan.annual_rate = preview.rate
    if new_rows:
        loan.term_months = schedule_term_months(first_due_date=loan.first_due_date, last_due_date=new_rows[-1].due_date)
    if preview.new_apr is not None:
        loan.comprehensive_apr = preview.new_apr
    loan.save(update_fields=["status", "annual_rate", "term_months", "comprehensive_apr"])
    plan.status = RestructurePlan.Status.APPLIED
    plan.acceptance_recorded_by, plan.accepted_at, plan.acceptance_note = recorded_by, now, note.strip()
    plan.new_apr = preview.new_apr
    plan.save(update_fields=["status", "acceptance_recorded_by", "accepted_at", "acceptance_note", "new_apr"])
    loan_refresh(loan=loan)
    audit_log(
        actor=recorded_by,
        action="restructure_apply",
        obj=plan,
        changes={
            "loan": loan.contract_number,
            "installments_replaced": len(replaced) + len(trimmed),
            "new_installments": len(new_rows),
            "penalty_waived": str(money(preview.penalty_waived)),
            "new_apr": str(preview.new_apr),
        },
        reason=note,
        request=request,
    )
    return plan
