"""Recording a callback visit: the one URL every page posts to (the complaint page and the staff callback list)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.permissions import role_required
from complaints import forms, services
from complaints.models import CallbackVisit
from complaints.views.common import LEADERS, error_text


def _back(request, visit: CallbackVisit):
    """Back to the page the form was on (a local `next`), else to the complaint."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(visit.complaint)


@require_POST
@role_required(*LEADERS)
def callback_complete(request, pk: int):
    """Record the outcome of a callback visit once (complaints.services.callback_visit_complete)."""
    visit = get_object_or_404(CallbackVisit.objects.select_related("complaint"), pk=pk)
    form = forms.CallbackOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Describe the outcome of the callback."))
        return _back(request, visit)
    try:
        services.callback_visit_complete(
            visit=visit,
            actor=request.user,
            outcome=form.cleaned_data["outcome"],
            customer_satisfied=form.cleaned_data["customer_satisfied"],
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return _back(request, visit)
    messages.success(request, _("Callback visit recorded."))
    return _back(request, visit)
