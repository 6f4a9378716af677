"""The staff complaint form (#17): real e-mail and mobile inputs, validated; a received-on date for letters and
in-person complaints that the deadlines count from, never in the future."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from complaints.forms import ComplaintForm
from complaints.models import Complaint

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 2 December 2026, 10:00 in Shanghai
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)


def _post(client, **fields):
    data = {
        "source": "letter",
        "category": "fees",
        "severity": "medium",
        "summary": "Charged twice",
        "contact_name": "王芳",
        "contact_phone": "138 1234 5678",
        "reply_channel": "sms",
        "language": "zh-hans",
    }
    data.update(fields)
    return client.post(reverse("complaints:new"), data)


def _local_day(value) -> date:
    return timezone.localtime(value, SHANGHAI).date()


def test_contact_inputs_are_one_line_mobile_and_email_fields():
    form = ComplaintForm()
    html = str(form["contact_phone"]) + str(form["contact_email"])
    assert "<textarea" not in html
    assert 'type="tel"' in str(form["contact_phone"])
    assert 'type="email"' in str(form["contact_email"])


def test_a_bad_email_and_a_bad_mobile_are_refused_next_to_their_fields(client_agent):
    with time_machine.travel(NOW, tick=False):
        response = _post(client_agent, contact_email="not-an-email", contact_phone="12345", reply_channel="email")
    assert response.status_code == 200
    form = response.context["form"]
    assert "contact_email" in form.errors and "contact_phone" in form.errors
    assert not Complaint.objects.exists()
    # what was typed is shown again
    assert 'value="not-an-email"' in response.content.decode()


def test_a_letter_received_today_counts_from_today(client_agent):
    # given today Wed 2 Dec: acknowledge by the next business day (Thu 3 Dec), decide within 15 days (Thu 17 Dec)
    with time_machine.travel(NOW, tick=False):
        response = _post(client_agent, received_on="2026-12-02", contact_email="wang@example.com")
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.received_at == NOW
    assert complaint.contact_phone == "+8613812345678" and complaint.contact_email == "wang@example.com"
    assert _local_day(complaint.acknowledge_due) == date(2026, 12, 3)
    assert _local_day(complaint.decision_due) == date(2026, 12, 17)


def test_a_letter_received_yesterday_counts_from_yesterday(client_agent):
    # given a letter that arrived Tue 1 Dec: acknowledge by Wed 2 Dec, decide by Wed 16 Dec
    with time_machine.travel(NOW, tick=False):
        response = _post(client_agent, received_on="2026-12-01")
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.received_at == datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI)
    assert _local_day(complaint.acknowledge_due) == date(2026, 12, 2)
    assert _local_day(complaint.decision_due) == date(2026, 12, 16)


def test_an_in_person_complaint_from_friday_skips_the_weekend(client_agent):
    # given received Fri 27 Nov 2026: acknowledge by Mon 30 Nov; 15 days is Sat 12 Dec, moved to Mon 14 Dec
    with time_machine.travel(NOW, tick=False):
        response = _post(client_agent, source="in_person", received_on="2026-11-27")
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert _local_day(complaint.acknowledge_due) == date(2026, 11, 30)
    assert _local_day(complaint.decision_due) == date(2026, 12, 14)


def test_a_future_received_on_date_is_refused_next_to_the_field_and_keeps_the_input(client_agent):
    with time_machine.travel(NOW, tick=False):
        response = _post(client_agent, received_on="2026-12-03", summary="Letter about fees")
    assert response.status_code == 200
    assert response.context["form"].errors["received_on"] == ["The received-on date cannot be in the future."]
    page = response.content.decode()
    assert 'value="2026-12-03"' in page and 'value="Letter about fees"' in page
    assert 'max="2026-12-02"' in page
    assert not Complaint.objects.exists()


def test_only_letters_and_in_person_complaints_are_back_dated(client_agent):
    with time_machine.travel(NOW, tick=False):
        response = _post(client_agent, source="hotline", received_on="2026-12-01")
    assert response.status_code == 200
    assert "received_on" in response.context["form"].errors
    assert not Complaint.objects.exists()
