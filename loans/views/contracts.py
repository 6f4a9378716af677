"""New contracts (back office)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.permissions import role_required
from loans import services
from loans.forms import (
    LoanCreateForm,
)
from loans.views.common import (
    add_errors,
)


@role_required(roles.BACK_OFFICE)
def loan_create(request):
    form = LoanCreateForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        terms = {
            "product": data["product"],
            "principal": data["principal"],
            "annual_rate": form.annual_rate,
            "term_months": data["term_months"],
        }
        try:
            services.contract_terms_check(**terms, extra_fees=form.extra_fees)
            preview = services.contract_preview(
                **terms, disbursement_date=data["disbursement_date"], first_due_date=data["first_due_date"]
            )
            if preview.exceeds_cap:
                # The cost is over the cap on the actual dates: say so beside the rate, sign nothing.
                form.add_error("annual_rate_percent", services.cost_cap_message(cost=preview.apr, cap=preview.cap))
            elif "save" in request.POST:
                loan = services.loan_create(
                    customer=form.customer,
                    disbursement_date=data["disbursement_date"],
                    first_due_date=data["first_due_date"],
                    purpose=data["purpose"],
                    created_by=request.user,
                    extra_fees=form.extra_fees,
                    request=request,
                    **terms,
                )
                messages.success(request, _("Contract %(number)s signed.") % {"number": loan.contract_number})
                return redirect(loan)
        except ValidationError as exc:
            add_errors(form, exc, {"annual_rate": "annual_rate_percent"})
    return render(request, "loans/create.html", {"form": form, "preview": preview})


# ---- repayments ----------------------------------------------------------------------------------------
