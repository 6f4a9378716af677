"""The loan documents: the settlement certificate on the loan page, the restructuring agreement on the plan page.

Issuing a document gives it a number and writes an audit entry, so it is a POST with CSRF (a GET could be
prefetched, crawled or forged from another site and issue numbered documents nobody asked for); the answer is the
PDF itself, or, with `delivery=email`, a redirect back to the page with a message once it is e-mailed.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales import permissions as roles
from aftersales.documents import DeliveryForm, DocumentError, pdf_response
from aftersales.permissions import role_required
from loans import documents
from loans.models import Loan, RestructurePlan
from loans.views.common import PLAN_VIEWERS


@require_POST
@role_required(*roles.STAFF_ROLES)
def settlement_certificate(request, pk: int):
    """The settlement certificate of a closed loan: downloaded, or e-mailed to the customer."""
    loan = get_object_or_404(Loan.objects.select_related("customer", "product"), pk=pk)
    try:
        if DeliveryForm(request.POST).wants_email():
            address = documents.settlement_certificate_email(loan=loan, actor=request.user, request=request)
            messages.success(
                request, _("The settlement certificate was e-mailed to %(address)s.") % {"address": address}
            )
            return redirect(loan)
        document = documents.settlement_certificate_issue(loan=loan, actor=request.user, request=request)
    except DocumentError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(loan)
    return pdf_response(document)


@require_POST
@role_required(*PLAN_VIEWERS)
def restructure_agreement(request, pk: int):
    """The agreement of an approved plan with both schedules: downloaded, or e-mailed to the customer."""
    plan = get_object_or_404(RestructurePlan.objects.select_related("loan", "loan__customer"), pk=pk)
    try:
        if DeliveryForm(request.POST).wants_email():
            address = documents.restructuring_agreement_email(plan=plan, actor=request.user, request=request)
            messages.success(
                request, _("The restructuring agreement was e-mailed to %(address)s.") % {"address": address}
            )
            return redirect(plan)
        document = documents.restructuring_agreement_issue(plan=plan, actor=request.user, request=request)
    except DocumentError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(plan)
    return pdf_response(document)
