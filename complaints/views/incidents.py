"""Incidents and emergency records: the incident pages, contingency plans and drills."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.permissions import role_required
from complaints import forms, selectors, services
from complaints.models import ContingencyPlan, Drill, Incident
from complaints.views.common import INCIDENT_ROLES, PAGE_SIZE


@role_required(*INCIDENT_ROLES)
def incident_list(request):
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    qs = selectors.incident_list(
        status=status if status in Incident.Status.values else "", kind=kind if kind in Incident.Kind.values else ""
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/incidents.html",
        {
            "page": page,
            "incidents": page.object_list,
            "status": status,
            "kind": kind,
            "kinds": Incident.Kind.choices,
            "statuses": Incident.Status.choices,
        },
    )


@role_required(*INCIDENT_ROLES)
def incident_new(request):
    form = forms.IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        incident = services.incident_open(
            kind=d["kind"],
            title=d["title"],
            severity=d["severity"],
            owner=d["owner"],
            summary=d["summary"],
            actor=request.user,
            request=request,
        )
        messages.success(request, _("Incident %(ref)s opened; managers were alerted.") % {"ref": incident.reference})
        return redirect(incident)
    return render(request, "complaints/incident_form.html", {"form": form})


def _incident_page(request, incident: Incident, **bound):
    return render(
        request,
        "complaints/incident_detail.html",
        {
            "incident": incident,
            "entries": incident.entries.select_related("author"),
            "complaints": incident.complaints.select_related("customer", "product").order_by("received_at")[:200],
            "complaint_count": incident.complaints.count(),
            "plans": ContingencyPlan.objects.filter(kind=incident.kind),
            "entry_form": bound.get("entry_form") or forms.IncidentEntryForm(),
            "update_form": bound.get("update_form")
            or forms.IncidentUpdateForm(initial={"owner": incident.owner_id, "severity": incident.severity}),
            "resolve_form": bound.get("resolve_form") or forms.IncidentResolveForm(),
        },
    )


@role_required(*INCIDENT_ROLES)
def incident_detail(request, pk: int):
    return _incident_page(request, get_object_or_404(Incident.objects.select_related("owner"), pk=pk))


@require_POST
@role_required(*INCIDENT_ROLES)
def incident_entry(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    form = forms.IncidentEntryForm(request.POST)
    if not form.is_valid():
        return _incident_page(request, incident, entry_form=form)
    services.incident_entry_post(incident=incident, text=form.cleaned_data["text"], actor=request.user, request=request)
    messages.success(request, _("Timeline entry added."))
    return redirect(incident)


@require_POST
@role_required(*INCIDENT_ROLES)
def incident_update(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    form = forms.IncidentUpdateForm(request.POST)
    if not form.is_valid():
        return _incident_page(request, incident, update_form=form)
    services.incident_update(
        incident=incident,
        actor=request.user,
        owner=form.cleaned_data["owner"],
        severity=form.cleaned_data["severity"],
        request=request,
    )
    messages.success(request, _("Incident updated."))
    return redirect(incident)


@require_POST
@role_required(*INCIDENT_ROLES)
def incident_resolve(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    form = forms.IncidentResolveForm(request.POST)
    if not form.is_valid():
        return _incident_page(request, incident, resolve_form=form)
    services.incident_resolve(incident=incident, actor=request.user, note=form.cleaned_data["note"], request=request)
    messages.success(request, _("Incident resolved."))
    return redirect(incident)


@role_required(*INCIDENT_ROLES)
def preparedness(request):
    """Contingency plans and drill records."""
    plans = ContingencyPlan.objects.select_related("owner").prefetch_related(
        Prefetch("drills", queryset=Drill.objects.order_by("-held_on"))
    )
    drills = Drill.objects.select_related("plan", "recorded_by")[:100]
    return render(request, "complaints/preparedness.html", {"plans": plans, "drills": drills})


@role_required(*INCIDENT_ROLES)
def plan_new(request):
    form = forms.PlanForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        plan = form.save(commit=False)
        plan.owner = request.user
        try:
            services.plan_save(
                plan=plan, document=form.cleaned_data.get("document_file"), actor=request.user, request=request
            )
        except ValidationError as exc:
            form.add_error("document_file", exc)
        else:
            messages.success(request, _("Contingency plan saved."))
            return redirect("complaints:preparedness")
    return render(request, "complaints/plan_form.html", {"form": form})


@role_required(*INCIDENT_ROLES)
def plan_document(request, pk: int):
    plan = get_object_or_404(ContingencyPlan, pk=pk)
    if not plan.document:
        raise Http404
    response = FileResponse(
        plan.document.open("rb"),
        as_attachment=True,
        filename=f"plan-{plan.pk}-v{plan.version}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(*INCIDENT_ROLES)
def drill_new(request):
    form = forms.DrillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        services.drill_record(
            held_on=d["held_on"],
            scenario=d["scenario"],
            plan=d["plan"],
            participants=d["participants"],
            findings=d["findings"],
            follow_up=d["follow_up"],
            actor=request.user,
            request=request,
        )
        messages.success(request, _("Drill recorded."))
        return redirect("complaints:preparedness")
    return render(request, "complaints/drill_form.html", {"form": form})
