"""Inquiry pages: the agents' queue, the inquiry page, hotline logging, the public form, webhooks, SLA watch."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from twilio.request_validator import RequestValidator

from aftersales import permissions as roles
from aftersales.audit import client_ip
from aftersales.permissions import role_required
from aftersales.security.ratelimit import hit
from customers.validators import normalize_mainland_mobile
from inquiries import selectors, services
from inquiries.forms import (
    CallLogForm,
    EscalateForm,
    HotlineForm,
    NoteForm,
    OnlineInquiryForm,
    ReassignForm,
    ReopenForm,
    ReplyForm,
    ResolveForm,
)
from inquiries.models import Category, Inquiry, InquiryAttachment, InquiryMessage

logger = logging.getLogger(__name__)

WORKERS = tuple(roles.FRONT_LINE)  # may read and work inquiries
LOGGERS = (roles.AGENT, roles.SUPERVISOR)  # take hotline calls
LEADERS = tuple(roles.LEADERS)
QUEUE_PAGE_SIZE = 25  # about one screen; the most urgent are always on top
POLL_SECONDS = 5


# ---- queue --------------------------------------------------------------------------------------


@role_required(*WORKERS)
@require_GET
def queue(request):
    """Open inquiries, unanswered first by time left; the table refreshes itself every few seconds."""
    view = request.GET.get("view", "all")
    if view not in selectors.QUEUE_VIEWS:
        view = "all"
    channel = request.GET.get("channel", "")
    channel = channel if channel in Inquiry.Channel.values else ""
    category = request.GET.get("category", "")
    category = category if category in Category.values else ""
    now = timezone.now()
    ordered = selectors.queue_list(user=request.user, view=view, channel=channel, category=category, now=now)
    counts = selectors.queue_counts(user=request.user)
    paginator = Paginator(ordered.values_list("id", flat=True), QUEUE_PAGE_SIZE)
    if not channel and not category:
        # Counted with the tabs (shared, at most a few seconds old): one query less per refresh. Only the
        # "page x of y" line may lag; the rows are read below whatever the count says.
        paginator.count = counts[view]
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.queue_page(
        ordered=ordered,
        start=(page.number - 1) * QUEUE_PAGE_SIZE,
        size=QUEUE_PAGE_SIZE,
        view=view,
        filtered=bool(channel or category),
    )
    _set_urls(page.object_list)
    context = {
        "page": page,
        "view": view,
        "channel": channel,
        "category": category,
        "counts": counts,
        "now": now,
        "poll_seconds": POLL_SECONDS,
        "channels": Inquiry.Channel.choices,
        "categories": Category.choices,
        "category_labels": dict(Category.choices),
        "can_log_calls": roles.has_role(request.user, *LOGGERS),
    }
    if request.htmx:
        return render(request, "inquiries/_queue_table.html", context)
    return render(request, "inquiries/queue.html", context)


def _set_urls(inquiries) -> None:
    """Detail URLs for a page of rows with one reverse() instead of three per row (the queue renders every 5 s)."""
    marker = 987654321
    pattern = reverse("inquiries:detail", args=[marker])
    for inquiry in inquiries:
        inquiry.detail_url = pattern.replace(str(marker), str(inquiry.pk))


@role_required(*WORKERS)
@require_POST
def claim(request, pk: int):
    """Claim an unassigned inquiry; the second of two agents clicking at once is told who was first."""
    inquiry = get_object_or_404(Inquiry, pk=pk)
    try:
        services.inquiry_claim(inquiry=inquiry, user=request.user, request=request)
    except services.ClaimLost as lost:
        if lost.owner is None:
            messages.error(request, _("Inquiry %(ref)s is closed and cannot be claimed.") % {"ref": inquiry.reference})
        elif lost.owner == request.user:
            messages.info(request, _("Inquiry %(ref)s is already yours.") % {"ref": inquiry.reference})
            return redirect(inquiry)
        else:
            messages.warning(
                request,
                _("%(user)s claimed inquiry %(ref)s a moment before you.")
                % {"user": lost.owner.get_full_name() or lost.owner.get_username(), "ref": inquiry.reference},
            )
        return redirect("inquiries:queue")
    messages.success(
        request, _("Inquiry %(ref)s is yours: answer it before the countdown ends.") % {"ref": inquiry.reference}
    )
    return redirect(inquiry)


# ---- the inquiry page ---------------------------------------------------------------------------


def _inquiry(pk: int) -> Inquiry:
    return get_object_or_404(
        Inquiry.objects.select_related("customer", "assigned_to", "escalated_to", "resolved_by", "first_responded_by"),
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
                % {"ref": inquiry.reference, "hours": getattr(settings, "INQUIRY_ESCALATION_HOURS", 24)}
            },
        ),
        "resolve_form": forms.get("resolve_form") or ResolveForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "reassign_form": forms.get("reassign_form") or ReassignForm(initial={"agent": inquiry.assigned_to_id}),
        "open_tab": forms.get("open_tab", "reply"),
        "canned": selectors.canned_replies_for(language=inquiry.language or request.LANGUAGE_CODE),
        "is_leader": roles.has_role(request.user, *LEADERS),
        "is_open": inquiry.status != Inquiry.Status.RESOLVED,
        "category_label": dict(Category.choices).get(inquiry.category, inquiry.category),
        "customer_url": _customer_url(inquiry),
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
    except Exception:
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


# ---- hotline ------------------------------------------------------------------------------------


@role_required(*LOGGERS)
@require_http_methods(["GET", "POST"])
def hotline_new(request):
    """Log a hotline call in a few seconds; Enter submits."""
    form = HotlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        inquiry = services.inquiry_hotline_log(
            agent=request.user,
            phone=data["mobile"],
            name=data["name"],
            summary=data["summary"],
            details=data["details"],
            category=data["category"],
            answered_live=data["answered_live"],
            request=request,
        )
        messages.success(request, _("Call logged as %(ref)s.") % {"ref": inquiry.reference})
        if request.POST.get("then") == "open":
            return redirect(inquiry)
        return redirect("inquiries:hotline_new")
    matches = _lookup(form.data.get("mobile", "")) if form.is_bound else None
    return render(
        request, "inquiries/hotline_form.html", {"form": form, "matches": matches}, status=400 if form.is_bound else 200
    )


def _lookup(raw: str):
    try:
        phone = normalize_mainland_mobile(raw)
    except Exception:
        return None
    return selectors.customers_by_mobile(phone_e164=phone)


@role_required(*LOGGERS)
@require_GET
def customer_lookup(request):
    """htmx: who is calling, by mobile (masked)."""
    matches = _lookup(request.GET.get("mobile", ""))
    return render(request, "inquiries/_customer_lookup.html", {"matches": matches})


# ---- public online form -------------------------------------------------------------------------


def _rate_limited(request) -> bool:
    """Count one submission from this address (shared fixed-window limiter); True when over the limit."""
    if not getattr(settings, "RATELIMIT_ENABLED", True):
        return False
    rate = getattr(settings, "INQUIRY_ONLINE_RATE", "10/h")
    allowed, _retry_after = hit("online_inquiry", client_ip(request) or "unknown", rate)
    return not allowed


@require_http_methods(["GET", "POST"])
def online(request):
    """The public inquiry form (no login): rate-limited per address, honeypot, nothing typed is lost on errors."""
    form = OnlineInquiryForm(request.POST or None)
    if request.method == "POST":
        if _rate_limited(request):
            form.is_valid()
            return render(
                request,
                "inquiries/online_form.html",
                {"form": form, "rate_limited": True},
                status=429,
            )
        if form.is_valid():
            data = form.cleaned_data
            if data.get("website"):
                # A bot filled the hidden field: answer like a success, store nothing.
                request.session["inquiry_reference"] = ""
                return redirect("inquiries:online_thanks")
            inquiry, _message = services.inquiry_create(
                channel=Inquiry.Channel.ONLINE,
                subject=data["question"],  # the service masks numbers first, then cuts it to length
                body=data["question"],
                name=data["name"],
                phone=data["mobile"],
                email=data["email"],
                category=data["category"],
                language=request.LANGUAGE_CODE,
                request=request,
            )
            request.session["inquiry_reference"] = inquiry.reference
            return redirect("inquiries:online_thanks")
        return render(request, "inquiries/online_form.html", {"form": form}, status=400)
    return render(request, "inquiries/online_form.html", {"form": form})


@require_GET
def online_thanks(request):
    """Confirmation with the reference number (kept in the session, so only the sender sees it)."""
    return render(
        request,
        "inquiries/online_thanks.html",
        {
            "reference": request.session.get("inquiry_reference", ""),
            "minutes": getattr(settings, "INQUIRY_FIRST_RESPONSE_MINUTES", 10),
        },
    )


# ---- Twilio inbound SMS webhook -----------------------------------------------------------------


@csrf_exempt
@require_POST
def sms_webhook(request):
    """Twilio posts each inbound SMS here; the signature must match PUBLIC_BASE_URL + path, else 403."""
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    url = settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    if not token or not signature or not RequestValidator(token).validate(url, request.POST.dict(), signature):
        logger.warning("inbound SMS with a bad signature refused")
        return HttpResponseForbidden("invalid signature")
    from_number = request.POST.get("From", "")
    body = request.POST.get("Body", "")
    if not from_number:
        return HttpResponse(status=400)
    from reminders.services import handle_inbound_stop

    if handle_inbound_stop(from_number, body):
        # "STOP" / "退订" is an opt-out of SMS, not a question: no inquiry is opened.
        return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', content_type="text/xml")
    services.inquiry_receive_sms(from_number=from_number, body=body, message_sid=request.POST.get("MessageSid", ""))
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', content_type="text/xml")


# ---- supervisor ---------------------------------------------------------------------------------


@role_required(*LEADERS)
@require_GET
def supervisor(request):
    """Breached and at-risk unanswered inquiries per agent, with reassignment."""
    now = timezone.now()
    rows = selectors.sla_watch(now=now)
    counts = selectors.queue_counts(user=request.user)
    return render(
        request,
        "inquiries/supervisor.html",
        {
            "rows": rows,
            "counts": counts,
            "agents": selectors.assignable_agents(),
            "category_labels": dict(Category.choices),
            "now": now,
        },
    )
