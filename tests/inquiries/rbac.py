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


def _callback_owed_id():
    from datetime import timedelta

    from django.utils import timezone

    from inquiries.models import Inquiry

    inquiry = _inquiry()
    Inquiry.objects.filter(pk=inquiry.pk).update(callback_due_at=timezone.now() + timedelta(minutes=30))
    return [inquiry.pk]


def _post(url_name, data, *, args=_inquiry_id, ok=302):
    """A POST that works inquiries: workers get `ok`, others 403, anonymous to login."""
    return allow(url_name, WORKERS, args=args, method="post", data=data, ok=ok)


CASES = [
    allow("inquiries:queue", WORKERS),
    allow("inquiries:queue_xlsx", WORKERS),  # the queue and its search as XLSX (#17)
    allow("inquiries:detail", WORKERS, args=_inquiry_id),
    # Claiming: the first role to try wins, every later one is told and sent back to the queue (302 both).
    _post("inquiries:claim", {}),
    # Revealing the text as written needs customers.view_full_pii: of the inquiry workers only managers hold it.
    allow("inquiries:text_reveal", [roles.MANAGER], args=_inquiry_id, method="post", data={"reason": "check"}),
    _post("inquiries:reply", {"via": "sms", "body": "Hello"}),
    _post("inquiries:call_log", {"call-body": "Called", "call-reached": "on"}),
    _post("inquiries:note", {"note-body": "Note"}),
    _post("inquiries:callback_done", {"note": "Called back", "reached": "1"}, args=_callback_owed_id),  # #16
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


# ---- department queues (#15): each department's staff, plus supervisors and managers ----
def _departments():
    from org.models import Department

    for code in ("risk", "legal", "finance"):
        Department.objects.get_or_create(code=code, defaults={"name": code.title()})
    return []


def _finance_escalated_id():
    from inquiries.services.escalation import inquiry_escalate
    from org.models import Department

    _departments()
    inquiry = _inquiry()
    return [inquiry_escalate(inquiry=inquiry, department=Department.objects.get(code="finance"), actor=None).pk]


FINANCE_QUEUE = [roles.FINANCE, *roles.LEADERS]
CASES += [
    # department staff are sent to their own queue; supervisors and managers see the overview of every department
    Case(
        "inquiries:departments",
        {
            **dict.fromkeys(ALL_ROLES, 403),
            **dict.fromkeys(roles.DEPARTMENT_STAFF, 302),
            **dict.fromkeys(roles.LEADERS, 200),
            ANON: 302,
        },
        args=_departments,
    ),
    allow("inquiries:department_queue", FINANCE_QUEUE, args=lambda: [*_departments(), "finance"]),
    allow("inquiries:department_inquiry", FINANCE_QUEUE, args=_finance_escalated_id),
    # only the department answers (the first POST answers it; the matrix's finance user is the only member)
    allow(
        "inquiries:department_answer",
        [roles.FINANCE],
        args=_finance_escalated_id,
        method="post",
        data={"department-body": "Refund approved"},
        ok=302,
    ),
]
