from aftersales import permissions as roles
from tests.rbac_support import ALL_ROLES, ANON, Case, allow, public

WORKERS = roles.FRONT_LINE
LOGGERS = [roles.AGENT, roles.SUPERVISOR]
LEADERS = roles.LEADERS


def _inquiry():
    from tests.inquiries.factories import make_inquiry

    return make_inquiry(minutes_ago=1)


def _inquiry_id():
    return [_inquiry().pk]


def _resolved_id():
    from inquiries.models import Inquiry

    inquiry = _inquiry()
    Inquiry.objects.filter(pk=inquiry.pk).update(status=Inquiry.Status.RESOLVED)
    return [inquiry.pk]


def _attachment_id():
    from inquiries import services

    inquiry = _inquiry()
    message = inquiry.messages.get()
    return [
        services.attachment_store(message=message, filename="a.pdf", content_type="application/pdf", data=b"%PDF-1").pk
    ]


def _post(url_name, data, *, args=_inquiry_id, ok=302):
    """A POST that works inquiries: workers get `ok`, others 403, anonymous to login."""
    return allow(url_name, WORKERS, args=args, method="post", data=data, ok=ok)


CASES = [
    allow("inquiries:queue", WORKERS),
    allow("inquiries:detail", WORKERS, args=_inquiry_id),
    # Claiming: the first role to try wins, every later one is told and sent back to the queue (302 both).
    _post("inquiries:claim", {}),
    # Revealing the text as written needs customers.view_full_pii: of the inquiry workers only managers hold it.
    allow("inquiries:text_reveal", [roles.MANAGER], args=_inquiry_id, method="post", data={"reason": "check"}),
    _post("inquiries:reply", {"via": "sms", "body": "Hello"}),
    _post("inquiries:call_log", {"call-body": "Called", "call-reached": "on"}),
    _post("inquiries:note", {"note-body": "Note"}),
    _post("inquiries:escalate", {"escalate-note": "x"}, ok=400),  # no department chosen: the form is shown again
    _post("inquiries:resolve", {"resolve-category": "answered", "resolve-note": "done"}),
    _post("inquiries:reopen", {"reopen-reason": "again"}, args=_resolved_id),
    allow("inquiries:reassign", LEADERS, args=_inquiry_id, method="post", data={"agent": "", "reason": "x"}, ok=302),
    allow("inquiries:attachment", WORKERS, args=_attachment_id),
    allow("inquiries:hotline_new", LOGGERS),
    allow("inquiries:customer_lookup", LOGGERS, data={"mobile": "13812345678"}),
    allow("inquiries:supervisor", LEADERS),
    public("inquiries:online"),
    public("inquiries:online_thanks"),
    # The SMS webhook answers only to Twilio's signature: everybody else gets 403, signed in or not.
    Case("inquiries:sms_webhook", {**dict.fromkeys(ALL_ROLES, 403), ANON: 403}, method="post", data={"From": "+1"}),
]
