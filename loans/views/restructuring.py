"""Restructuring plans: propose, review, approve, accept (four eyes at every step)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales import permissions as roles
from aftersales.approvals import REASON_EARLIER_STEP, four_eyes_conflict
from aftersales.permissions import has_role, role_required
from loans import services
from loans.forms import (
    NoteForm,
    RestructureForm,
)
from loans.models import Loan, RestructurePlan
from loans.views.common import (
    PAGE_SIZE,
    PLAN_VIEWERS,
    add_errors,
    refusal_messages,
)


@role_required(*PLAN_VIEWERS)
def restructure_list(request):
    status = request.GET.get("status", "")
    plans = RestructurePlan.objects.select_related("loan", "loan__customer", "proposed_by")
    if status in RestructurePlan.Status.values:
        plans = plans.filter(status=status)
    else:
        status = ""
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "loans/restructure_list.html",
        {"page": page, "status": status, "statuses": RestructurePlan.Status.choices},
    )


@role_required(roles.AGENT)
def restructure_new(request, pk: int):
    loan = get_object_or_404(Loan.objects.select_related("customer"), pk=pk)
    form = RestructureForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        options = {
            "extension_months": form.cleaned_data["extension_months"],
            "holiday_installments": form.cleaned_data["holiday_installments"],
            "new_rate": form.new_rate,
            "waive_penalty": form.cleaned_data["waive_penalty"],
        }
        try:
            if "save" in request.POST:
                plan = services.restructure_propose(
                    loan=loan, proposed_by=request.user, reason=form.cleaned_data["reason"], request=request, **options
                )
                messages.success(request, _("Plan proposed; it goes to a risk assessor for review."))
                return redirect(plan)
            preview = services.restructure_preview(loan=loan, **options)
        except ValidationError as exc:
            add_errors(form, exc, {"new_rate": "new_rate_percent"})
    return render(request, "loans/restructure_form.html", {"form": form, "loan": loan, "preview": preview})


@role_required(*PLAN_VIEWERS)
def restructure_detail(request, pk: int):
    plan = get_object_or_404(
        RestructurePlan.objects.select_related(
            "loan", "loan__customer", "proposed_by", "reviewed_by", "approved_by", "acceptance_recorded_by"
        ),
        pk=pk,
    )
    # Only a plan still in progress is compared with the schedule; an applied or rejected one is history.
    in_progress = (RestructurePlan.Status.PROPOSED, RestructurePlan.Status.REVIEWED, RestructurePlan.Status.APPROVED)
    preview = services.plan_preview(plan) if plan.status in in_progress else None
    user = request.user
    step = {
        RestructurePlan.Status.PROPOSED: has_role(user, roles.RISK_ASSESSOR) and "review",
        RestructurePlan.Status.REVIEWED: has_role(user, roles.MANAGER) and "approve",
        RestructurePlan.Status.APPROVED: has_role(user, roles.AGENT) and "accept",
    }.get(plan.status)
    # Four eyes: whoever took an earlier step sees why the button is missing instead of the button.
    four_eyes_reason = ""
    if step and four_eyes_conflict(actor=user, involved=services.restructure_step_involved(plan)):
        step, four_eyes_reason = "", REASON_EARLIER_STEP
    return render(
        request,
        "loans/restructure_detail.html",
        {
            "plan": plan,
            "loan": plan.loan,
            "preview": preview,
            "step": step or "",
            "four_eyes_reason": four_eyes_reason,
            "note_form": NoteForm(),
        },
    )


def _plan_step(request, pk: int, action):
    plan = get_object_or_404(RestructurePlan, pk=pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        action(plan, note)
    except ValidationError as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    return redirect("loans:restructure_detail", pk=plan.pk)


@require_POST
@role_required(roles.RISK_ASSESSOR)
def restructure_review(request, pk: int):
    def act(plan, note):
        services.restructure_review(plan=plan, reviewed_by=request.user, note=note, request=request)
        messages.success(request, _("Review recorded; the plan goes to a manager."))

    return _plan_step(request, pk, act)


@require_POST
@role_required(roles.MANAGER)
def restructure_approve(request, pk: int):
    def act(plan, note):
        services.restructure_approve(plan=plan, approved_by=request.user, request=request)
        messages.success(request, _("Plan approved; record the customer's acceptance to apply it."))

    return _plan_step(request, pk, act)


@require_POST
@role_required(roles.AGENT)
def restructure_accept(request, pk: int):
    def act(plan, note):
        services.restructure_accept(plan=plan, recorded_by=request.user, note=note, request=request)
        messages.success(request, _("Customer acceptance recorded; the new schedule is in force."))

    return _plan_step(request, pk, act)


@require_POST
@role_required(roles.RISK_ASSESSOR, roles.MANAGER)
def restructure_reject(request, pk: int):
    def act(plan, note):
        services.restructure_reject(plan=plan, rejected_by=request.user, note=note, request=request)
        messages.success(request, _("Plan rejected."))

    return _plan_step(request, pk, act)


# ---- post-loan reviews ---------------------------------------------------------------------------------
