"""The inquiry page's call actions (#16): the owed callback recorded as made."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.permissions import role_required
from inquiries.models import Inquiry
from inquiries.services import calls
from inquiries.views.common import WORKERS

NOTE_MAX = 2000


@role_required(*WORKERS)
@require_POST
def callback_done(request, pk: int):
    """POST: the callback owed after a missed call was made (a call note; a response when it reached the customer)."""
    inquiry = get_object_or_404(Inquiry, pk=pk)
    if inquiry.callback_due_at is None or inquiry.callback_done_at is not None:
        messages.info(request, _("No callback is owed on this inquiry."))
        return redirect(inquiry)
    reached = request.POST.get("reached") == "1"
    calls.callback_done(
        inquiry=inquiry,
        user=request.user,
        note=(request.POST.get("note") or "")[:NOTE_MAX],
        reached=reached,
        request=request,
    )
    if reached:
        messages.success(request, _("Callback recorded."))
    else:
        messages.success(request, _("Callback attempt recorded: the callback is still owed."))
    return redirect(inquiry)
