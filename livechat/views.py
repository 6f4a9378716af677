"""The public chat pages (no sign-in): the start form at /chat/, the chat window at /chat/<token>/.

Starting a chat is `POST /chat/start/` with the form fields `name`, `mobile` (mainland), `topic` (an inquiry
category), `text` and the CSRF token (plus `code` when LIVECHAT_CONFIRM_MOBILE is on, asked for with
`POST /chat/code/`). It answers 302 to `/chat/<token>/`, the chat window, whose socket is `/ws/chat/<token>/`
(protocol in livechat/consumers.py). Outside service hours the same form leaves a message (an ordinary inquiry) and
answers 302 to `/chat/thanks/`. Invalid input: 400 with the form and what was typed; over the rate limit: 429.
"""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST

from inquiries.models import Category
from inquiries.services import chat as inquiry_chat
from livechat import selectors, services
from livechat.forms import ChatStartForm, MobileCodeForm

CODES_KEY = "livechat_codes"
FRAME_ANCESTORS = re.compile(r"frame-ancestors[^;]*")


def _framable(response):
    """The chat pages may be shown inside the company's own website (static/js/livechat-embed.js)."""
    origins = " ".join(["'self'", *settings.LIVECHAT_EMBED_ORIGINS])
    policy = settings.CONTENT_SECURITY_POLICY
    if policy:
        if FRAME_ANCESTORS.search(policy):
            policy = FRAME_ANCESTORS.sub(f"frame-ancestors {origins}", policy)
        else:
            policy = f"{policy}; frame-ancestors {origins}"
        response.headers["Content-Security-Policy"] = policy
    return response


def _codes(request) -> dict[str, str]:
    """The confirmation codes sent in this browser session that are still valid: {mobile: code}."""
    now = time.time()
    stored = request.session.get(CODES_KEY, {})
    return {mobile: code for mobile, (code, until) in stored.items() if until > now}


def _context(request, form) -> dict:
    now = timezone.now()
    open_now = inquiry_chat.service_open(now)
    return {
        "form": form,
        "open_now": open_now,
        "opens_at": None if open_now else timezone.localtime(inquiry_chat.service_opens_at(now)),
        "confirm_mobile": settings.LIVECHAT_CONFIRM_MOBILE,
        "max_chars": settings.LIVECHAT_MESSAGE_MAX_CHARS,
    }


@xframe_options_exempt
@require_GET
def chat(request):
    """The start form (or, outside service hours, a form that leaves a message)."""
    return _framable(render(request, "livechat/start.html", _context(request, ChatStartForm())))


@xframe_options_exempt
@require_POST
def start(request):
    """Start a chat and go to its window; outside service hours leave a message instead."""
    form = ChatStartForm(request.POST, codes=_codes(request))
    if not form.is_valid():
        return _framable(render(request, "livechat/start.html", _context(request, form), status=400))
    data = form.cleaned_data
    if data.get("website"):  # a bot filled the hidden field: answer like a success, store nothing
        request.session["chat_reference"] = ""
        return redirect("livechat:thanks")
    fields = {
        "name": data["name"],
        "mobile": data["mobile"],
        "topic": data["topic"],
        "text": data["text"],
        "language": request.LANGUAGE_CODE,
        "request": request,
    }
    if not inquiry_chat.service_open(timezone.now()):
        inquiry = services.chat_message_leave(**fields)
        request.session["chat_reference"] = inquiry.reference
        return redirect("livechat:thanks")
    session = services.chat_start(mobile_confirmed=settings.LIVECHAT_CONFIRM_MOBILE, **fields)
    request.session.pop(CODES_KEY, None)
    return redirect("livechat:window", token=session.token)


@xframe_options_exempt
@require_POST
def send_code(request):
    """Send a confirmation code to the mobile typed in the start form; the form comes back as typed."""
    if not settings.LIVECHAT_CONFIRM_MOBILE:
        raise Http404
    typed = {k: v for k, v in request.POST.items() if k in ("name", "mobile", "topic", "text")}
    code_form = MobileCodeForm(request.POST)
    if not code_form.is_valid():
        form = ChatStartForm(request.POST, codes=_codes(request))
        form.is_valid()
        return _framable(render(request, "livechat/start.html", _context(request, form), status=400))
    mobile = code_form.cleaned_data["mobile"]
    code = services.mobile_code_send(mobile=mobile, language=request.LANGUAGE_CODE)
    stored = request.session.get(CODES_KEY, {})
    stored[mobile] = (code, time.time() + settings.LIVECHAT_CODE_MINUTES * 60)
    request.session[CODES_KEY] = stored
    context = _context(request, ChatStartForm(initial=typed))
    context["code_sent"] = True
    return _framable(render(request, "livechat/start.html", context))


@xframe_options_exempt
@require_GET
def thanks(request):
    """A message left outside service hours: its reference (kept in the session, so only the sender sees it)."""
    now = timezone.now()
    context = {
        "reference": request.session.get("chat_reference", ""),
        "opens_at": timezone.localtime(inquiry_chat.service_opens_at(now)),
    }
    return _framable(render(request, "livechat/thanks.html", context))


@xframe_options_exempt
@require_GET
def window(request, token: str):
    """The chat window: its socket carries the conversation (static/js/livechat.js)."""
    session = selectors.session_by_token(token=token)
    if session is None:
        raise Http404
    context = {
        "session": session,
        "topic_label": dict(Category.choices).get(session.topic, ""),
        "socket_path": f"/ws/chat/{session.token}/",
        "start_url": reverse("livechat:chat"),
        "max_chars": settings.LIVECHAT_MESSAGE_MAX_CHARS,
    }
    return _framable(render(request, "livechat/window.html", context))
