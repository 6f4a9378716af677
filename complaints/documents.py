"""The complaints app's document: the decision letter (投诉处理决定书) as a numbered PDF.

Written in the complaint's language, numbered, rendered and audited by `aftersales.documents`; e-mailed to the
address the complaint is answered at (the contact given with it, else the customer's, `services.complaint_contact`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.documents import (
    DocumentError,
    DocumentSpec,
    Facts,
    Heading,
    IssuedDocument,
    Signatures,
    Text,
    company_name,
    date_text,
    document_email,
    document_issue,
    money_text,
)
from complaints import services
from complaints.models import Complaint
from customers.api import mask_email

DECISION_PREFIX = "TS"  # 投诉
# A decision stands (and has a letter) in these states; a reopened complaint waits for its new decision.
DECIDED_STATES = (Complaint.Status.DECIDED, Complaint.Status.INFORMED, Complaint.Status.CLOSED)


def decision_letter_refusal(complaint: Complaint) -> str:
    """Why a complaint has no decision letter yet ('' when it has one)."""
    if complaint.status in DECIDED_STATES and complaint.decision_text.strip():
        return ""
    return _("Complaint %(ref)s has no decision yet (%(status)s): record the decision first.") % {
        "ref": complaint.reference,
        "status": complaint.get_status_display(),
    }


def _recipient_name(complaint: Complaint) -> str:
    return complaint.contact_name or (complaint.customer.name if complaint.customer_id else "")


def _decision_spec(complaint: Complaint) -> DocumentSpec:
    name = _recipient_name(complaint) or _("customer")
    facts = [
        (_("Complaint reference"), complaint.reference),
        (_("Received on"), date_text(timezone.localdate(complaint.received_at))),
        (_("Decided on"), date_text(timezone.localdate(complaint.decided_at) if complaint.decided_at else None)),
        (_("Category"), str(complaint.get_category_display())),
    ]
    if complaint.loan_id:
        facts.append((_("Contract number"), complaint.loan.contract_number))
    facts.append((_("Remedy"), str(complaint.get_remedy_display()) if complaint.remedy else "—"))
    if complaint.remedy_amount:
        facts.append((_("Amount"), money_text(complaint.remedy_amount)))
    blocks = [
        Text(_("Dear %(name)s,") % {"name": name}),
        Text(
            _(
                "we received your complaint on %(date)s (reference %(ref)s) and have investigated it. This letter "
                "tells you our decision."
            )
            % {"date": date_text(timezone.localdate(complaint.received_at)), "ref": complaint.reference}
        ),
        Facts(facts),
        Heading(_("Our decision")),
        Text(complaint.decision_text),
        Text(
            _(
                "If you do not agree with this decision, reply to this letter or call our customer service hotline "
                "within 30 days, quoting the reference %(ref)s; you may also turn to the consumer-protection "
                "department of the financial regulator."
            )
            % {"ref": complaint.reference}
        ),
        Signatures([company_name()]),
    ]
    return DocumentSpec(
        kind="complaint_decision_letter",
        prefix=DECISION_PREFIX,
        title=_("Complaint decision letter"),
        stem=f"complaint-decision-{complaint.reference}",
        language=translation.get_language(),
        blocks=blocks,
    )


def decision_letter_issue(*, complaint: Complaint, actor, request: HttpRequest | None = None) -> IssuedDocument:
    """The decision letter of a decided complaint, in the complaint's language; refused before a decision."""
    refusal = decision_letter_refusal(complaint)
    if refusal:
        raise DocumentError(refusal)
    with translation.override(complaint.language or "zh-hans"):
        spec = _decision_spec(complaint)
    return document_issue(spec=spec, obj=complaint, actor=actor, request=request)


def decision_letter_email(*, complaint: Complaint, actor, request: HttpRequest | None = None) -> str:
    """Issue the decision letter and e-mail it to the complaint's address; the masked address."""
    refusal = decision_letter_refusal(complaint)
    if refusal:
        raise DocumentError(refusal)
    try:
        address = services.complaint_contact(complaint, Complaint.ReplyChannel.EMAIL)
    except ValidationError as exc:
        raise DocumentError(exc.messages) from exc
    document = decision_letter_issue(complaint=complaint, actor=actor, request=request)
    masked = mask_email(address)
    document_email(
        document=document,
        to=address,
        to_masked=masked,
        recipient_name=_recipient_name(complaint),
        obj=complaint,
        actor=actor,
        request=request,
    )
    return masked
