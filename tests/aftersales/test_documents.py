"""The shared document layer (numbers, page template, audit, e-mail) and the audit log export."""

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from aftersales import documents
from aftersales.audit import audit_log
from aftersales.exports import Sheet, xlsx_bytes
from aftersales.models import AuditEntry

SH = ZoneInfo("Asia/Shanghai")


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _spec(language="zh-hans", rows=3, text="正文"):
    return documents.DocumentSpec(
        kind="test_document",
        prefix="TT",
        title="测试文件" if language == "zh-hans" else "Test document",
        stem="test",
        language=language,
        blocks=[
            documents.Text(text),
            documents.Table(
                header=["No.", "Amount"],
                rows=[[str(i), documents.money_text(i)] for i in range(rows)],
                totals=["Total", documents.money_text(sum(range(rows)))],
                numeric=frozenset({1}),
            ),
        ],
    )


def test_document_number_rule():
    number = documents.document_number("JQ", on=date(2026, 1, 31))
    assert re.fullmatch(r"JQ-20260131-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}", number)
    assert len({documents.document_number("JQ", on=date(2026, 1, 31)) for _ in range(200)}) == 200


def test_dates_as_the_reader_writes_them():
    with translation.override("zh-hans"):
        assert documents.date_text(date(2026, 1, 5)) == "2026年1月5日"
    with translation.override("en"):
        assert documents.date_text(date(2026, 1, 5)) == "2026-01-05"
    assert documents.date_text(None) == "—"


def test_every_page_has_the_number_company_and_page_x_of_y(settings):
    settings.COMPANY_NAME = "测试小贷有限公司"
    content = documents.render_pdf(_spec(rows=120), number="TT-20260131-ABCDEF", issued_on=date(2026, 1, 31))
    pages = pdf_pages(content)
    assert len(pages) >= 2
    for n, text in enumerate(pages, start=1):
        assert "测试小贷有限公司" in text
        assert "TT-20260131-ABCDEF" in text
        assert f"第 {n} 页 / 共 {len(pages)} 页" in text
        assert "文书编号：TT-20260131-ABCDEF" in text and "出具日期：2026年1月31日" in text
        assert "Document" not in text and "Issued" not in text
    assert "文书编号：TT-20260131-ABCDEF 日期：2026年1月31日" in pages[0]  # the byline under the title
    assert "¥7,140.00" in pages[-1]  # 0 + 1 + … + 119
    assert PdfReader(io.BytesIO(content)).metadata.title == "测试文件 TT-20260131-ABCDEF"


def test_english_documents_use_the_english_company_name(settings):
    settings.COMPANY_NAME_EN = "Test Lending Ltd."
    text = pdf_pages(documents.render_pdf(_spec("en"), number="TT-1", issued_on=date(2026, 1, 31)))[0]
    assert "Test Lending Ltd." in text and "Page 1 of 1" in text and "Issued on 2026-01-31" in text


def test_customer_text_is_printed_not_read_as_markup():
    text = pdf_pages(
        documents.render_pdf(_spec(text="<b>粗体</b> & <font size=40>x</font>"), number="N", issued_on=date.today())
    )[0]
    assert "<b>粗体</b> & <font size=40>x</font>" in text


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 1, 31, 23, 30, tzinfo=SH))
def test_issue_numbers_by_the_local_date_and_audits(manager):
    # 23:30 in Shanghai is 15:30 UTC: the number carries the local date
    obj = audit_log(action="anchor")  # any saved model will do as the document's subject
    issued = documents.document_issue(spec=_spec(), obj=obj, actor=manager)
    assert issued.number.startswith("TT-20260131-")
    assert issued.filename == f"test-{issued.number}.pdf"
    entry = AuditEntry.objects.get(action="document_issue")
    assert entry.changes == {"number": issued.number, "kind": "test_document", "language": "zh-hans"}
    assert entry.actor == manager
    assert issued.number in pdf_pages(issued.content)[0]


@pytest.mark.django_db
def test_email_attaches_the_pdf_and_is_refused_without_an_address(manager):
    obj = audit_log(action="anchor")
    issued = documents.document_issue(spec=_spec(), obj=obj, actor=manager)
    with pytest.raises(documents.DocumentError):
        documents.document_email(document=issued, to="", to_masked="", recipient_name="王", obj=obj, actor=manager)
    assert mail.outbox == []
    documents.document_email(
        document=issued, to="a@example.com", to_masked="a***@example.com", recipient_name="王芳", obj=obj, actor=manager
    )
    message = mail.outbox[0]
    assert message.subject == f"测试文件 {issued.number}"
    assert message.body.startswith("王芳您好")
    assert message.attachments == [(issued.filename, issued.content, "application/pdf")]
    assert AuditEntry.objects.get(action="document_email").changes["to"] == "a***@example.com"


# ---- the export helper's widths ------------------------------------------------------------------------------------


def test_explicit_widths_are_used_but_never_narrower_than_the_header():
    content = xlsx_bytes(
        [Sheet(title="客户", header=["编号", "一个很长很长很长很长的表头"], rows=[["1", "x"]], widths=[12, 10])]
    )
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet.title == "客户"
    assert sheet.column_dimensions["A"].width == 12
    assert sheet.column_dimensions["B"].width == 24  # 13 CJK characters ≈ 26 columns, less the padding of 2


def test_explicit_widths_do_not_read_ahead_of_a_generator():
    seen = []

    def rows():
        for i in range(5):
            seen.append(i)
            yield [i]

    generator = rows()
    content = xlsx_bytes([Sheet(title="S", header=["n"], rows=generator, widths=[10])])
    assert seen == [0, 1, 2, 3, 4]
    assert [r[0] for r in load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True)] == [
        "n",
        0,
        1,
        2,
        3,
        4,
    ]


# ---- the audit log export ------------------------------------------------------------------------------------------


def _sheet(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]


@pytest.mark.django_db
def test_audit_log_export_honours_the_filters_and_neutralises_formulas(client_manager):
    audit_log(action="pii_reveal", object_repr="=cmd|' /C calc'!A0", reason="@SUM(1)")
    audit_log(action="customer_update", object_repr="other")
    response = client_manager.get(reverse("audit_log"), {"action": "pii_reveal", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = list(_sheet(response).iter_rows(values_only=True))
    assert rows[0][:3] == ("Time", "User", "Action")
    assert [r[2] for r in rows[1:]] == ["pii_reveal"]
    assert rows[1][5] == "'=cmd|' /C calc'!A0" and rows[1][7] == "'@SUM(1)"


@pytest.mark.django_db
def test_audit_log_export_in_chinese(client, make_staff):
    audit_log(action="x")
    client.force_login(make_staff("zh_mgr", "manager", language="zh-hans"))
    sheet = _sheet(client.get(reverse("audit_log"), {"format": "xlsx"}))
    assert sheet.title == "审计日志"
    assert sheet.column_dimensions["G"].width == 50


@pytest.mark.django_db
def test_audit_log_export_is_for_managers_only(client_agent, client, django_user_model):
    assert client_agent.get(reverse("audit_log"), {"format": "xlsx"}).status_code == 403
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    assert client.get(reverse("audit_log"), {"format": "xlsx"}).status_code == 200


@pytest.mark.django_db
def test_audit_log_page_links_the_export_with_its_filters(client_manager):
    page = client_manager.get(reverse("audit_log"), {"action": "pii_reveal", "page": "2"}).content.decode()
    assert 'href="/audit/?action=pii_reveal&amp;format=xlsx"' in page or "format=xlsx" in page
    assert "page=2&amp;format" not in page
