"""The customer data report as PDF beside its XLSX, and the customer list export (masked PII only)."""

import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from aftersales.models import AuditEntry
from tests.customers.factories import make_customer

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _customer(**fields):
    values = {"name": "陈静", "mobile": "13812345678", "email": "chen@example.com", "preferred_language": "zh-hans"}
    values.update(fields)
    return make_customer(**values)


def test_data_report_pdf_holds_the_personal_data_in_full_and_is_audited(client_manager):
    customer = _customer()
    url = reverse("customers:data_report", args=[customer.pk])
    response = client_manager.post(url, {"reason": "2026-03-01 来电申请", "output": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "客户数据报告" in text
    assert "陈静" in text and customer.customer_number in text
    assert "+8613812345678" in text  # handed to the customer: in full
    assert "chen@example.com" in text
    assert "2026-03-01 来电申请" in text
    number = re.search(r"SJ-\d{8}-[2-9A-HJ-NP-Z]{6}", text).group(0)
    issued = AuditEntry.objects.get(action="document_issue")
    report = AuditEntry.objects.get(action="pii_report")
    assert issued.changes["number"] == number == report.changes["number"]
    assert report.reason == "2026-03-01 来电申请" and report.changes["format"] == "pdf"


def test_data_report_xlsx_still_the_default(client_manager):
    customer = _customer()
    response = client_manager.post(reverse("customers:data_report", args=[customer.pk]), {"reason": "request"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not AuditEntry.objects.filter(action="document_issue").exists()


def test_data_report_needs_a_reason_for_the_pdf_too(client_manager):
    customer = _customer()
    response = client_manager.post(
        reverse("customers:data_report", args=[customer.pk]), {"reason": " ", "output": "pdf"}
    )
    assert response.status_code == 200 and "text/html" in response["Content-Type"]
    assert not AuditEntry.objects.filter(action__in=["document_issue", "pii_report"]).exists()


def test_data_report_emailed_to_the_customer(client_manager):
    customer = _customer(email="chen@example.com")
    url = reverse("customers:data_report", args=[customer.pk])
    response = client_manager.post(url, {"reason": "request", "output": "email"}, follow=True)
    assert any("e-mailed" in str(m) for m in response.context["messages"])
    assert [m.to for m in mail.outbox] == [["chen@example.com"]]
    assert "陈静" in pdf_text(mail.outbox[0].attachments[0][1])
    assert AuditEntry.objects.filter(action="document_email").count() == 1


def test_data_report_not_emailed_without_an_address(client_manager):
    customer = _customer(email="")
    url = reverse("customers:data_report", args=[customer.pk])
    page = client_manager.get(url).content.decode()
    assert 'data-testid="data-report-email"' not in page
    response = client_manager.post(url, {"reason": "request", "output": "email"}, follow=True)
    assert any("no e-mail address" in str(m) for m in response.context["messages"])
    assert mail.outbox == []
    assert not AuditEntry.objects.filter(action__in=["document_issue", "pii_report"]).exists()


def test_only_managers_get_the_pdf_and_a_superuser_does(client_agent, client, django_user_model):
    customer = _customer()
    url = reverse("customers:data_report", args=[customer.pk])
    assert client_agent.post(url, {"reason": "x", "output": "pdf"}).status_code == 403
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    assert client.post(url, {"reason": "x", "output": "pdf"}).content.startswith(b"%PDF")


# ---- the list export -----------------------------------------------------------------------------------------------


def _rows(response):
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return workbook.worksheets[0], list(workbook.worksheets[0].iter_rows(values_only=True))


def test_customer_export_masks_pii_and_neutralises_a_formula_name(client_agent):
    # given a customer whose name looks like a formula
    customer = _customer(name='=HYPERLINK("http://evil.example","点我")', mobile="13900001111")
    # when the list is exported
    response = client_agent.get(reverse("customers:list_xlsx"))
    # then the name is text, and the mobile and ID number are masked
    assert response.status_code == 200
    _sheet, rows = _rows(response)
    assert rows[0][:4] == ("Customer number", "Name", "Mobile", "ID number")
    row = next(r for r in rows if r[0] == customer.customer_number)
    assert row[1].startswith("'=HYPERLINK")
    assert "13900001111" not in "".join(str(v) for v in row)
    assert row[2] == customer.mobile_masked and "*" in row[2]
    assert customer.national_id not in row[3] and row[3] == customer.national_id_masked
    assert "chen@example.com" not in str(rows)  # e-mail is not exported at all


def test_customer_export_honours_the_filters(client_agent):
    zh = _customer(preferred_language="zh-hans")
    en = _customer(preferred_language="en")
    _sheet, rows = _rows(client_agent.get(reverse("customers:list_xlsx"), {"language": "en"}))
    numbers = [r[0] for r in rows[1:]]
    assert en.customer_number in numbers and zh.customer_number not in numbers


def test_customer_export_chinese_headers_sheet_name_and_widths(client, make_staff):
    _customer()
    client.force_login(make_staff("zh_bo", "back_office", language="zh-hans"))
    sheet, rows = _rows(client.get(reverse("customers:list_xlsx")))
    assert sheet.title == "客户"
    assert rows[0][0] == "客户编号"
    assert sheet.column_dimensions["D"].width == 22


def test_customer_export_needs_a_staff_role(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert client.get(reverse("customers:list_xlsx")).status_code == 403


def test_the_list_has_the_export_button(client_agent):
    page = client_agent.get(reverse("customers:list"), {"language": "en"}).content.decode()
    assert 'href="/customers/export.xlsx?language=en"' in page
