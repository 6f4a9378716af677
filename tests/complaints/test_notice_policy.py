"""Complaint notices and decision letters by SMS follow the contact policy: held by the quiet hours (and sent at
08:00, never dropped), refused for a customer who opted out of SMS, sent at once inside the window."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from complaints import services
from complaints.models import ComplaintNotice
from customers.models import Customer
from messaging.held import messages_send_held
from messaging.models import OutboundMessage
from tests.complaints.factories import make_complaint

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def decision_by_sms(complaint):
    return services.notice_send(
        complaint=complaint, kind="decision", channel="sms", subject="", body="Our decision: fee refunded."
    )


@pytest.fixture
def complaint():
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=SH), tick=False):
        return make_complaint(reply_channel="sms")


def test_a_decision_letter_sms_at_22_30_is_held_until_08_00_and_then_sent(complaint):
    # when: the decision letter goes by SMS at 22:30
    with time_machine.travel(datetime(2026, 12, 3, 22, 30, tzinfo=SH), tick=False):
        notice = decision_by_sms(complaint)
    # then: the SMS is held by the quiet hours, the notice says when it goes
    message = notice.outbound_message
    assert (message.status, message.hold_reason, message.proactive) == ("held", "quiet_hours", True)
    assert message.not_before == datetime(2026, 12, 4, 8, 0, tzinfo=SH)
    assert message.provider_id is None
    assert (notice.status, notice.status_now, notice.accepted) == ("held", "held", True)
    assert "2026-12-04 08:00" in notice.error
    # at 07:59 still held; at 08:00 it leaves
    with time_machine.travel(datetime(2026, 12, 4, 7, 59, tzinfo=SH), tick=False):
        assert messages_send_held() == 0
    with time_machine.travel(datetime(2026, 12, 4, 8, 0, tzinfo=SH), tick=False):
        assert messages_send_held() == 1
        assert messages_send_held() == 0  # never twice
    message.refresh_from_db()
    assert message.status == "delivered" and message.provider_id
    # the notice now reads as sent (it follows its message)
    notice = ComplaintNotice.objects.select_related("outbound_message").get(pk=notice.pk)
    assert (notice.status_now, notice.get_status_now_display()) == ("sent", "Sent")


def test_a_notice_at_20_59_goes_at_once(complaint):
    with time_machine.travel(datetime(2026, 12, 3, 20, 59, tzinfo=SH), tick=False):
        notice = decision_by_sms(complaint)
    assert notice.outbound_message.status == "delivered"
    assert (notice.status, notice.error) == (ComplaintNotice.Status.SENT, "")


def test_a_notice_to_a_customer_who_opted_out_of_sms_fails_with_the_reason(complaint):
    Customer.objects.filter(pk=complaint.customer_id).update(sms_opt_out=True)
    complaint.customer.refresh_from_db()
    with time_machine.travel(datetime(2026, 12, 3, 14, 0, tzinfo=SH), tick=False):
        notice = decision_by_sms(complaint)
    assert notice.status == ComplaintNotice.Status.FAILED
    assert "opted out" in notice.error
    message = OutboundMessage.objects.get(pk=notice.outbound_message_id)
    assert (message.status, message.hold_reason, message.provider_id) == ("failed", "opted_out", None)
