"""Customer suggestions and the improvement actions they lead to."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales import permissions as roles
from aftersales.permissions import role_required
from complaints import forms, services
from complaints.models import ImprovementAction, Suggestion
from complaints.views.common import LEADERS, PAGE_SIZE, VIEW


@role_required(*LEADERS)
def suggestion_list(request):
    status = request.GET.get("status", "")
    qs = Suggestion.objects.select_related("category", "customer").prefetch_related("actions")
    if status in Suggestion.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    actions = ImprovementAction.objects.select_related("owner").exclude(status=ImprovementAction.Status.CANCELLED)[:50]
    return render(
        request,
        "complaints/suggestions.html",
        {
            "page": page,
            "suggestions": page.object_list,
            "actions": actions,
            "status": status,
            "statuses": Suggestion.Status.choices,
        },
    )


@role_required(*VIEW)
def suggestion_new(request):
    form = forms.SuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        suggestion = services.suggestion_create(
            channel=d["channel"],
            category=d["category"],
            text=d["text"],
            customer=d["customer_number"],
            recorded_by=request.user,
            request=request,
        )
        messages.success(request, _("Suggestion %(ref)s recorded. Thank the customer.") % {"ref": suggestion.reference})
        if roles.has_role(request.user, *LEADERS):
            return redirect(suggestion)
        return redirect("complaints:suggestion_new")
    return render(request, "complaints/suggestion_form.html", {"form": form})


def _suggestion_page(request, suggestion: Suggestion, **bound):
    return render(
        request,
        "complaints/suggestion_detail.html",
        {
            "suggestion": suggestion,
            "actions": suggestion.actions.select_related("owner"),
            "action_form": bound.get("action_form") or forms.ImprovementActionForm(),
            "status_form": forms.SuggestionStatusForm(initial={"status": suggestion.status}),
            "action_statuses": ImprovementAction.Status.choices,
        },
    )


@role_required(*LEADERS)
def suggestion_detail(request, pk: int):
    return _suggestion_page(
        request, get_object_or_404(Suggestion.objects.select_related("category", "customer", "recorded_by"), pk=pk)
    )


@require_POST
@role_required(*LEADERS)
def suggestion_status(request, pk: int):
    suggestion = get_object_or_404(Suggestion, pk=pk)
    form = forms.SuggestionStatusForm(request.POST)
    if form.is_valid():
        services.suggestion_status_set(
            suggestion=suggestion, status=form.cleaned_data["status"], actor=request.user, request=request
        )
        messages.success(request, _("Suggestion updated."))
    return redirect(suggestion)


@require_POST
@role_required(*LEADERS)
def action_new(request, pk: int):
    suggestion = get_object_or_404(Suggestion.objects.select_related("category"), pk=pk)
    form = forms.ImprovementActionForm(request.POST)
    if not form.is_valid():
        return _suggestion_page(request, suggestion, action_form=form)
    d = form.cleaned_data
    services.improvement_action_create(
        title=d["title"],
        owner=d["owner"],
        description=d["description"],
        due_date=d["due_date"],
        suggestions=[suggestion],
        actor=request.user,
        request=request,
    )
    messages.success(request, _("Improvement action created."))
    return redirect(suggestion)


@require_POST
@role_required(*LEADERS)
def action_status(request, pk: int):
    action = get_object_or_404(ImprovementAction, pk=pk)
    form = forms.ActionStatusForm(request.POST)
    if form.is_valid():
        services.improvement_action_status_set(
            action=action, status=form.cleaned_data["status"], actor=request.user, request=request
        )
        messages.success(request, _("Improvement action updated."))
    suggestion = action.suggestions.first()
    return redirect(suggestion) if suggestion else redirect("complaints:suggestions")
