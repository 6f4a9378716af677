"""The one export helper: formula-safe text, typed numbers and dates, valid sheet names, sized columns."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from aftersales.exports import Sheet, csv_response, safe_cell, safe_text, sheet_title, xlsx_bytes, xlsx_response

UTC = dt.UTC


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_prefix_is_neutralised(prefix):
    # given a text that a spreadsheet would run
    text = f'{prefix}HYPERLINK("http://x","y")'
    # when / then: a leading apostrophe keeps it text, the rest as typed
    assert safe_text(text) == "'" + text
    assert safe_cell(text) == "'" + text


def test_plain_and_inner_formula_characters_stay_as_typed():
    assert safe_text("张三 = 1") == "张三 = 1"
    assert safe_text("a@b.cn") == "a@b.cn"
    assert safe_text(None) == ""


def test_numbers_money_and_negatives_stay_typed():
    assert safe_cell(-5) == -5 and isinstance(safe_cell(-5), int)
    assert safe_cell(Decimal("-1200.05")) == Decimal("-1200.05")
    assert safe_cell(87.5) == 87.5
    assert safe_cell(True) is True
    # a signed plain number in text cannot run (a mobile stays readable); arithmetic is neutralised
    assert safe_text("-1200.05") == "-1200.05"
    assert safe_text("+86 138 1234 5678") == "+86 138 1234 5678"
    assert safe_text("-2+3") == "'-2+3"
    assert safe_text("+1)|cmd") == "'+1)|cmd"


def test_non_finite_numbers_become_text():
    assert safe_cell(float("inf")) == "inf"
    assert safe_cell(Decimal("NaN")) == "NaN"


def test_aware_datetimes_are_written_in_local_time(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    # 2026-11-30 17:30 UTC is 2026-12-01 01:30 in Shanghai
    value = safe_cell(dt.datetime(2026, 11, 30, 17, 30, tzinfo=UTC))
    assert value == dt.datetime(2026, 12, 1, 1, 30) and value.tzinfo is None
    assert safe_cell(dt.date(2026, 2, 28)) == dt.date(2026, 2, 28)


def test_control_characters_are_dropped():
    assert safe_text("a\x00b\x07c") == "abc"


def test_sheet_name_rules():
    assert sheet_title("Q1/Q2: [draft]*?") == "Q1Q2 draft"
    assert len(sheet_title("客" * 40)) == 31
    assert sheet_title("'quoted'") == "quoted"
    assert sheet_title("") == "Sheet"
    assert sheet_title("History") == "History 1"
    # truncation never leaves an apostrophe at the end
    assert sheet_title("a" * 30 + "'b") == "a" * 30


def _read_csv(response) -> list[list[str]]:
    body = response.getvalue().decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_response_streams_a_bom_and_safe_cells():
    response = csv_response(
        filename="report 2026-11",
        header=["Name", "=Amount"],
        rows=iter([["@SUM(A1)", Decimal("-3.50")], ["张三", dt.date(2026, 11, 1)]]),
    )
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="report-2026-11.csv"'
    assert _read_csv(response) == [["Name", "'=Amount"], ["'@SUM(A1)", "-3.50"], ["张三", "2026-11-01"]]


def test_xlsx_keeps_types_neutralises_text_and_sizes_columns(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    sheets = [
        Sheet(
            title="成绩",
            header=["Staff member", "Score", "Signed"],
            rows=[
                ['=HYPERLINK("http://x","y")', Decimal("87.50"), dt.datetime(2026, 11, 30, 17, 30, tzinfo=UTC)],
                ["王小明" * 5, -2, None],
            ],
            preamble=[["Period", "November 2026"]],
            freeze_columns=1,
        ),
        Sheet(title="成绩", header=["x"], rows=[]),
    ]
    workbook = load_workbook(io.BytesIO(xlsx_bytes(sheets)))
    assert workbook.sheetnames == ["成绩", "成绩 (2)"]
    sheet = workbook["成绩"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Period", "November 2026", None)
    assert rows[1] == ("Staff member", "Score", "Signed")
    assert rows[2][0] == '\'=HYPERLINK("http://x","y")'
    assert sheet.cell(row=3, column=1).data_type == "s"
    assert rows[2][1] == 87.5 and rows[2][2] == dt.datetime(2026, 12, 1, 1, 30)
    assert rows[3][1] == -2
    assert sheet.freeze_panes == "B3"
    # 15 CJK characters are about 30 columns wide (+2 padding); "Score" gets the minimum of 8
    assert sheet.column_dimensions["A"].width == 32
    assert sheet.column_dimensions["B"].width == 8
    assert sheet.cell(row=2, column=1).font.bold


def test_xlsx_response_is_a_named_download():
    response = xlsx_response(filename="grades-2026-10", sheets=[Sheet(title="G", header=["a"], rows=[[1]])])
    assert response["Content-Disposition"].startswith('attachment; filename="grades-2026-10.xlsx"')
    assert load_workbook(io.BytesIO(response.getvalue())).active["A2"].value == 1


def test_workbook_without_sheets_is_still_valid():
    assert load_workbook(io.BytesIO(xlsx_bytes([]))).sheetnames == ["Sheet"]


@pytest.mark.django_db
def test_revenue_csv_neutralises_a_product_named_like_a_formula(client_manager):
    # given: a loan on a product named like a formula, with 120.00 interest paid in February
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine
    from django.urls import reverse

    from loans import services
    from tests.loans.factories import make_loan

    loan = make_loan(principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal")
    loan.product.__class__.objects.filter(pk=loan.product_id).update(name='=HYPERLINK("http://x","y")')
    received = datetime(2026, 2, 1, 15, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(received):
        services.repayment_post(
            loan=loan, amount=Decimal("1120.00"), received_at=received, channel="card", external_id="R1"
        )
    # when
    rows = _read_csv(client_manager.get(reverse("loans:revenue_csv"), {"month": "2026-02"}))
    # then: the product name is text; the money columns stay plain numbers
    assert rows[1][0] == '\'=HYPERLINK("http://x","y")'
    assert rows[1][1] == "120.00" and rows[-1][0] == "Total"
