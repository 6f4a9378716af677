"""The complaint decision letter (PDF) and the complaint list export (XLSX)."""

import io
import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from aftersales.models import AuditEntry
from complaints import services
from tests.complaints.factories import make_complaint, make_customer

SH = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 3, 2, 9, tzinfo=SH)
DECIDED = datetime(2026, 3, 9, 16, tzinfo=SH)
DECISION = "经核查，2月份重复收取的服务费 ¥35.00 将于5个工作日内退还。"
pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _decided(agent, *, language="zh-hans", email="zhang@example.com"):
    customer = make_customer(name="张伟", language=language, email=email)
    with time_machine.travel(RECEIVED):
        complaint = make_complaint(customer=customer, received_at=RECEIVED, language=language)
        services.complaint_acknowledge(complaint=complaint, actor=agent, send_notice=False)
        services.complaint_investigate(complaint=complaint, actor=agent)
    with time_machine.travel(DECIDED):
        services.complaint_decide(complaint=complaint, actor=agent, decision_text=DECISION, remedy="apology")
    complaint.refresh_from_db()
    return complaint


@time_machine.travel(datetime(2026, 3, 10, 10, tzinfo=SH))
def test_decision_letter_carries_the_decision_and_its_number(agent, client_agent):
    # given a decided complaint of a Chinese-speaking customer
    complaint = _decided(agent)
    # when the letter is downloaded from the complaint page
    response = client_agent.post(reverse("complaints:decision_letter", args=[complaint.pk]))
    # then the PDF names the customer, the reference, both dates and the decision as written
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "投诉处理决定书" in text
    assert "尊敬的张伟" in text
    assert complaint.reference in text
    assert "2026年3月2日" in text and "2026年3月9日" in text
    assert "¥35.00" in text and "5个工作日内退还" in text
    number = re.search(r"TS-20260310-[2-9A-HJ-NP-Z]{6}", text).group(0)
    entry = AuditEntry.objects.get(action="document_issue")
    assert (entry.object_type, entry.object_id, entry.changes["number"]) == (
        "complaints.complaint",
        str(complaint.pk),
        number,
    )


def test_no_letter_before_a_decision(client_agent):
    complaint = make_complaint()
    detail = client_agent.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'data-testid="decision-letter"' not in detail
    response = client_agent.post(reverse("complaints:decision_letter", args=[complaint.pk]), follow=True)
    assert any("no decision yet" in str(m) for m in response.context["messages"])
    assert not AuditEntry.objects.filter(action="document_issue").exists()


@time_machine.travel(datetime(2026, 3, 10, 10, tzinfo=SH))
def test_the_complaint_page_offers_the_letter_once_decided(agent, client_agent):
    complaint = _decided(agent)
    detail = client_agent.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'data-testid="decision-letter"' in detail and 'data-testid="decision-letter-email"' in detail


@time_machine.travel(datetime(2026, 3, 10, 10, tzinfo=SH))
def test_letter_emailed_to_the_customer(agent, client_agent):
    complaint = _decided(agent, email="zhang@example.com")
    response = client_agent.post(
        reverse("complaints:decision_letter", args=[complaint.pk]), {"delivery": "email"}, follow=True
    )
    assert any("e-mailed" in str(m) for m in response.context["messages"])
    assert [m.to for m in mail.outbox] == [["zhang@example.com"]]
    assert mail.outbox[0].attachments[0][2] == "application/pdf"
    assert "尊敬的张伟" in pdf_text(mail.outbox[0].attachments[0][1])
    assert AuditEntry.objects.filter(action="document_email", object_id=str(complaint.pk)).count() == 1


@time_machine.travel(datetime(2026, 3, 10, 10, tzinfo=SH))
def test_letter_not_emailed_without_an_address(agent, client_agent):
    complaint = _decided(agent, email="")
    response = client_agent.post(
        reverse("complaints:decision_letter", args=[complaint.pk]), {"delivery": "email"}, follow=True
    )
    assert any("no email address" in str(m).lower() for m in response.context["messages"])
    assert mail.outbox == []
    assert not AuditEntry.objects.filter(action__in=["document_issue", "document_email"]).exists()


@time_machine.travel(datetime(2026, 3, 10, 10, tzinfo=SH))
def test_back_office_cannot_open_the_complaint_nor_its_letter(agent, client_back_office):
    complaint = _decided(agent)
    assert client_back_office.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 403
    assert client_back_office.post(reverse("complaints:decision_letter", args=[complaint.pk])).status_code == 403


# ---- the list export -----------------------------------------------------------------------------------------------


def _sheet(response):
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return workbook.worksheets[0]


def test_complaint_export_honours_the_filters_and_neutralises_formulas(client_agent):
    # given a fees complaint whose summary looks like a formula, and a privacy complaint
    make_complaint(category="fees", summary='=HYPERLINK("http://evil.example","click")')
    make_complaint(category="privacy", summary="Shared my data")
    # when the list is exported filtered on fees
    response = client_agent.get(reverse("complaints:list_xlsx"), {"category": "fees"})
    # then only the fees complaint is there, its summary as plain text, under the headers
    assert response.status_code == 200
    sheet = _sheet(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Reference", "Received", "Customer", "Summary")
    assert len(rows) == 2
    assert rows[1][3].startswith("'=HYPERLINK")
    assert sheet.column_dimensions["D"].width == 40


def test_complaint_export_in_chinese_has_chinese_headers_and_sheet_name(client, make_staff):
    make_complaint()
    client.force_login(make_staff("zh_agent", "agent", language="zh-hans"))
    response = client.get(reverse("complaints:list_xlsx"))
    sheet = _sheet(response)
    assert sheet.title == "投诉"
    assert next(sheet.iter_rows(values_only=True))[0] == "编号"


def test_complaint_export_is_for_the_list_roles(client_back_office):
    assert client_back_office.get(reverse("complaints:list_xlsx")).status_code == 403


def test_the_list_has_the_export_button_keeping_the_filters(client_agent):
    page = client_agent.get(reverse("complaints:list"), {"category": "fees"}).content.decode()
    assert 'href="/complaints/export.xlsx?category=fees"' in page


def test_remedy_amount_shows_in_the_letter(agent):
    from complaints import documents

    complaint = _decided(agent, language="en")
    complaint.remedy_amount = Decimal("35.00")
    document = documents.decision_letter_issue(complaint=complaint, actor=agent)
    text = pdf_text(document.content)
    assert "Complaint decision letter" in text and "¥35.00" in text and "Dear Customer" not in text
