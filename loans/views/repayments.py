"""Repayments, reversals and settlement (back office)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales import permissions as roles
from aftersales.permissions import role_required
from loans import services
from loans.forms import (
    RepaymentForm,
    ReversalForm,
    SettlementForm,
)
from loans.models import Loan, Repayment
from loans.views.common import (
    add_errors,
    refusal_messages,
)


@role_required(roles.BACK_OFFICE)
def repayment_post(request, pk: int):
    loan = get_object_or_404(Loan, pk=pk)
    form = RepaymentForm(request.POST or None, loan=loan)
    if request.method == "POST" and form.is_valid():
        try:
            repayment = services.repayment_post(loan=loan, posted_by=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            credit = sum(a.amount for a in repayment.allocations.all() if a.income_type == "credit")
            text = _("Repayment %(id)s of %(amount)s posted.") % {
                "id": repayment.external_id,
                "amount": repayment.amount,
            }
            if credit:
                text += " " + _("%(credit)s exceeded what is due and is held as customer credit.") % {"credit": credit}
            messages.success(request, text)
            return redirect(loan)
    return render(request, "loans/repayment_form.html", {"form": form, "loan": loan})


@require_POST
@role_required(roles.BACK_OFFICE)
def repayment_reverse(request, pk: int):
    repayment = get_object_or_404(Repayment.objects.select_related("loan"), pk=pk)
    form = ReversalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the reversal."))
        return redirect(repayment.loan)
    try:
        services.repayment_reverse(
            repayment=repayment, reason=form.cleaned_data["reason"], reversed_by=request.user, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, _("Repayment %(id)s reversed.") % {"id": repayment.external_id})
    return redirect(repayment.loan)


@role_required(roles.BACK_OFFICE)
def loan_settle(request, pk: int):
    loan = get_object_or_404(Loan.objects.select_related("customer", "product"), pk=pk)
    quote = services.settlement_quote(loan=loan)
    form = SettlementForm(request.POST or None, loan=loan)
    partial = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        prepay = data["prepay_principal"] if data["mode"] == "partial" else None
        if prepay and prepay < quote.future_principal:
            partial = quote.partial(prepay)
        try:
            services.loan_settle(
                loan=loan,
                amount=data["amount"],
                received_at=data["received_at"],
                channel=data["channel"],
                external_id=data["external_id"],
                prepay_principal=prepay,
                option=data["option"],
                posted_by=request.user,
                request=request,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Early repayment posted."))
            return redirect(loan)
    return render(request, "loans/settle.html", {"form": form, "loan": loan, "quote": quote, "partial": partial})


# ---- fee waivers ---------------------------------------------------------------------------------------
