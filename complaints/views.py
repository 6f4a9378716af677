"""Complaint pages: request → form → one service or selector → response. Roles are checked on every view."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from aftersales import permissions as roles
from aftersales.approvals import REASON_HANDLER, four_eyes_conflict
from aftersales.audit import audit_log, client_ip
from aftersales.permissions import role_required
from complaints import forms, selectors, services
from complaints.models import (
    CallbackVisit,
    Complaint,
    ComplaintNote,
    ContingencyPlan,
    Drill,
    Evidence,
    ImprovementAction,
    Incident,
    Suggestion,
)

VIEW = tuple(roles.FRONT_LINE)
HANDLE = (roles.AGENT, roles.SUPERVISOR, roles.MANAGER)
LEADERS = tuple(roles.LEADERS)
INCIDENT_ROLES = (roles.SUPERVISOR, roles.MANAGER, roles.BACK_OFFICE)
LEGAL = (roles.LEGAL_ADVISOR, roles.MANAGER)
PAGE_SIZE = 50
PUBLIC_FORM_LIMIT = 5  # submissions per address per hour


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# ---- list and intake ---------------------------------------------------------------------------


@role_required(*VIEW)
def complaint_list(request):
    """The work list with filters; regulator referrals and high severity first, then the nearest deadline."""
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
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.complaint_due_counts(assigned_to=mine)
    return render(
        request,
        "complaints/list.html",
        {"form": form, "page": page, "complaints": page.object_list, "counts": counts, "now": timezone.now()},
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
    from inquiries.models import Inquiry

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


def public_new(request):
    """The public online complaint form: no login, a honeypot, and a rate limit per address."""
    form = forms.PublicComplaintForm(request.POST or None)
    if request.method == "POST":
        key = f"complaints:public:{client_ip(request) or 'unknown'}"
        cache.add(key, 0, timeout=3600)
        try:
            attempts = cache.incr(key)
        except ValueError:
            attempts = 1
        if attempts > PUBLIC_FORM_LIMIT:
            form.is_valid()
            messages.error(
                request,
                _("Too many submissions from your connection. Please try again in an hour or call our hotline."),
            )
            return render(request, "complaints/public_form.html", {"form": form}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            if data["website"]:
                # A bot filled the hidden field: answer like a success, record nothing.
                return render(request, "complaints/public_done.html", {"reference": None})
            from customers.crypto import pii_hash
            from customers.models import Customer

            customer = Customer.objects.filter(mobile_hash=pii_hash(data["contact_phone"])).first()
            complaint = services.complaint_create(
                source=Complaint.Source.ONLINE,
                category=data["category"],
                summary=data["summary"],
                description=data["description"],
                customer_demand=data["customer_demand"],
                customer=customer,
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                contact_email=data["contact_email"],
                reply_channel=Complaint.ReplyChannel.SMS,
                language="en" if request.LANGUAGE_CODE == "en" else "zh-hans",
                request=request,
            )
            return render(request, "complaints/public_done.html", {"reference": complaint.reference})
    return render(request, "complaints/public_form.html", {"form": form})


# ---- the complaint page ------------------------------------------------------------------------


def _complaint_or_404(pk: int) -> Complaint:
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


def _detail(request, complaint: Complaint, status: int = 200, **bound):
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
        "notices": complaint.notices.select_related("sent_by"),
        "visits": complaint.callback_visits.select_related("assigned_to"),
        "incidents": complaint.incidents.all(),
        "can_handle": can_handle,
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
    return _detail(request, _complaint_or_404(pk))


@never_cache
@require_POST
@role_required(*VIEW)
def complaint_text_reveal(request, pk: int):
    """Show the summary, description or demand as written (numbers unmasked), once, with view_full_pii and a reason."""
    if not request.user.has_perm("customers.view_full_pii"):
        raise PermissionDenied
    complaint = _complaint_or_404(pk)
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
    return _detail(request, complaint, revealed=context)


@role_required(*HANDLE)
def complaint_edit(request, pk: int):
    """Classification and contact details (the deadlines never move here)."""
    complaint = _complaint_or_404(pk)
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


def _post_action(request, pk: int, form_class, form_key: str, run, success: str):
    """Shared shape of the POST actions: validate, call one service, message, back to the page (input kept on errors)."""
    complaint = _complaint_or_404(pk)
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is not None and not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return _detail(request, complaint, status=200, **{form_key: form, "open_panel": form_key})
    try:
        result = run(complaint, form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        if form is not None:
            return _detail(request, complaint, status=200, **{form_key: form, "open_panel": form_key})
        return redirect(complaint)
    except PermissionDenied:
        raise
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return redirect("complaints:detail", pk)


@require_POST
@role_required(*HANDLE)
def complaint_assign(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.AssignForm,
        "assign_form",
        lambda c, d: services.complaint_assign(
            complaint=c, assignee=d["assignee"], actor=request.user, request=request
        ),
        _("Complaint handed over."),
    )


def _notice_message(request, notice, sent_text: str):
    if notice is None:
        messages.warning(
            request,
            _(
                "No notice was sent: the complaint has no mobile number or email address. Contact the customer by phone."
            ),
        )
    elif notice.status == notice.Status.SENT:
        messages.success(request, sent_text)
    else:
        messages.warning(
            request,
            _("The notice could not be sent (%(error)s). Contact the customer by phone.") % {"error": notice.error},
        )


@require_POST
@role_required(*HANDLE)
def complaint_acknowledge(request, pk: int):
    def run(complaint, data):
        complaint, notice = services.complaint_acknowledge(complaint=complaint, actor=request.user, request=request)
        _notice_message(
            request,
            notice,
            _("Acknowledged; the reference %(ref)s was sent to the customer.") % {"ref": complaint.reference},
        )
        return complaint

    return _post_action(request, pk, None, "", run, "")


@require_POST
@role_required(*HANDLE)
def complaint_investigate(request, pk: int):
    return _post_action(
        request,
        pk,
        None,
        "",
        lambda c, d: services.complaint_investigate(complaint=c, actor=request.user, request=request),
        _("Investigation started."),
    )


@require_POST
@role_required(*VIEW)
def note_add(request, pk: int):
    def run(complaint, data):
        kind = (
            ComplaintNote.Kind.LEGAL if roles.has_role(request.user, roles.LEGAL_ADVISOR) else ComplaintNote.Kind.NOTE
        )
        return services.complaint_note_add(complaint=complaint, author=request.user, body=data["body"], kind=kind)

    return _post_action(request, pk, forms.NoteForm, "note_form", run, _("Note added."))


@require_POST
@role_required(*VIEW)
def evidence_add(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.EvidenceForm,
        "evidence_form",
        lambda c, d: services.evidence_add(
            complaint=c, upload=d["file"], description=d["description"], actor=request.user, request=request
        ),
        lambda ev: _("Evidence “%(name)s” stored.") % {"name": ev.original_name},
    )


@role_required(*VIEW)
def evidence_download(request, pk: int):
    """Serve an evidence file to authorised staff only (never from the web root), as a download."""
    evidence = get_object_or_404(Evidence.objects.select_related("complaint"), pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404
    audit_log(
        actor=request.user,
        action="complaint_evidence_view",
        obj=evidence.complaint,
        changes={"evidence": [None, evidence.original_name]},
        request=request,
    )
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@role_required(*LEADERS)
def complaint_extend(request, pk: int):
    def run(complaint, data):
        extension, notice = services.complaint_extend(
            complaint=complaint, actor=request.user, reason=data["reason"], request=request
        )
        _notice_message(
            request,
            notice,
            _("Deadline extended to %(date)s; the reason was sent to the customer.")
            % {"date": timezone.localtime(extension.new_due).date().isoformat()},
        )
        return extension

    return _post_action(request, pk, forms.ExtendForm, "extend_form", run, "")


@require_POST
@role_required(*HANDLE)
def complaint_decide(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.DecisionForm,
        "decision_form",
        lambda c, d: services.complaint_decide(
            complaint=c,
            actor=request.user,
            decision_text=d["decision_text"],
            remedy=d["remedy"],
            root_cause=d["root_cause"],
            remedy_amount=d["remedy_amount"],
            responsible_staff=d["responsible_staff"],
            request=request,
        ),
        _("Decision recorded. Send the decision letter to the customer."),
    )


@require_POST
@role_required(*HANDLE)
def complaint_inform(request, pk: int):
    complaint = _complaint_or_404(pk)
    form = forms.InformForm(request.POST)
    if not form.is_valid():
        return _detail(request, complaint, inform_form=form, open_panel="inform_form")
    try:
        complaint, notice = services.complaint_inform(
            complaint=complaint,
            actor=request.user,
            channel=form.cleaned_data["channel"],
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _detail(request, complaint, inform_form=form, open_panel="inform_form")
    if notice.status != notice.Status.SENT:
        messages.error(
            request,
            _("The decision letter could not be sent (%(error)s). Nothing changed; try again or use the other channel.")
            % {"error": notice.error},
        )
        return _detail(request, complaint, inform_form=form, open_panel="inform_form")
    messages.success(request, _("Decision letter sent to %(to)s.") % {"to": notice.to_masked})
    return redirect(complaint)


@require_POST
@role_required(*HANDLE)
def complaint_close(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.CloseForm,
        "close_form",
        lambda c, d: services.complaint_close(
            complaint=c, actor=request.user, customer_satisfaction=d["customer_satisfaction"], request=request
        ),
        _("Complaint closed; a callback visit is scheduled."),
    )


@require_POST
@role_required(*HANDLE)
def complaint_reopen(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.ReopenForm,
        "reopen_form",
        lambda c, d: services.complaint_reopen(complaint=c, actor=request.user, reason=d["reason"], request=request),
        _("Complaint reopened."),
    )


@require_POST
@role_required(*HANDLE)
def complaint_satisfaction(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.SatisfactionForm,
        "satisfaction_form",
        lambda c, d: services.complaint_satisfaction_record(
            complaint=c, actor=request.user, score=d["score"], request=request
        ),
        _("Satisfaction recorded."),
    )


@require_POST
@role_required(*HANDLE)
def complaint_escalate_legal(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.LegalEscalationForm,
        "legal_form",
        lambda c, d: services.complaint_escalate_legal(
            complaint=c, actor=request.user, legal_advisor=d["legal_advisor"], note=d["note"], request=request
        ),
        _("Escalated to legal."),
    )


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


@require_POST
@role_required(*LEADERS)
def callback_complete(request, pk: int):
    visit = get_object_or_404(CallbackVisit.objects.select_related("complaint"), pk=pk)
    satisfied = {"yes": True, "no": False}.get(request.POST.get("customer_satisfied", ""))
    outcome = request.POST.get("outcome", "").strip()
    if not outcome:
        messages.error(request, _("Describe the outcome of the callback."))
        return redirect(visit.complaint)
    try:
        services.callback_visit_complete(
            visit=visit, actor=request.user, outcome=outcome, customer_satisfied=satisfied, request=request
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(visit.complaint)
    messages.success(request, _("Callback visit recorded."))
    return redirect(visit.complaint)


# ---- incidents and emergency records -----------------------------------------------------------


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
    services.incident_entry_add(incident=incident, text=form.cleaned_data["text"], author=request.user)
    audit_log(actor=request.user, action="incident_entry", obj=incident, request=request)
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


# ---- suggestions -------------------------------------------------------------------------------


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
