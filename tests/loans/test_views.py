"""Repayment, reversal and early-repayment pages: messages, kept input, refusals shown in the form."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from loans.models import Repayment
from tests.loans.factories import make_loan

D = Decimal
SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(2026, 2, 1, 10, tzinfo=SH))
def test_post_duplicate_and_reverse_through_the_pages(client_back_office):
    loan = make_loan(principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal")
    url = reverse("loans:repayment_post", args=[loan.pk])
    data = {"amount": "5000.00", "received_at": "2026-02-01T09:30", "channel": "bank_transfer", "external_id": "B-1"}
    response = client_back_office.post(url, data, follow=True)
    page = response.content.decode()
    # 1,120.00 pays installment 1; 3,880.00 is held as credit and the message says so
    assert "¥3,880.00" in page and "3880.00 exceeded what is due" in page
    again = client_back_office.post(url, {**data, "amount": "7.00"})
    assert again.status_code == 200
    assert "already posted" in again.content.decode() and 'value="7.00"' in again.content.decode()
    assert Repayment.objects.count() == 1
    repayment = Repayment.objects.get()
    client_back_office.post(reverse("loans:repayment_reverse", args=[repayment.pk]), {"reason": "wrong account"})
    repayment.refresh_from_db()
    loan.refresh_from_db()
    assert (repayment.status, loan.credit_balance) == ("reversed", D("0"))


@time_machine.travel(datetime(2026, 2, 16, 10, tzinfo=SH))
def test_settlement_page_shows_the_quote_and_refuses_too_little(client_back_office):
    loan = make_loan(
        principal="1200.00",
        annual_rate="0.12",
        term_months=12,
        method="equal_principal",
        first_due_date=datetime(2026, 3, 1).date(),
    )
    url = reverse("loans:settle", args=[loan.pk])
    page = client_back_office.get(url).content.decode()
    # 1,200.00 not yet due; the schedule charges one month's interest for the first installment, so interest runs
    # from one month before it (02-01): 15 days → 1200 × 0.12 × 15 / 360 = 6.00
    assert "¥1,200.00" in page and "¥6.00" in page and "¥1,206.00" in page
    data = {
        "mode": "full",
        "option": "shorten_term",
        "amount": "1000.00",
        "received_at": "2026-02-16T10:00",
        "channel": "app",
        "external_id": "S-1",
    }
    response = client_back_office.post(url, data)
    assert response.status_code == 200 and "is not enough" in response.content.decode()
    response = client_back_office.post(url, {**data, "amount": "1206.00"})
    loan.refresh_from_db()
    assert response.status_code == 302 and loan.status == "closed"
