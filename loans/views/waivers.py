"""Fee waivers: requested by front line, decided by a manager (four eyes)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales import permissions as roles
from aftersales.approvals import REASON_REQUESTED, four_eyes_conflict
from aftersales.permissions import has_role, role_required
from loans import services
from loans.forms import (
    DecisionForm,
    WaiverRequestForm,
)
from loans.models import FeeWaiver, Loan
from loans.views.common import (
    PAGE_SIZE,
    WAIVER_REQUESTERS,
    WAIVER_VIEWERS,
    refusal_messages,
)


def _waiver_list_page(request, *, status: str, refused=None, refused_note: str = "", refused_errors=None, code=200):
    waivers = FeeWaiver.objects.select_related("loan", "loan__customer", "requested_by", "decided_by", "installment")
    if status in FeeWaiver.Status.values:
        waivers = waivers.filter(status=status)
    page = Paginator(waivers, PAGE_SIZE).get_page(request.GET.get("page"))
    for waiver in page.object_list:
        # Four eyes: the requester sees why the decide buttons are missing.
        waiver.requested_by_me = four_eyes_conflict(actor=request.user, involved=services.fee_waiver_involved(waiver))
        if refused is not None and waiver.pk == refused.pk:
            waiver.note_value, waiver.note_errors = refused_note, refused_errors or []
    return render(
        request,
        "loans/waiver_list.html",
        {
            "page": page,
            "status": status,
            "statuses": FeeWaiver.Status.choices,
            "can_decide": has_role(request.user, roles.MANAGER),
            "requested_reason": REASON_REQUESTED,
        },
        status=code,
    )


@role_required(*WAIVER_VIEWERS)
def waiver_list(request):
    return _waiver_list_page(request, status=request.GET.get("status", FeeWaiver.Status.REQUESTED))


@role_required(*WAIVER_REQUESTERS)
def waiver_request(request, pk: int):
    loan = get_object_or_404(Loan, pk=pk)
    form = WaiverRequestForm(request.POST or None, loan=loan)
    if request.method == "POST" and form.is_valid():
        try:
            services.fee_waiver_request(loan=loan, requested_by=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            for message in refusal_messages(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Waiver requested; a manager will decide."))
            return redirect(loan)
    available = services.waivable_amount(loan=loan)
    return render(request, "loans/waiver_form.html", {"form": form, "loan": loan, "available": available})


@require_POST
@role_required(roles.MANAGER)
def waiver_decide(request, pk: int):
    waiver = get_object_or_404(FeeWaiver, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("loans:waiver_list")
    note = form.cleaned_data["note"]
    try:
        if form.cleaned_data["decision"] == "approve":
            services.fee_waiver_approve(waiver=waiver, approved_by=request.user, note=note, request=request)
            messages.success(request, _("Waiver approved."))
        else:
            services.fee_waiver_reject(waiver=waiver, rejected_by=request.user, note=note, request=request)
            messages.success(request, _("Waiver rejected."))
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "note" in exc.error_dict:
            # The missing note is shown under that row's note field, the page otherwise unchanged.
            errors = exc.message_dict["note"]
            return _waiver_list_page(
                request, status=FeeWaiver.Status.REQUESTED, refused=waiver, refused_note=note, refused_errors=errors
            )
        messages.error(request, " ".join(refusal_messages(exc)))
    return redirect("loans:waiver_list")


# ---- restructuring -------------------------------------------------------------------------------------
