"""The complaint pages: the work list, intake (by an agent or from an inquiry), the complaint page, edits,
text reveals, evidence downloads and the legal queue. The actions posted from the complaint page are in
`complaints.views.actions`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from aftersales import permissions as roles
from aftersales.approvals import REASON_HANDLER, four_eyes_conflict
from aftersales.permissions import role_required
from complaints import forms, selectors, services
from complaints.documents import decision_letter_refusal
from complaints.models import Complaint, Evidence
from complaints.views.common import HANDLE, LEGAL, PAGE_SIZE, VIEW
from inquiries.models import Inquiry


def filtered_complaints(request):
    """The list's filter form, the "mine" user and the complaints the filters select (the list and its export)."""
    form = forms.ListFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    mine = request.user if filters.get("mine") else None
    qs = selectors.complaint_list_for_staff(
        status=filters.get("status", ""),
        category=filters.get("category", ""),
        source=filters.get("source", ""),
        severity=filters.get("severity", ""),
        due=filters.get("due", ""),
        q=filters.get("q", ""),
        assigned_to=mine,
    )
    return form, mine, qs


@role_required(*VIEW)
def complaint_list(request):
    """The work list with filters; regulator referrals and high severity first, then the nearest deadline."""
    form, mine, qs = filtered_complaints(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.complaint_due_counts(assigned_to=mine)
    return render(
        request,
        "complaints/list.html",
        {
            "form": form,
            "page": page,
            "complaints": page.object_list,
            "counts": counts,
            "now": timezone.now(),
            "export_query": request.GET.urlencode(),
        },
    )


@role_required(*HANDLE)
def complaint_new(request):
    """Intake by an agent from any source, with an optional evidence file and inquiry reference."""
    initial = {}
    if request.GET.get("inquiry"):
        initial["inquiry_reference"] = request.GET["inquiry"]
    form = forms.ComplaintForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        loan = data["loan_contract"]
        complaint = services.complaint_create(
            source=data["source"],
            category=data["category"],
            severity=data["severity"],
            summary=data["summary"],
            description=data["description"],
            customer_demand=data["customer_demand"],
            customer=data["customer_number"] or (loan.customer if loan else None),
            loan=loan,
            product=data["product"],
            source_inquiry=data["inquiry_reference"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            contact_email=data["contact_email"],
            reply_channel=data["reply_channel"],
            language=data["language"],
            received_at=data["received_at"],
            created_by=request.user,
            evidence=data.get("evidence"),
            evidence_description=data.get("evidence_description", ""),
            request=request,
        )
        messages.success(
            request,
            _("Complaint recorded. Tell the customer the reference %(ref)s.") % {"ref": complaint.reference},
        )
        return redirect(complaint)
    return render(request, "complaints/form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required(*HANDLE)
def convert_inquiry(request, inquiry_id: int):
    """'Convert to complaint' from an inquiry: GET asks for category and severity, POST creates it keeping the link (once)."""
    inquiry = get_object_or_404(Inquiry.objects.select_related("customer"), pk=inquiry_id)
    if request.method == "GET":
        existing = Complaint.objects.filter(source_inquiry=inquiry).order_by("id").first()
        return render(
            request,
            "complaints/convert.html",
            {"inquiry": inquiry, "form": forms.ConvertInquiryForm(), "existing": existing},
        )
    form = forms.ConvertInquiryForm(request.POST)
    category, severity = Complaint.Category.OTHER, Complaint.Severity.MEDIUM
    if form.is_valid():
        category, severity = form.cleaned_data["category"], form.cleaned_data["severity"]
    complaint, created = services.complaint_from_inquiry(
        inquiry=inquiry, actor=request.user, category=category, severity=severity, request=request
    )
    if created:
        messages.success(
            request,
            _(
                "Inquiry %(inq)s converted to complaint %(ref)s. Check the category and severity, then tell the customer the reference."
            )
            % {"inq": inquiry.reference, "ref": complaint.reference},
        )
        return redirect("complaints:edit", complaint.pk)
    messages.info(request, _("This inquiry was already converted to complaint %(ref)s.") % {"ref": complaint.reference})
    return redirect(complaint)


def complaint_or_404(pk: int) -> Complaint:
    return get_object_or_404(
        Complaint.objects.select_related(
            "customer",
            "loan",
            "product",
            "source_inquiry",
            "assigned_to",
            "responsible_staff",
            "legal_advisor",
            "root_cause",
        ),
        pk=pk,
    )


def detail_page(request, complaint: Complaint, status: int = 200, **bound):
    user = request.user
    level = complaint.extension_level + 1
    can_extend = complaint.status in services.TRANSITIONS["extend"] and (
        (level == 1 and roles.has_role(user, roles.SUPERVISOR, roles.MANAGER))
        or (level == 2 and roles.has_role(user, roles.MANAGER))
    )
    extend_refused_reason = ""
    if can_extend and four_eyes_conflict(actor=user, involved=services.complaint_extension_involved(complaint)):
        can_extend, extend_refused_reason = False, REASON_HANDLER
    can_handle = roles.has_role(user, *HANDLE)
    inform_initial = {"channel": complaint.reply_channel}
    if complaint.status == Complaint.Status.DECIDED and "inform_form" not in bound:
        inform_initial["subject"], inform_initial["body"] = services.letter_render(complaint=complaint, kind="decision")
    context = {
        "complaint": complaint,
        "notes": complaint.notes.select_related("author"),
        "evidence": complaint.evidence.select_related("uploaded_by"),
        "extensions": complaint.extensions.select_related("granted_by"),
        "notices": complaint.notices.select_related("sent_by", "outbound_message"),
        "visits": complaint.callback_visits.select_related("assigned_to"),
        "incidents": complaint.incidents.all(),
        "can_handle": can_handle,
        "has_decision_letter": not decision_letter_refusal(complaint),
        "can_extend": can_extend,
        "extend_refused_reason": extend_refused_reason,
        "extension_level_next": level,
        "allowed": {action: complaint.status in states for action, states in services.TRANSITIONS.items()},
        "note_form": bound.get("note_form") or forms.NoteForm(),
        "evidence_form": bound.get("evidence_form") or forms.EvidenceForm(),
        "assign_form": bound.get("assign_form") or forms.AssignForm(initial={"assignee": complaint.assigned_to_id}),
        "extend_form": bound.get("extend_form") or forms.ExtendForm(),
        "decision_form": bound.get("decision_form")
        or forms.DecisionForm(
            initial={
                "root_cause": complaint.root_cause_id,
                "remedy": complaint.remedy or Complaint.Remedy.APOLOGY,
                "remedy_amount": complaint.remedy_amount,
                "responsible_staff": complaint.responsible_staff_id,
                "decision_text": complaint.decision_text,
            }
        ),
        "inform_form": bound.get("inform_form") or forms.InformForm(initial=inform_initial),
        "close_form": bound.get("close_form") or forms.CloseForm(),
        "satisfaction_form": bound.get("satisfaction_form") or forms.SatisfactionForm(),
        "reopen_form": bound.get("reopen_form") or forms.ReopenForm(),
        "legal_form": bound.get("legal_form") or forms.LegalEscalationForm(),
        "open_panel": bound.get("open_panel", ""),
        "can_reveal": user.has_perm("customers.view_full_pii"),
        "revealed": bound.get("revealed"),  # a text revealed without htmx, shown once
    }
    return render(request, "complaints/detail.html", context, status=status)


@role_required(*VIEW)
def complaint_detail(request, pk: int):
    return detail_page(request, complaint_or_404(pk))


@never_cache
@require_POST
@role_required(*VIEW)
def complaint_text_reveal(request, pk: int):
    """Show the summary, description or demand as written (numbers unmasked), once, with view_full_pii and a reason."""
    if not request.user.has_perm("customers.view_full_pii"):
        raise PermissionDenied
    complaint = complaint_or_404(pk)
    field = request.POST.get("field", "")
    if field not in services.FREE_TEXT_FIELDS:
        raise Http404
    context = {
        "key": field,
        "shown": getattr(complaint, field),
        "url": reverse("complaints:text_reveal", args=[complaint.pk]),
        "hidden_name": "field",
        "hidden_value": field,
        "can_reveal": True,
        "revealed": None,
        "error": "",
    }
    try:
        context["revealed"] = services.complaint_text_reveal(
            complaint=complaint, field=field, reason=request.POST.get("reason", ""), actor=request.user, request=request
        )
    except ValidationError as exc:
        context["error"] = " ".join(exc.message_dict.get("reason", exc.messages))
    if request.htmx or context["error"]:
        return render(request, "inquiries/_reveal_text.html", context, status=400 if context["error"] else 200)
    messages.success(request, _("The full text is shown once below; this reveal was written to the audit log."))
    return detail_page(request, complaint, revealed=context)


@role_required(*HANDLE)
def complaint_edit(request, pk: int):
    """Classification and contact details (the deadlines never move here)."""
    complaint = complaint_or_404(pk)
    form = forms.ComplaintEditForm(request.POST or None, instance=Complaint.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        loan = form.cleaned_data["loan_contract"]
        values["loan"] = loan
        if loan is not None:
            values["customer"] = loan.customer
            values["product"] = values["product"] or loan.product
        services.complaint_update(complaint=complaint, actor=request.user, request=request, **values)
        messages.success(request, _("Complaint %(ref)s updated.") % {"ref": complaint.reference})
        return redirect(complaint)
    return render(request, "complaints/edit.html", {"form": form, "complaint": complaint})


@role_required(*VIEW)
def evidence_download(request, pk: int):
    """Serve an evidence file to authorised staff only (never from the web root), as a download."""
    evidence = get_object_or_404(Evidence.objects.select_related("complaint"), pk=pk)
    try:
        handle = services.evidence_open(evidence=evidence, actor=request.user, request=request)
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*LEGAL)
def legal_queue(request):
    """Complaints escalated to legal; a legal advisor sees their own, a manager sees all."""
    mine_only = (
        roles.has_role(request.user, roles.LEGAL_ADVISOR)
        and not request.user.is_superuser
        and request.GET.get("all") != "1"
    )
    qs = selectors.complaint_legal_queue(legal_advisor=request.user if mine_only else None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "complaints/legal_queue.html", {"page": page, "complaints": page.object_list, "mine_only": mine_only}
    )
