"""Personal information: the customer data report (access request) and no full PII in any log record."""

from __future__ import annotations

import io
import logging
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from aftersales.models import AuditEntry

NATIONAL_ID = "11010519491231002X"
MOBILE = "13812345678"
CARD = "6222020200112233446"
EMAIL = "zhang.san@example.com"


def open_workbook(content: bytes):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(content))


@pytest.mark.django_db
def test_customer_data_report_lists_the_data_and_who_viewed_it(sample_customer, manager, make_staff, client):
    from customers.services import customer_reveal_pii

    # given two reveals by a manager and one by another manager, plus an unrelated audit entry
    other = make_staff("manager_two", "manager")
    customer_reveal_pii(customer=sample_customer, field="mobile", reason="hotline identity check", actor=manager)
    customer_reveal_pii(customer=sample_customer, field="national_id", reason="contract copy", actor=manager)
    customer_reveal_pii(customer=sample_customer, field="mobile", reason='=HYPERLINK("x")', actor=other)
    AuditEntry.objects.create(action="pii_reveal", object_type="customers.customer", object_id="999999")
    client.force_login(manager)
    url = reverse("customers:data_report", args=[sample_customer.pk])
    # when the manager opens the page, then it counts the three reveals
    page = client.get(url)
    assert page.status_code == 200
    assert "3 times" in page.content.decode()
    # a download needs the access-request reference
    assert client.post(url, {"reason": ""}).status_code == 200
    response = client.post(url, {"reason": "Access request by letter, 2026-11-20"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in response["Content-Disposition"]
    workbook = open_workbook(response.content)
    # then the personal data sheet holds the full values (the customer asked for them)
    personal = {row[0]: row[1] for row in workbook["Personal data"].iter_rows(min_row=2, values_only=True)}
    assert personal["national ID number"] == NATIONAL_ID
    assert personal["mobile"] == "+86" + MOBILE
    assert personal["bank card number"] == CARD
    # and the access sheet lists the three reveals in order, with staff, field and reason
    access = list(workbook["Access to full data"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[3]) for r in access] == [
        (manager.username, "mobile", "hotline identity check"),
        (manager.username, "national_id", "contract copy"),
        # a reason that looks like a formula stays text
        (other.username, "mobile", '\'=HYPERLINK("x")'),
    ]
    # and the download itself is audit-logged with the reference
    entry = AuditEntry.objects.get(action="pii_report")
    assert entry.actor == manager and entry.object_id == str(sample_customer.pk)
    assert entry.reason == "Access request by letter, 2026-11-20"


@pytest.mark.django_db
def test_customer_data_report_includes_loans_and_their_installments(sample_customer, manager, client):
    factories = pytest.importorskip("tests.loans.factories")
    loan = factories.make_loan(customer=sample_customer, principal="1200.00", term_months=3)
    client.force_login(manager)
    response = client.post(reverse("customers:data_report", args=[sample_customer.pk]), {"reason": "request"})
    workbook = open_workbook(response.content)
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(min_row=2, values_only=True)}
    loan_sheets = [name for name in workbook.sheetnames if "loan" in name.lower() or "contract" in name.lower()]
    assert loan_sheets, workbook.sheetnames
    assert loan.installments.count() == 3
    assert 3 in summary.values()


@pytest.mark.django_db
def test_only_managers_get_the_report(sample_customer, client_agent):
    url = reverse("customers:data_report", args=[sample_customer.pk])
    assert client_agent.get(url).status_code == 403
    assert client_agent.post(url, {"reason": "x"}).status_code == 403


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def texts(self) -> list[str]:
        out = []
        for record in self.records:
            try:
                out.append(record.getMessage())
            except (TypeError, ValueError):
                out.append(str(record.msg))
            out.append(repr(record.args))
            if record.exc_info:
                out.append(logging.Formatter().formatException(record.exc_info))
            out.append(repr(getattr(record, "__dict__", {})))
        return out


@pytest.mark.django_db
def test_no_full_pii_in_any_log_record_during_a_full_journey(settings, client, back_office, manager, agent):
    settings.RATELIMIT_ENABLED = True
    capture = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        # a customer created through the back-office page (falls back to the service if the form differs)
        client.force_login(back_office)
        client.post(
            reverse("customers:create"),
            {
                "name": "张三",
                "national_id": NATIONAL_ID,
                "mobile": MOBILE,
                "email": EMAIL,
                "address": "北京市朝阳区建国路 88 号",
                "bank_card": CARD,
                "preferred_language": "zh-hans",
            },
        )
        from customers.crypto import pii_hash
        from customers.models import Customer

        customer = Customer.objects.filter(national_id_hash=pii_hash(NATIONAL_ID)).first()
        if customer is None:
            from customers.services import customer_create

            customer = customer_create(
                actor=back_office, name="张三", national_id=NATIONAL_ID, mobile=MOBILE, email=EMAIL, bank_card=CARD
            )
        # a failed search and a failed sign-in with PII typed into them
        client.get(reverse("customers:list"), {"q": MOBILE})
        client.logout()
        client.post("/accounts/login/", {"username": MOBILE, "password": NATIONAL_ID})
        # the agent opens the customer; the manager reveals the full mobile and ID
        client.force_login(agent)
        client.get(reverse("customers:detail", args=[customer.pk]))
        client.force_login(manager)
        for field in ("mobile", "national_id", "bank_card"):
            client.post(reverse("customers:reveal", args=[customer.pk]), {"field": field, "reason": "identity check"})
        # a loan and a card repayment, if loans exists
        try:
            from loans.services import repayment_post
            from tests.loans.factories import make_loan
        except ImportError:
            make_loan = None
        if make_loan is not None:
            loan = make_loan(customer=customer, principal="1200.00", term_months=3)
            repayment_post(
                loan=loan,
                amount=Decimal("100.00"),
                received_at=timezone.make_aware(datetime(2026, 2, 1, 10, 0)),
                channel="card",
                external_id=f"card-{CARD}",
                posted_by=back_office,
            )
        # an SMS to the customer, and one the provider refuses
        from messaging.api import sms_send
        from messaging.models import OutboundMessage

        # at noon (Shanghai): in quiet hours the contact policy would hold them, and they would log nothing
        with time_machine.travel(timezone.localtime().replace(hour=12, minute=0), tick=False):
            sms_send(to="+86" + MOBILE, body="您好", purpose=OutboundMessage.Purpose.OTHER, customer=customer)
            sms_send(to="+86" + MOBILE[:-1], body="x", purpose=OutboundMessage.Purpose.OTHER)
        # the public online inquiry form, with a mobile and the ID in the question
        client.logout()
        client.post(
            reverse("inquiries:online"),
            {
                "name": "张三",
                "mobile": MOBILE,
                "email": EMAIL,
                "category": "other",
                "question": f"我的身份证 {NATIONAL_ID}",
            },
        )
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)
    # (the journey really happened)
    assert AuditEntry.objects.filter(action="pii_reveal", actor=manager).count() == 3
    assert AuditEntry.objects.filter(action="login_failed").exists()
    # then no log line holds a full ID number, mobile or card number
    texts = capture.texts()
    assert len(capture.records) > 0
    leaks = [t for t in texts for secret in (NATIONAL_ID, MOBILE, CARD, EMAIL) if secret in t]
    assert leaks == []
