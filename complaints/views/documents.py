"""The complaint decision letter, from the complaint page.

Issuing gives the letter a number and an audit entry, so it is a POST with CSRF returning the PDF (or, with
`delivery=email`, a redirect back with a message once it is e-mailed); see loans/views/documents.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.documents import DeliveryForm, DocumentError, pdf_response
from aftersales.permissions import role_required
from complaints import documents
from complaints.views.common import VIEW
from complaints.views.complaints import complaint_or_404


@require_POST
@role_required(*VIEW)
def decision_letter(request, pk: int):
    """The decision letter of a decided complaint: downloaded, or e-mailed to the customer."""
    complaint = complaint_or_404(pk)
    try:
        if DeliveryForm(request.POST).wants_email():
            address = documents.decision_letter_email(complaint=complaint, actor=request.user, request=request)
            messages.success(request, _("The decision letter was e-mailed to %(address)s.") % {"address": address})
            return redirect(complaint)
        document = documents.decision_letter_issue(complaint=complaint, actor=request.user, request=request)
    except DocumentError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(complaint)
    return pdf_response(document)
