"""The complaint lifecycle: intake, acknowledgement, investigation, extensions, decision, notice, closing."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.approvals import REASON_HANDLER, four_eyes_check
from aftersales.audit import audit_log, reason_clean
from aftersales.notifications import notification_send
from complaints import deadlines
from complaints.models import (
    CallbackVisit,
    Complaint,
    ComplaintNote,
    DeadlineExtension,
    Evidence,
    LetterTemplate,
    RootCause,
)
from complaints.selectors import DECISION_PENDING, _due_filters, calendar_load
from complaints.services.incidents import mass_complaint_check, mass_complaint_recheck
from complaints.services.notices import letter_render, notice_send
from complaints.uploads import validate_evidence
from customers.freetext import text_protect, text_protect_update

__all__ = [
    "TRANSITIONS",
    "complaint_reference_new",
    "complaint_create",
    "deadlines_for",
    "complaint_from_inquiry",
    "complaint_update",
    "complaint_text_reveal",
    "FREE_TEXT_FIELDS",
    "complaint_assign",
    "complaint_acknowledge",
    "complaint_investigate",
    "complaint_note_add",
    "evidence_add",
    "complaint_extend",
    "complaint_extension_involved",
    "complaint_decide",
    "complaint_inform",
    "complaint_close",
    "complaint_reopen",
    "complaint_satisfaction_record",
    "complaint_escalate_legal",
    "callback_visit_complete",
    "complaint_deadlines_sweep",
    "CALLBACK_AFTER_BUSINESS_DAYS",
]

S = Complaint.Status
# Which status each action may start from.
TRANSITIONS: dict[str, set[str]] = {
    "acknowledge": {S.RECEIVED},
    "investigate": {S.ACKNOWLEDGED, S.REOPENED},
    "decide": {S.ACKNOWLEDGED, S.INVESTIGATING, S.REOPENED, S.DECIDED},
    "inform": {S.DECIDED},
    "close": {S.INFORMED},
    "reopen": {S.INFORMED, S.CLOSED},
    "extend": {S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING, S.REOPENED},
}
CALLBACK_AFTER_BUSINESS_DAYS = 3
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _require_status(complaint: Complaint, action: str) -> None:
    if complaint.status not in TRANSITIONS[action]:
        raise ValidationError(
            _("This cannot be done while the complaint is “%(status)s”.") % {"status": complaint.get_status_display()}
        )


def _event(complaint: Complaint, author, text: str, *, at: datetime | None = None) -> None:
    ComplaintNote.objects.create(
        complaint=complaint, kind=ComplaintNote.Kind.EVENT, body=text, author=author, created_at=at or timezone.now()
    )


def _lock(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def complaint_reference_new(received_at: datetime | None = None) -> str:
    """A reference the customer can read out on the phone: TS + date + five unambiguous characters."""
    day = timezone.localdate(received_at or timezone.now())
    while True:
        suffix = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(5))
        reference = f"TS{day:%y%m%d}-{suffix}"
        if not Complaint.objects.filter(reference=reference).exists():
            return reference


def deadlines_for(received_at: datetime) -> dict[str, datetime]:
    """acknowledge_due and decision_due for a complaint received at that moment."""
    tz = timezone.get_current_timezone()
    received_day = timezone.localtime(received_at, tz).date()
    calendar = calendar_load(received_day)
    return {
        "acknowledge_due": deadlines.end_of_day(deadlines.acknowledge_due_date(received_day, calendar), tz),
        "decision_due": deadlines.end_of_day(deadlines.decision_due_date(received_day, calendar), tz),
    }


# The customer's own words: shown with ID, card and mobile numbers masked, each original kept encrypted.
FREE_TEXT_FIELDS = ("summary", "description", "customer_demand")


def _texts_protected(**texts: str) -> dict[str, str]:
    """The masked text and the encrypted original ('<field>_full') of each free-text field."""
    values = {}
    for name, text in texts.items():
        protected = text_protect(text)
        limit = Complaint._meta.get_field(name).max_length
        values[name] = protected.shown[:limit] if limit else protected.shown  # masked first, then cut
        values[f"{name}_full"] = protected.full
    return values


@transaction.atomic
def complaint_create(
    *,
    source: str,
    category: str,
    summary: str,
    severity: str = Complaint.Severity.MEDIUM,
    customer=None,
    loan=None,
    product=None,
    source_inquiry=None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    reply_channel: str = Complaint.ReplyChannel.SMS,
    language: str = "",
    description: str = "",
    customer_demand: str = "",
    received_at: datetime | None = None,
    assigned_to=None,
    created_by=None,
    evidence=None,
    evidence_description: str = "",
    request=None,
) -> Complaint:
    """Record a complaint from any source, compute its deadlines, and check for a mass complaint."""
    received_at = received_at or timezone.now()
    if loan is not None and product is None:
        product = loan.product
    if loan is not None and customer is None:
        customer = loan.customer
    if source == Complaint.Source.REGULATOR:
        severity = Complaint.Severity.HIGH  # regulator referrals are high priority (SPEC §7)
    complaint = Complaint(
        reference=complaint_reference_new(received_at),
        source=source,
        category=category,
        severity=severity,
        customer=customer,
        loan=loan,
        product=product,
        source_inquiry=source_inquiry,
        contact_name=contact_name or (customer.name if customer else ""),
        contact_phone=contact_phone,
        contact_email=contact_email,
        reply_channel=reply_channel,
        language=language or (customer.preferred_language if customer else "zh-hans"),
        **_texts_protected(summary=summary, description=description, customer_demand=customer_demand),
        received_at=received_at,
        assigned_to=assigned_to if assigned_to is not None else created_by,
        created_by=created_by,
        **deadlines_for(received_at),
    )
    complaint.full_clean()
    complaint.save()
    _event(complaint, created_by, _("Complaint received (%(source)s).") % {"source": complaint.get_source_display()})
    audit_log(
        actor=created_by,
        action="complaint_create",
        obj=complaint,
        changes={"status": [None, complaint.status], "source": [None, source], "category": [None, category]},
        request=request,
    )
    if evidence is not None:
        evidence_add(complaint=complaint, upload=evidence, description=evidence_description, actor=created_by)
    mass_complaint_check(complaint=complaint)
    return complaint


def complaint_from_inquiry(
    *, inquiry, actor, category: str = Complaint.Category.OTHER, severity: str = Complaint.Severity.MEDIUM, request=None
) -> tuple[Complaint, bool]:
    """Convert an inquiry into a complaint keeping the link; a second conversion returns the first complaint."""
    existing = Complaint.objects.filter(source_inquiry=inquiry).order_by("id").first()
    if existing is not None:
        return existing, False
    channel_to_source = {
        "hotline": Complaint.Source.HOTLINE,
        "online": Complaint.Source.ONLINE,
        "email": Complaint.Source.EMAIL,
    }
    first_message = inquiry.messages.filter(kind="customer").order_by("created_at", "id").first()
    complaint = complaint_create(
        source=channel_to_source.get(inquiry.channel, Complaint.Source.ONLINE),
        category=category,
        severity=severity,
        summary=inquiry.subject_full or inquiry.subject,  # the original: complaint_create masks it again
        customer=inquiry.customer,
        source_inquiry=inquiry,
        contact_name=inquiry.contact_name,
        contact_phone=inquiry.contact_phone,
        contact_email=inquiry.contact_email,
        reply_channel=Complaint.ReplyChannel.EMAIL if inquiry.channel == "email" else Complaint.ReplyChannel.SMS,
        description=(first_message.body_full or first_message.body) if first_message else "",
        received_at=inquiry.received_at,
        created_by=actor,
        request=request,
    )
    return complaint, True


def complaint_text_reveal(*, complaint: Complaint, field: str, reason: str, actor, request=None) -> str:
    """One free-text field as written, for a user with view_full_pii who gave a reason; audit-logged."""
    if not actor.has_perm("customers.view_full_pii"):
        raise PermissionDenied
    if field not in FREE_TEXT_FIELDS:
        raise ValidationError({"field": _("This text cannot be revealed.")}, code="field")
    reason = reason_clean(reason)
    if not reason:
        raise ValidationError(
            {"reason": _("Say why you need the full text: the reason is written to the audit log.")}, code="reason"
        )
    audit_log(
        actor=actor, action="pii_reveal", obj=complaint, changes={"field": field}, reason=reason[:300], request=request
    )
    return getattr(complaint, f"{field}_full") or getattr(complaint, field)


EDITABLE_FIELDS = (
    "category",
    "severity",
    "product",
    "loan",
    "customer",
    "summary",
    "description",
    "customer_demand",
    "contact_name",
    "contact_phone",
    "contact_email",
    "reply_channel",
    "language",
)


@transaction.atomic
def complaint_update(*, complaint: Complaint, actor, request=None, **values) -> Complaint:
    """Change the classification and contact details; the deadlines never move here."""
    complaint = _lock(complaint)
    before = {name: getattr(complaint, name) for name in EDITABLE_FIELDS}
    for name, value in values.items():
        if name not in EDITABLE_FIELDS:
            raise TypeError(name)
        if name in FREE_TEXT_FIELDS:
            # The edit form shows the masked text: sent back unchanged, the stored original stays.
            protected = text_protect_update(
                value, shown=getattr(complaint, name), full=getattr(complaint, f"{name}_full")
            )
            limit = Complaint._meta.get_field(name).max_length
            value = protected.shown[:limit] if limit else protected.shown
            setattr(complaint, f"{name}_full", protected.full)
        setattr(complaint, name, value)
    if complaint.source == Complaint.Source.REGULATOR:
        complaint.severity = Complaint.Severity.HIGH
    complaint.full_clean()
    complaint.save()
    after = {name: getattr(complaint, name) for name in EDITABLE_FIELDS}
    from aftersales.audit import diff_changes

    changes = diff_changes(
        {k: str(v) if v is not None else None for k, v in before.items()},
        {k: str(v) if v is not None else None for k, v in after.items()},
    )
    for pii in ("contact_phone", "contact_email"):
        if pii in changes:
            changes[pii] = ["***", "***"]
    if changes:
        audit_log(actor=actor, action="complaint_update", obj=complaint, changes=changes, request=request)
    if "category" in changes or "product" in changes:
        mass_complaint_check(complaint=complaint)
    elif "customer" in changes and complaint.customer_id is not None:
        mass_complaint_recheck(complaint=complaint)  # a public complaint matched to a customer now counts
    return complaint


@transaction.atomic
def complaint_assign(*, complaint: Complaint, assignee, actor, request=None) -> Complaint:
    """Hand the complaint to a staff member."""
    complaint = _lock(complaint)
    old = complaint.assigned_to
    complaint.assigned_to = assignee
    complaint.save(update_fields=["assigned_to"])
    _event(complaint, actor, _("Assigned to %(name)s.") % {"name": assignee.get_full_name() or assignee.get_username()})
    audit_log(
        actor=actor,
        action="complaint_assign",
        obj=complaint,
        changes={"assigned_to": [str(old) if old else None, str(assignee)]},
        request=request,
    )
    return complaint


def _send_letter(
    complaint: Complaint,
    kind: str,
    actor,
    *,
    channel: str = "",
    values: dict | None = None,
    body: str = "",
    subject: str = "",
):
    channel = channel or complaint.reply_channel
    default_subject, default_body = letter_render(complaint=complaint, kind=kind, values=values)
    return notice_send(
        complaint=complaint,
        kind=kind,
        channel=channel,
        subject=subject or default_subject,
        body=body or default_body,
        actor=actor,
    )


def complaint_acknowledge(*, complaint: Complaint, actor, send_notice: bool = True, request=None):
    """Acknowledge receipt and tell the customer the reference; returns (complaint, notice or None)."""
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_status(complaint, "acknowledge")
        now = timezone.now()
        complaint.status = S.ACKNOWLEDGED
        complaint.acknowledged_at = now
        complaint.save(update_fields=["status", "acknowledged_at"])
        _event(
            complaint,
            actor,
            _("Acknowledged; the customer was given the reference %(ref)s.") % {"ref": complaint.reference},
        )
        audit_log(
            actor=actor,
            action="complaint_acknowledge",
            obj=complaint,
            changes={"status": [S.RECEIVED, S.ACKNOWLEDGED], "on_time": [None, now <= complaint.acknowledge_due]},
            request=request,
        )
        mass_complaint_recheck(complaint=complaint)  # a public complaint accepted by an agent now counts
    notice = None
    if send_notice:
        try:
            notice = _send_letter(complaint, LetterTemplate.Kind.ACKNOWLEDGEMENT, actor)
        except ValidationError:
            notice = None
    return complaint, notice


@transaction.atomic
def complaint_investigate(*, complaint: Complaint, actor, request=None) -> Complaint:
    """Start (or resume after a reopening) the investigation."""
    complaint = _lock(complaint)
    _require_status(complaint, "investigate")
    old = complaint.status
    complaint.status = S.INVESTIGATING
    complaint.save(update_fields=["status"])
    _event(complaint, actor, _("Investigation started."))
    audit_log(
        actor=actor,
        action="complaint_investigate",
        obj=complaint,
        changes={"status": [old, S.INVESTIGATING]},
        request=request,
    )
    return complaint


def complaint_note_add(
    *, complaint: Complaint, author, body: str, kind: str = ComplaintNote.Kind.NOTE
) -> ComplaintNote:
    """Add an investigation note (or legal advice, or a record of a customer contact)."""
    note = ComplaintNote(complaint=complaint, kind=kind, body=body, author=author, created_at=timezone.now())
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def evidence_add(*, complaint: Complaint, upload, description: str = "", actor=None, request=None) -> Evidence:
    """Store an evidence file after checking its size and content (magic bytes)."""
    kind = validate_evidence(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(
        complaint=complaint,
        stored_name=uuid.uuid4().hex + kind.extensions[0],
        original_name=upload.name[:200],
        content_type=kind.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        description=description,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    evidence.file.save(evidence.stored_name, upload, save=False)
    evidence.save()
    audit_log(
        actor=actor,
        action="complaint_evidence_add",
        obj=complaint,
        changes={"evidence": [None, evidence.original_name], "sha256": [None, evidence.sha256]},
        request=request,
    )
    return evidence


def complaint_extension_involved(complaint: Complaint) -> list:
    """Who may not extend this complaint's deadline (four eyes): its own handler."""
    return [complaint.assigned_to_id]


def complaint_extend(*, complaint: Complaint, actor, reason: str, channel: str = "", request=None):
    """Extend the decision deadline one level (supervisor: to 30 days; manager: a further 30) and tell the customer why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason: it is sent to the customer."))
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_status(complaint, "extend")
        level = complaint.extension_level + 1
        if level == DeadlineExtension.Level.SUPERVISOR:
            if not roles.has_role(actor, roles.SUPERVISOR, roles.MANAGER):
                raise PermissionDenied(_("Only a supervisor or a manager may extend the deadline."))
        elif level == DeadlineExtension.Level.MANAGER:
            if not roles.has_role(actor, roles.MANAGER):
                raise PermissionDenied(_("Only a manager may extend the deadline a second time."))
        else:
            raise ValidationError(_("The deadline has already been extended twice (60 days)."))
        # Four eyes: the complaint's handler never extends their own deadline, superusers included.
        four_eyes_check(
            actor=actor,
            involved=complaint_extension_involved(complaint),
            action="complaint_extend",
            obj=complaint,
            message=REASON_HANDLER,
        )
        tz = timezone.get_current_timezone()
        received_day = timezone.localtime(complaint.received_at, tz).date()
        new_due = deadlines.end_of_day(
            deadlines.decision_due_date(received_day, calendar_load(received_day), extension_level=level), tz
        )
        extension = DeadlineExtension(
            complaint=complaint,
            level=level,
            previous_due=complaint.decision_due,
            new_due=new_due,
            reason=reason,
            granted_by=actor,
            granted_at=timezone.now(),
        )
        extension.full_clean()
        extension.save()
        old_due = complaint.decision_due
        complaint.decision_due = new_due
        complaint.extension_level = level
        complaint.save(update_fields=["decision_due", "extension_level"])
        _event(
            complaint,
            actor,
            _("Deadline extended to %(date)s. Reason: %(reason)s")
            % {"date": timezone.localtime(new_due).date().isoformat(), "reason": reason},
        )
        audit_log(
            actor=actor,
            action="complaint_extend",
            obj=complaint,
            changes={"decision_due": [old_due.isoformat(), new_due.isoformat()], "extension_level": [level - 1, level]},
            reason=reason,
            request=request,
        )
    try:
        notice = _send_letter(
            complaint, LetterTemplate.Kind.EXTENSION, actor, channel=channel, values={"reason": reason}
        )
    except ValidationError:
        notice = None
    return extension, notice


def _waiver_request(complaint: Complaint, actor) -> str:
    """Send a refund or waiver through the loans app's approval when it exists; return what happened."""
    if complaint.loan_id is None or not complaint.remedy_amount:
        return _("No loan or amount given: arrange the refund or waiver by hand.")
    try:
        from loans import services as loan_services
    except ImportError:
        loan_services = None
    request_fn = getattr(loan_services, "fee_waiver_request", None) if loan_services else None
    if request_fn is None:
        return _("Fee waiver approval is not available yet: arrange the refund or waiver by hand.")
    refusals = tuple(e for e in (ValidationError, getattr(loan_services, "LoanError", None)) if e is not None)
    try:
        with transaction.atomic():
            request_fn(
                loan=complaint.loan,
                amount=complaint.remedy_amount,
                reason=_("Complaint %(ref)s: %(remedy)s")
                % {"ref": complaint.reference, "remedy": complaint.get_remedy_display()},
                requested_by=actor,
            )
    except refusals as exc:
        # The decision stands; the refusal (e.g. more than can be waived) is recorded for the handler.
        text = " ".join(getattr(exc, "messages", None) or [str(exc)])
        return _("The fee waiver request was refused (%(reason)s): arrange the refund or waiver by hand.") % {
            "reason": text
        }
    return _("A fee waiver of %(amount)s was sent for approval.") % {"amount": complaint.remedy_amount}


def complaint_decide(
    *,
    complaint: Complaint,
    actor,
    decision_text: str,
    remedy: str,
    root_cause: RootCause | None = None,
    remedy_amount: Decimal | None = None,
    responsible_staff=None,
    request=None,
) -> Complaint:
    """Record the decision: root cause, remedy, the staff member responsible; a refund or waiver goes for approval."""
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_status(complaint, "decide")
        old = complaint.status
        now = timezone.now()
        complaint.status = S.DECIDED
        complaint.decided_at = now
        complaint.decision_text = decision_text
        complaint.remedy = remedy
        complaint.root_cause = root_cause
        complaint.remedy_amount = remedy_amount
        complaint.responsible_staff = responsible_staff
        if complaint.on_time is None and deadlines.is_late(now, complaint.decision_due):
            complaint.on_time = False
        complaint.full_clean()
        complaint.save()
        _event(complaint, actor, _("Decision recorded: %(remedy)s.") % {"remedy": complaint.get_remedy_display()})
        audit_log(
            actor=actor,
            action="complaint_decide",
            obj=complaint,
            changes={
                "status": [old, S.DECIDED],
                "remedy": [None, remedy],
                "root_cause": [None, str(root_cause) if root_cause else None],
                "responsible_staff": [None, str(responsible_staff) if responsible_staff else None],
            },
            request=request,
        )
        if remedy in (Complaint.Remedy.FEE_REFUND, Complaint.Remedy.WAIVER):
            _event(complaint, actor, _waiver_request(complaint, actor))
    return complaint


def complaint_inform(
    *, complaint: Complaint, actor, channel: str = "", subject: str = "", body: str = "", request=None
):
    """Send the decision letter; only a notice that left marks the customer informed. Returns (complaint, notice)."""
    complaint = Complaint.objects.get(pk=complaint.pk)
    _require_status(complaint, "inform")
    channel = channel or complaint.reply_channel
    notice = _send_letter(complaint, LetterTemplate.Kind.DECISION, actor, channel=channel, subject=subject, body=body)
    if notice.status != notice.Status.SENT:
        return complaint, notice
    with transaction.atomic():
        complaint = _lock(complaint)
        now = notice.sent_at
        complaint.status = S.INFORMED
        complaint.informed_at = now
        if complaint.on_time is None:
            complaint.on_time = not deadlines.is_late(now, complaint.decision_due)
        complaint.save(update_fields=["status", "informed_at", "on_time"])
        _event(complaint, actor, _("Decision letter sent by %(channel)s.") % {"channel": notice.get_channel_display()})
        audit_log(
            actor=actor,
            action="complaint_inform",
            obj=complaint,
            changes={"status": [S.DECIDED, S.INFORMED], "on_time": [None, complaint.on_time]},
            request=request,
        )
    return complaint, notice


def _callback_assignee(complaint: Complaint):
    """Whoever calls back should not be who handled it: the handler's team supervisor when there is one."""
    from org.models import StaffProfile

    if complaint.assigned_to_id:
        profile = StaffProfile.objects.select_related("team").filter(user_id=complaint.assigned_to_id).first()
        if profile and profile.team_id and profile.team.supervisor_id:
            return profile.team.supervisor
    return None


@transaction.atomic
def complaint_close(
    *, complaint: Complaint, actor, customer_satisfaction: int | None = None, request=None
) -> Complaint:
    """Close after the customer was informed and schedule the callback visit (回访)."""
    complaint = _lock(complaint)
    _require_status(complaint, "close")
    now = timezone.now()
    complaint.status = S.CLOSED
    complaint.closed_at = now
    if customer_satisfaction is not None:
        complaint.customer_satisfaction = customer_satisfaction
    complaint.full_clean()
    complaint.save(update_fields=["status", "closed_at", "customer_satisfaction"])
    today = timezone.localdate(now)
    visit = CallbackVisit(
        complaint=complaint,
        scheduled_for=calendar_load(today).add_business_days(today, CALLBACK_AFTER_BUSINESS_DAYS),
        assigned_to=_callback_assignee(complaint),
    )
    visit.full_clean()
    visit.save()
    _event(
        complaint,
        actor,
        _("Closed; callback visit scheduled for %(date)s.") % {"date": visit.scheduled_for.isoformat()},
    )
    audit_log(
        actor=actor,
        action="complaint_close",
        obj=complaint,
        changes={"status": [S.INFORMED, S.CLOSED], "customer_satisfaction": [None, customer_satisfaction]},
        request=request,
    )
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, actor, reason: str, request=None) -> Complaint:
    """Reopen when the customer disagrees with the decision; the original deadlines and timeliness stay."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the complaint is reopened."))
    complaint = _lock(complaint)
    _require_status(complaint, "reopen")
    old = complaint.status
    complaint.status = S.REOPENED
    complaint.closed_at = None
    complaint.save(update_fields=["status", "closed_at"])
    _event(complaint, actor, _("Reopened: %(reason)s") % {"reason": reason})
    audit_log(
        actor=actor,
        action="complaint_reopen",
        obj=complaint,
        changes={"status": [old, S.REOPENED]},
        reason=reason,
        request=request,
    )
    return complaint


@transaction.atomic
def complaint_satisfaction_record(*, complaint: Complaint, actor, score: int, request=None) -> Complaint:
    """Record the customer's satisfaction with the result (1–5)."""
    if not 1 <= int(score) <= 5:
        raise ValidationError(_("Satisfaction is a score from 1 to 5."))
    complaint = _lock(complaint)
    old = complaint.customer_satisfaction
    complaint.customer_satisfaction = int(score)
    complaint.save(update_fields=["customer_satisfaction"])
    audit_log(
        actor=actor,
        action="complaint_satisfaction",
        obj=complaint,
        changes={"customer_satisfaction": [old, int(score)]},
        request=request,
    )
    return complaint


@transaction.atomic
def complaint_escalate_legal(*, complaint: Complaint, actor, legal_advisor, note: str, request=None) -> Complaint:
    """Put the complaint in a legal advisor's queue with the question to answer."""
    if not roles.has_role(legal_advisor, roles.LEGAL_ADVISOR):
        raise ValidationError(_("Choose a legal advisor."))
    complaint = _lock(complaint)
    if complaint.status == S.CLOSED:
        raise ValidationError(_("A closed complaint cannot be escalated."))
    complaint.legal_advisor = legal_advisor
    complaint.legal_escalated_at = timezone.now()
    complaint.save(update_fields=["legal_advisor", "legal_escalated_at"])
    _event(
        complaint,
        actor,
        _("Escalated to legal (%(name)s): %(note)s")
        % {"name": legal_advisor.get_full_name() or legal_advisor.get_username(), "note": note},
    )
    audit_log(
        actor=actor,
        action="complaint_escalate_legal",
        obj=complaint,
        changes={"legal_advisor": [None, str(legal_advisor)]},
        reason=note,
        request=request,
    )
    notification_send(
        recipients=[legal_advisor],
        message=_("Complaint %(ref)s was escalated to you.") % {"ref": complaint.reference},
        link=complaint.get_absolute_url(),
        dedupe_key=f"complaint-legal-{complaint.pk}-{complaint.legal_escalated_at:%Y%m%d%H%M%S}",
    )
    return complaint


@transaction.atomic
def callback_visit_complete(
    *, visit: CallbackVisit, actor, outcome: str, customer_satisfied: bool | None, request=None
) -> CallbackVisit:
    """Record the callback visit's outcome."""
    visit = CallbackVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.completed_at is not None:
        raise ValidationError(_("This callback visit was already recorded."))
    visit.completed_at = timezone.now()
    visit.outcome = outcome
    visit.customer_satisfied = customer_satisfied
    visit.full_clean()
    visit.save()
    audit_log(
        actor=actor,
        action="complaint_callback_complete",
        obj=visit.complaint,
        changes={"customer_satisfied": [None, customer_satisfied]},
        request=request,
    )
    return visit


def complaint_deadlines_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Daily: record missed decisions as late and tell each handler what is due today and overdue. Safe to run twice."""
    now = now or timezone.now()
    # Decision *and* notice are due by decision_due: a complaint decided but not yet told is late as well.
    late = Complaint.objects.filter(status__in=DECISION_PENDING, on_time__isnull=True, decision_due__lt=now).update(
        on_time=False
    )
    due_today, overdue = _due_filters(now)
    rows = (
        Complaint.objects.filter(assigned_to__isnull=False)
        .filter(due_today | overdue)
        .values("assigned_to")
        .annotate(today=Count("id", filter=due_today), overdue=Count("id", filter=overdue))
    )
    users = get_user_model().objects.in_bulk([row["assigned_to"] for row in rows])
    day = timezone.localdate(now).isoformat()
    notified = 0
    for row in rows:
        notified += notification_send(
            recipients=[users[row["assigned_to"]]],
            message=_("Complaints: %(today)s due today, %(overdue)s overdue.")
            % {"today": row["today"], "overdue": row["overdue"]},
            link=reverse("complaints:list") + "?due=attention&mine=1",
            level="warning" if row["overdue"] else "info",
            dedupe_key=f"complaints-due-{day}",
        )
    return {"marked_late": late, "notified": notified}
