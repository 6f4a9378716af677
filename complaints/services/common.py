"""What the complaint services share: the allowed transitions, the row lock, the event note and the letter."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint, ComplaintNote, ComplaintNotice
from complaints.services.notices import letter_render, notice_send

__all__ = ["TRANSITIONS", "CALLBACK_AFTER_BUSINESS_DAYS"]

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


def _send_letter(
    complaint: Complaint,
    kind: str,
    actor,
    *,
    channel: str = "",
    values: dict | None = None,
    body: str = "",
    subject: str = "",
) -> ComplaintNotice:
    """Render the letter of that kind (or the text given) and send it on the channel; returns the notice."""
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
