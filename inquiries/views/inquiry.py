"""The inquiry page: the whole thread and every action on it (reply, call, note, escalate, resolve, reassign)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from aftersales import permissions as roles
from aftersales.permissions import role_required
from inquiries import selectors, services
from inquiries.forms import CallLogForm, EscalateForm, NoteForm, ReassignForm, ReopenForm, ReplyForm, ResolveForm
from inquiries.models import Category, Inquiry, InquiryAttachment, InquiryMessage
from inquiries.views.common import LEADERS, WORKERS


def _inquiry(pk: int) -> Inquiry:
    return get_object_or_404(
        Inquiry.objects.select_related("customer", "assigned_to", "escalated_to", "resolved_by", "first_responded_by")
        # the page replies to the customer's mobile or email: their ID number, address and card are not read here
        .defer("customer__national_id", "customer__address", "customer__bank_card"),
        pk=pk,
    )


def _detail(request, inquiry: Inquiry, status: int = 200, **forms):
    channels = services.reply_channels(inquiry)
    context = {
        "inquiry": inquiry,
        "thread": selectors.inquiry_thread(inquiry=inquiry),
        "channels": channels,
        "reply_form": forms.get("reply_form") or _reply_form(channels, focus=inquiry.assigned_to_id == request.user.pk),
        "call_form": forms.get("call_form") or CallLogForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "escalate_form": forms.get("escalate_form")
        or EscalateForm(
            channels=channels,
            initial={
                "holding_reply": _(
                    "We have passed your question (%(ref)s) to our specialists and will answer within %(hours)s hours."
                )
                % {"ref": inquiry.reference, "hours": settings.INQUIRY_ESCALATION_HOURS}
            },
        ),
        "resolve_form": forms.get("resolve_form") or ResolveForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "reassign_form": forms.get("reassign_form") or ReassignForm(initial={"agent": inquiry.assigned_to_id}),
        "open_tab": forms.get("open_tab", "reply"),
        "canned": selectors.canned_replies_for(language=inquiry.language or request.LANGUAGE_CODE),
        "is_leader": roles.has_role(request.user, *LEADERS),
        "can_answer_department": inquiry.escalated_to_id is not None
        and services.is_department_member(user=request.user, department=inquiry.escalated_to),
        "is_open": inquiry.status != Inquiry.Status.RESOLVED,
        "category_label": dict(Category.choices).get(inquiry.category, inquiry.category),
        "customer_url": _customer_url(inquiry),
        # The agent's side panel: loans, complaints, consent, last contacts (a fixed number of queries).
        "panel": selectors.side_panel(customer=inquiry.customer, exclude_inquiry_id=inquiry.pk)
        if inquiry.customer_id
        else None,
        "can_reveal": request.user.has_perm("customers.view_full_pii"),
        "revealed": forms.get("revealed"),  # a text revealed without htmx, shown once above the thread
        # resolved_by may be empty (resolved by an import or a since-deleted user): never crash the page on it
        "resolver_name": (inquiry.resolved_by.get_full_name() or inquiry.resolved_by.get_username())
        if inquiry.resolved_by_id
        else "—",
    }
    return render(request, "inquiries/detail.html", context, status=status)


def _reply_form(channels: list[str], *, focus: bool) -> ReplyForm:
    form = ReplyForm(channels=channels)
    if focus:  # the agent who holds the inquiry starts typing the answer at once
        form.fields["body"].widget.attrs["autofocus"] = True
    return form


def _customer_url(inquiry: Inquiry) -> str:
    if not inquiry.customer_id:
        return ""
    try:
        return reverse("customers:detail", args=[inquiry.customer_id])
    except NoReverseMatch:
        return ""


@role_required(*WORKERS)
@require_GET
def detail(request, pk: int):
    """The whole thread and every action on one page."""
    return _detail(request, _inquiry(pk))


@never_cache
@role_required(*WORKERS)
@require_POST
def text_reveal(request, pk: int):
    """Show the subject or one message as written (numbers unmasked), once, with view_full_pii and a reason."""
    if not request.user.has_perm("customers.view_full_pii"):
        raise PermissionDenied
    inquiry = _inquiry(pk)
    message_id = request.POST.get("message", "")
    message = None
    if message_id:
        if not message_id.isdigit() or len(message_id) > 18:
            raise Http404
        message = get_object_or_404(InquiryMessage, pk=int(message_id), inquiry=inquiry)
    shown = message.body if message else inquiry.subject
    context = {
        "key": str(message.pk) if message else "subject",
        "shown": shown,
        "url": reverse("inquiries:text_reveal", args=[inquiry.pk]),
        "hidden_name": "message",
        "hidden_value": message.pk if message else "",
        "can_reveal": True,
        "revealed": None,
        "error": "",
    }
    try:
        context["revealed"] = services.inquiry_text_reveal(
            inquiry=inquiry, message=message, actor=request.user, reason=request.POST.get("reason", ""), request=request
        )
    except ValidationError as exc:
        context["error"] = " ".join(exc.message_dict.get("reason", exc.messages))
    status = 400 if context["error"] else 200
    if request.htmx:
        return render(request, "inquiries/_reveal_text.html", context, status=status)
    if context["error"]:
        messages.error(request, context["error"])
        return _detail(request, inquiry, status=400)
    messages.success(request, _("The full text is shown once below; this reveal was written to the audit log."))
    return _detail(request, inquiry, revealed=context)


@role_required(*WORKERS)
@require_POST
def reply(request, pk: int):
    inquiry = _inquiry(pk)
    form = ReplyForm(request.POST, channels=services.reply_channels(inquiry))
    if not form.is_valid():
        return _detail(request, inquiry, status=400, reply_form=form)
    message = services.inquiry_reply(
        inquiry=inquiry,
        author=request.user,
        body=form.cleaned_data["body"],
        via=form.cleaned_data["via"],
        request=request,
    )
    if message.reached_customer:
        messages.success(request, _("Reply sent to the customer."))
    else:
        messages.error(
            request,
            _("The reply could not be delivered (%(error)s). It is kept in the thread; try another channel or call.")
            % {"error": message.send_error or _("provider refused")},
        )
    return redirect(inquiry)


@role_required(*WORKERS)
@require_POST
def call_log(request, pk: int):
    inquiry = _inquiry(pk)
    form = CallLogForm(request.POST)
    if not form.is_valid():
        return _detail(request, inquiry, status=400, call_form=form, open_tab="call")
    services.inquiry_call_log(
        inquiry=inquiry,
        author=request.user,
        body=form.cleaned_data["body"],
        reached=form.cleaned_data["reached"],
        request=request,
    )
    messages.success(request, _("Call logged."))
    return redirect(inquiry)


@role_required(*WORKERS)
@require_POST
def note(request, pk: int):
    inquiry = _inquiry(pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _detail(request, inquiry, status=400, note_form=form, open_tab="note")
    services.inquiry_note_add(inquiry=inquiry, author=request.user, body=form.cleaned_data["body"])
    messages.success(request, _("Internal note added."))
    return redirect(inquiry)


@role_required(*WORKERS)
@require_POST
def escalate(request, pk: int):
    inquiry = _inquiry(pk)
    form = EscalateForm(request.POST, channels=services.reply_channels(inquiry))
    if not form.is_valid():
        return _detail(request, inquiry, status=400, escalate_form=form, open_tab="escalate")
    data = form.cleaned_data
    services.inquiry_escalate(
        inquiry=inquiry,
        department=data["department"],
        actor=request.user,
        note=data["note"],
        holding_reply=data.get("holding_reply") or "",
        via=data.get("via") or "",
        request=request,
    )
    messages.success(request, _("Escalated to %(department)s.") % {"department": data["department"].name})
    return redirect(inquiry)


@role_required(*WORKERS)
@require_POST
def resolve(request, pk: int):
    inquiry = _inquiry(pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _detail(request, inquiry, status=400, resolve_form=form, open_tab="resolve")
    services.inquiry_resolve(
        inquiry=inquiry,
        actor=request.user,
        category=form.cleaned_data["category"],
        note=form.cleaned_data["note"],
        request=request,
    )
    messages.success(request, _("Inquiry %(ref)s resolved.") % {"ref": inquiry.reference})
    return redirect("inquiries:queue")


@role_required(*WORKERS)
@require_POST
def reopen(request, pk: int):
    inquiry = _inquiry(pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _detail(request, inquiry, status=400, reopen_form=form)
    services.inquiry_reopen(inquiry=inquiry, actor=request.user, reason=form.cleaned_data["reason"], request=request)
    messages.success(request, _("Inquiry reopened."))
    return redirect(inquiry)


@role_required(*LEADERS)
@require_POST
def reassign(request, pk: int):
    inquiry = _inquiry(pk)
    form = ReassignForm(request.POST)
    if not form.is_valid():
        return _detail(request, inquiry, status=400, reassign_form=form)
    services.inquiry_assign(
        inquiry=inquiry,
        to_user=form.cleaned_data["agent"],
        actor=request.user,
        reason=form.cleaned_data["reason"],
        request=request,
    )
    messages.success(request, _("Inquiry %(ref)s reassigned.") % {"ref": inquiry.reference})
    next_url = request.POST.get("next", "")
    if next_url == "supervisor":
        return redirect("inquiries:supervisor")
    return redirect(inquiry)


@role_required(*WORKERS)
@require_GET
def attachment(request, pk: int):
    """Download an attachment (files live outside the web root; only staff who work inquiries get them)."""
    item = get_object_or_404(InquiryAttachment, pk=pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404
    return FileResponse(handle, as_attachment=True, filename=item.original_name, content_type=item.content_type)
