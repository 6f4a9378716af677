"""The loan list and the loan page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse

from aftersales import permissions as roles
from aftersales.permissions import has_role, role_required
from loans import selectors, services
from loans.api import loan_panels_for
from loans.forms import (
    LoanFilterForm,
    ReversalForm,
)
from loans.models import Loan
from loans.views.common import (
    PAGE_SIZE,
    WAIVER_REQUESTERS,
)


def filtered_loans(request):
    """The list's filter form, its valid values and the loans they select (the list page and its export)."""
    form = LoanFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    loans = selectors.loan_list(
        query=filters.get("q", ""),
        product_id=filters["product"].pk if filters.get("product") else None,
        status=filters.get("status", ""),
        bucket=filters.get("bucket", ""),
        due_from=filters.get("due_from"),
        due_to=filters.get("due_to"),
    )
    return form, filters, loans


@role_required(*roles.STAFF_ROLES)
def loan_list(request):
    form, filters, loans = filtered_loans(request)
    page = Paginator(loans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "loans/list.html",
        {
            "form": form,
            "page": page,
            "can_create": has_role(request.user, roles.BACK_OFFICE),
            "filtered": bool(filters and any(filters.values())),
            "export_query": request.GET.urlencode(),
        },
    )


@role_required(*roles.STAFF_ROLES)
def loan_detail(request, pk: int):
    try:
        data = selectors.loan_page(loan_id=pk)
    except Loan.DoesNotExist:
        return render(request, "404.html", status=404)
    quote = None
    if data.loan.status in Loan.Status.open_statuses():
        quote = services.settlement_quote(loan=data.loan, rows=data.schedule)
    user = request.user
    return render(
        request,
        "loans/detail.html",
        {
            "data": data,
            "loan": data.loan,
            "quote": quote,
            "can_post": has_role(user, roles.BACK_OFFICE),
            "can_request_waiver": has_role(user, *WAIVER_REQUESTERS),
            "can_propose": has_role(user, roles.AGENT),
            "can_review": has_role(user, roles.RISK_ASSESSOR),
            "reversal_form": ReversalForm(),
            "loan_panels": loan_panels_for(request, data.loan),
            "certificate_url": reverse("loans:settlement_certificate", args=[data.loan.pk]),
        },
    )


# ---- contracts -----------------------------------------------------------------------------------------
