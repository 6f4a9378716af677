"""An e-mail notice that does not leave (SMTP refusal, timeout, a forged header) is recorded as failed, not a 500."""

from __future__ import annotations

import smtplib

import pytest
from django.core.mail import BadHeaderError, EmailMessage

from complaints import services
from complaints.models import ComplaintNotice
from tests.complaints.factories import make_complaint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "error",
    [smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no")}), TimeoutError("timed out"), BadHeaderError("x")],
)
def test_a_refused_email_notice_is_recorded_as_failed(monkeypatch, error):
    # given a complaint answered by e-mail and a mail server that refuses
    complaint = make_complaint(contact_email="kh@example.com", reply_channel="email")

    def refuse(self, fail_silently=False):
        raise error

    monkeypatch.setattr(EmailMessage, "send", refuse)
    # when the notice is sent
    notice = services.notice_send(
        complaint=complaint, kind="acknowledgement", channel="email", subject="Your complaint", body="Received"
    )
    # then it is stored as failed with the error's class name, masked address
    assert notice.status == ComplaintNotice.Status.FAILED
    assert notice.error.startswith(type(error).__name__)
    assert notice.to_masked != "kh@example.com"
