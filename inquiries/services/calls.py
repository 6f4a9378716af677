"""Inbound hotline calls (#16): each call opens or continues a hotline inquiry, rings the agent it is routed to (with a
screen pop before they pick up), and records how it went; a missed or abandoned call owes the customer a callback.

messaging owns the Twilio webhooks (messaging.inbound_calls) and calls the three handlers registered here from
InquiriesConfig.ready() (`follow_inbound_calls`):

- `call_incoming`: the caller is matched (customers' one matcher, by the keyed hash of the E.164 number); their open
  hotline inquiry of the last INBOUND_CALL_CONTINUE_HOURS continues, else a new one opens with the first-response
  clock running (inquiries' intake). The agent is the on-duty owner of a continued inquiry, else the one the routing
  rule chooses (least loaded, inquiries.services.assignment); only that agent's screens get the pop. Nobody on duty
  (or with room): the call is missed and a callback is owed.
- `call_dial_ended`: the agent's leg ended; answered is the first response (at the moment of the answer), anything
  else (no answer, busy, failed, the caller hanging up while it rang) owes a callback.
- `call_ended`: the call's final status and length on the inquiry, and one line in the thread ("来电 3分12秒，已接听").

The callback is due INBOUND_CALLBACK_MINUTES after the miss; `callbacks_overdue_alert` (beat) tells the owner once
when it is late, `callback_done` records it made (a call note through the replies service).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from aftersales.live import push_to_staff
from aftersales.models import Notification
from aftersales.notifications import notification_send, users_with_role
from aftersales.permissions import SUPERVISOR
from customers.api import mask_mobile, pii_hash
from customers.selectors import customer_match
from inquiries import selectors
from inquiries.models import CallStatus, Inquiry, InquiryMessage
from inquiries.selectors import OPEN_STATUSES
from inquiries.services import intake
from inquiries.services.assignment import inquiry_auto_assign
from inquiries.services.common import event_add, first_response_record, message_create, phone_normalise, user_display
from inquiries.services.replies import inquiry_call_log
from inquiries.side_panel import customer_active_loans
from messaging.api import CallRoute, InboundCall, register_inbound_call_handler
from org.models import StaffProfile

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest

# Inquiry.call_status values (inquiries.models.CallStatus, whose labels the page and the audit log show).
RINGING, ANSWERED, COMPLETED = CallStatus.RINGING, CallStatus.ANSWERED, CallStatus.COMPLETED
NO_ANSWER, BUSY, FAILED = CallStatus.NO_ANSWER, CallStatus.BUSY, CallStatus.FAILED
ABANDONED = CallStatus.ABANDONED  # the caller hung up before an agent answered
MISSED = CallStatus.MISSED  # nobody on duty (or with room) to put the call through to
MISSED_STATUSES = (NO_ANSWER, BUSY, FAILED, ABANDONED, MISSED)
CALL_STATUS_LABELS = dict(CallStatus.choices)
POP_OVERDUE_LOANS = 3  # overdue loans listed on the pop (the 360 page has them all)


def call_status_label(status: str) -> str:
    """The call status as the inquiry page shows it."""
    return str(CALL_STATUS_LABELS.get(status, status))


def duration_text(seconds: int | None) -> str:
    """3分12秒 / "3 min 12 s"; "" when the length is unknown."""
    if seconds is None:
        return ""
    return _("%(minutes)d min %(seconds)d s") % {"minutes": seconds // 60, "seconds": seconds % 60}


def follow_inbound_calls() -> None:
    """Register with messaging: calls to the hotline are filed, routed and followed here."""
    register_inbound_call_handler(incoming=call_incoming, dial_ended=call_dial_ended, call_ended=call_ended)


# ---- the call comes in ---------------------------------------------------------------------------------------------


def call_incoming(call: InboundCall, *, now: datetime | None = None) -> CallRoute | None:
    """File a call to the hotline and choose whom it rings: a route to that agent, None when it is missed."""
    now = now or timezone.now()
    existing = Inquiry.objects.filter(call_sid=call.call_sid).select_related("assigned_to").first()
    if existing is not None:  # Twilio asked again for the same call: the same answer, nothing filed twice
        if existing.call_status == RINGING and existing.assigned_to is not None:
            return _route(existing.assigned_to)
        return None
    phone = phone_normalise(call.from_number)
    inquiry = _inquiry_for_call(phone=phone, call_sid=call.call_sid, now=now)
    agent = _agent_for(inquiry)
    Inquiry.objects.filter(pk=inquiry.pk).update(
        call_sid=call.call_sid, call_status=RINGING, call_duration_seconds=None
    )
    if agent is None:
        _call_missed(inquiry_id=inquiry.pk, status=MISSED, at=now, phone=phone)
        return None
    event_add(inquiry, _("Incoming call put through to %(user)s.") % {"user": user_display(agent)}, at=now)
    transaction.on_commit(lambda: call_pop_send(inquiry_id=inquiry.pk, agent=agent, phone=phone), robust=True)
    return _route(agent)


def _open_hotline_inquiry(*, phone: str, customer_id: int | None, now: datetime) -> Inquiry | None:
    """The caller's open hotline inquiry received within INBOUND_CALL_CONTINUE_HOURS, newest first."""
    if not phone:
        return None
    caller = Q(contact_phone_hash=pii_hash(phone))
    if customer_id is not None:
        caller |= Q(customer_id=customer_id)
    since = now - timedelta(hours=settings.INBOUND_CALL_CONTINUE_HOURS)
    return (
        Inquiry.objects.filter(
            caller, channel=Inquiry.Channel.HOTLINE, status__in=OPEN_STATUSES, received_at__gte=since
        )
        .order_by("-received_at", "-id")
        .first()
    )


def _inquiry_for_call(*, phone: str, call_sid: str, now: datetime) -> Inquiry:
    """Continue the caller's open hotline inquiry, else open a new one (first-response clock running, routed)."""
    customer = customer_match(mobile=phone).customer if phone else None
    inquiry = _open_hotline_inquiry(phone=phone, customer_id=customer.pk if customer else None, now=now)
    if inquiry is not None:
        intake.inquiry_customer_message_add(
            inquiry=inquiry,
            channel=Inquiry.Channel.HOTLINE,
            body=_("Called the hotline again."),
            received_at=now,
            external_id=call_sid,
        )
        inquiry.refresh_from_db()
        return inquiry
    withheld = _("Caller's number withheld: no callback is possible.")
    inquiry, _message = intake.inquiry_create(
        channel=Inquiry.Channel.HOTLINE,
        subject=_("Incoming call"),
        body=_("Incoming call on the hotline."),
        phone=phone,
        received_at=now,
        external_id=call_sid,
        flagged=not phone,
        flag_reason="" if phone else withheld,
    )
    return inquiry


def _agent_for(inquiry: Inquiry) -> User | None:
    """The on-duty owner, else the agent the routing rule gives the inquiry to (also with auto-assign off: a ringing
    phone needs somebody now); None when nobody on duty has room."""
    if inquiry.assigned_to_id is not None and selectors.staff_on_duty(user_id=inquiry.assigned_to_id):
        return inquiry.assigned_to
    if inquiry.assigned_to_id is not None:
        return None  # an off-duty owner: the SLA sweeper moves the inquiry; the call is missed meanwhile
    return inquiry_auto_assign(inquiry=inquiry)


def _route(agent: User) -> CallRoute:
    """The agent's work phone when their profile has one, else their browser phone (Twilio Client identity)."""
    work_phone = StaffProfile.objects.filter(user_id=agent.pk).values_list("work_phone", flat=True).first() or ""
    if work_phone.strip():
        return CallRoute(number=work_phone.strip())
    return CallRoute(client_identity=settings.INBOUND_CLIENT_IDENTITY_PREFIX + agent.get_username())


def call_pop_send(*, inquiry_id: int, agent: User, phone: str) -> bool:
    """The screen pop on the routed agent's open screens (only theirs), rendered in their language."""
    inquiry = Inquiry.objects.select_related("customer").get(pk=inquiry_id)
    language = StaffProfile.objects.filter(user_id=agent.pk).values_list("language", flat=True).first()
    context = call_pop_context(inquiry=inquiry, phone=phone)
    with translation.override(language or settings.LANGUAGE_CODE):
        html = render_to_string("inquiries/_call_pop.html", context)
    event = {"type": "call", "inquiry": inquiry.pk, "reference": inquiry.reference, "url": context["inquiry_url"]}
    # Sticky: the pop stays while the agent talks (closed by its button), it is their screen's caller card.
    return push_to_staff(agent.pk, {**event, "html": html, "level": "warning", "sticky": True})


def call_pop_context(*, inquiry: Inquiry, phone: str) -> dict:
    """Who is calling: the customer (name, 360 link), the masked number, open inquiries, overdue loans."""
    customer = inquiry.customer
    overdue = []
    if customer is not None:
        mine = Inquiry.objects.filter(customer_id=customer.pk)
        # Days past due as loans' daily job keeps them (loans.overdue): most overdue first.
        overdue = [loan for loan in customer_active_loans(customer_id=customer.pk, limit=POP_OVERDUE_LOANS) if loan.dpd]
    elif inquiry.contact_phone_hash:
        mine = Inquiry.objects.filter(contact_phone_hash=inquiry.contact_phone_hash)
    else:
        mine = Inquiry.objects.filter(pk=inquiry.pk)
    return {
        "inquiry": inquiry,
        "customer": customer,
        "masked_number": mask_mobile(phone) if phone else "",
        "open_inquiries": mine.filter(status__in=OPEN_STATUSES).count(),
        "overdue_loans": overdue[:POP_OVERDUE_LOANS],
        "inquiry_url": inquiry.get_absolute_url(),
        "customer_url": customer.get_absolute_url() if customer else "",
    }


# ---- missed calls and callbacks ------------------------------------------------------------------------------------


def _call_missed(*, inquiry_id: int, status: str, at: datetime, phone: str | None = None) -> None:
    """Record a missed or abandoned call: the callback owed (unless one is owed already or no number is known)."""
    with transaction.atomic():
        inquiry = Inquiry.objects.select_for_update().get(pk=inquiry_id)
        inquiry.call_status = status
        fields = ["call_status"]
        has_number = bool(phone if phone is not None else inquiry.contact_phone_hash)
        owed = inquiry.callback_due_at is not None and inquiry.callback_done_at is None
        if has_number and not owed:
            inquiry.callback_due_at = at + timedelta(minutes=settings.INBOUND_CALLBACK_MINUTES)
            inquiry.callback_done_at = None
            fields += ["callback_due_at", "callback_done_at"]
        inquiry.save(update_fields=fields)
        if has_number:
            due = timezone.localtime(inquiry.callback_due_at).strftime("%H:%M")
            text = _("Missed call (%(outcome)s): call the customer back by %(due)s.")
            event_add(inquiry, text % {"outcome": call_status_label(status), "due": due}, at=at)
        else:
            event_add(inquiry, _("Missed call (%(outcome)s).") % {"outcome": call_status_label(status)}, at=at)
        audit_log(action="inquiry_call_missed", obj=inquiry, changes={"call_status": status})


def call_dial_ended(
    call: InboundCall, dial_status: str, dial_duration: int | None, *, now: datetime | None = None
) -> None:
    """The agent's leg ended: answered is the first response (when the agent picked up); else a callback is owed."""
    now = now or timezone.now()
    inquiry = Inquiry.objects.filter(call_sid=call.call_sid).only("pk", "call_status", "received_at").first()
    if inquiry is None or inquiry.call_status != RINGING:
        return  # unknown call, or a repeated report
    if dial_status in ("answered", "completed"):
        answered_at = max(now - timedelta(seconds=dial_duration or 0), inquiry.received_at)
        if not Inquiry.objects.filter(pk=inquiry.pk, call_status=RINGING).update(call_status=ANSWERED):
            return
        agent = Inquiry.objects.select_related("assigned_to").get(pk=inquiry.pk).assigned_to
        first_response_record(inquiry_id=inquiry.pk, at=answered_at, by=agent)
        intake.follow_up_answered(inquiry_id=inquiry.pk, at=answered_at, by=agent)
        # The customer got through: a callback owed for an earlier missed call is no longer needed.
        Inquiry.objects.filter(pk=inquiry.pk, callback_due_at__isnull=False, callback_done_at__isnull=True).update(
            callback_done_at=now
        )
        Inquiry.objects.filter(pk=inquiry.pk).update(awaiting_agent=False)
        return
    _call_missed(
        inquiry_id=inquiry.pk, status=ABANDONED if dial_status == "canceled" else _missed_status(dial_status), at=now
    )


def _missed_status(status: str) -> str:
    return status if status in (NO_ANSWER, BUSY, FAILED) else NO_ANSWER


def call_ended(call: InboundCall, *, now: datetime | None = None) -> None:
    """The call's final status and length: recorded on the inquiry with one line in the thread (once per call)."""
    now = now or timezone.now()
    with transaction.atomic():
        inquiry = Inquiry.objects.select_for_update().filter(call_sid=call.call_sid).first()
        if inquiry is None or InquiryMessage.objects.filter(external_id=_end_ref(call.call_sid)).exists():
            return
        status = inquiry.call_status
        if status in (RINGING, ""):
            # Over while it still rang: the caller hung up in the queue (or Twilio could not put it through).
            status = ABANDONED if call.status in (COMPLETED, "canceled") else _missed_status(call.status)
            inquiry.call_status = status  # _call_missed below records the callback
        elif status == ANSWERED:
            status = inquiry.call_status = COMPLETED
        inquiry.call_duration_seconds = call.duration
        inquiry.save(update_fields=["call_status", "call_duration_seconds"])
        answered = status == COMPLETED
        message_create(
            inquiry=inquiry,
            kind=InquiryMessage.Kind.CALL,
            channel=Inquiry.Channel.HOTLINE,
            body=call_summary(answered=answered, seconds=call.duration, status=status),
            author=inquiry.assigned_to if answered else None,
            created_at=now,
            reached_customer=answered,
            external_id=_end_ref(call.call_sid),
        )
        audit_log(action="inquiry_call_ended", obj=inquiry, changes={"call_status": status, "duration": call.duration})
    if status in MISSED_STATUSES and not (inquiry.callback_due_at and not inquiry.callback_done_at):
        _call_missed(inquiry_id=inquiry.pk, status=status, at=now)


def call_summary(*, answered: bool, seconds: int | None, status: str) -> str:
    """The thread's line for a call: 来电 3分12秒，已接听 / 来电 0分20秒，未接通（无人接听）."""
    values = {"duration": duration_text(seconds), "outcome": call_status_label(status)}
    if answered:
        return (
            _("Inbound call %(duration)s, answered.") % values if seconds is not None else _("Inbound call, answered.")
        )
    if seconds is None:
        return _("Inbound call, not answered (%(outcome)s).") % values
    return _("Inbound call %(duration)s, not answered (%(outcome)s).") % values


def _end_ref(call_sid: str) -> str:
    return (call_sid + ":end")[:64]


def callback_done(
    *, inquiry: Inquiry, user: User, note: str = "", reached: bool = True, request: HttpRequest | None = None
) -> Inquiry:
    """The owed callback was made: a call note in the thread (a response when it reached the customer)."""
    body = note.strip() or (_("Called the customer back.") if reached else _("Called back: no answer."))
    inquiry_call_log(inquiry=inquiry, author=user, body=body, reached=reached, request=request)
    if reached:
        Inquiry.objects.filter(pk=inquiry.pk, callback_done_at__isnull=True).update(callback_done_at=timezone.now())
    audit_log(actor=user, action="inquiry_callback_done", obj=inquiry, changes={"reached": reached}, request=request)
    inquiry.refresh_from_db()
    return inquiry


def callbacks_overdue_alert(*, now: datetime | None = None) -> int:
    """Tell the owner (supervisors when nobody owns it) once about each callback past its time; returns how many
    notifications were new."""
    now = now or timezone.now()
    late = (
        Inquiry.objects.filter(callback_due_at__lt=now, callback_done_at__isnull=True, status__in=OPEN_STATUSES)
        .select_related("assigned_to")
        .only("pk", "reference", "callback_due_at", "assigned_to")
        .order_by("callback_due_at")
    )
    supervisors = None
    sent = 0
    for inquiry in late:
        if inquiry.assigned_to is not None:
            recipients = [inquiry.assigned_to]
        else:
            supervisors = supervisors if supervisors is not None else list(users_with_role(SUPERVISOR))
            recipients = supervisors
        due = timezone.localtime(inquiry.callback_due_at)
        sent += notification_send(
            recipients=recipients,
            message=_("Callback overdue on inquiry %(ref)s: it was due at %(due)s.")
            % {"ref": inquiry.reference, "due": due.strftime("%H:%M")},
            link=inquiry.get_absolute_url(),
            level=Notification.Level.WARNING,
            dedupe_key=f"inquiry-callback-overdue:{inquiry.pk}:{due.isoformat()}",
        )
    return sent
