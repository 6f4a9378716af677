"""KPI and payroll exports are formula-safe (OWASP CSV injection) in CSV and XLSX, and keep their figures typed."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from aftersales import permissions as roles
from org.models import Department, Team
from staff import reviews
from staff.models import PerformanceReview
from tests.staff.builders import at, inquiry

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x","y")'
SUM = "@SUM(A1)"
MONTH = {"period": "month", "date": "2026-11-01"}
OCTOBER = date(2026, 10, 1)


def _rename(user, name: str):
    get_user_model().objects.filter(pk=user.pk).update(first_name=name, last_name="")


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def _xlsx(response):
    return load_workbook(io.BytesIO(response.getvalue())).active


@pytest.fixture
def hostile_staff(make_staff):
    # given: a staff member named like a formula, in a team named like one
    team = Team.objects.create(name=SUM, department=Department.objects.create(code="svc", name="Service"))
    mallory = make_staff("mallory", roles.AGENT, team=team)
    _rename(mallory, HYPERLINK)
    for day in (2, 3, 4):
        inquiry(received_at=at(2026, 11, day), assigned_to=mallory, response_minutes=4)
    inquiry(received_at=at(2026, 11, 5), assigned_to=mallory, response_minutes=25)
    return mallory


@time_machine.travel("2026-11-28 12:00 +0800", tick=False)
def test_kpi_csv_neutralises_formulas_and_keeps_numbers(client_manager, hostile_staff):
    # when
    rows = _csv(client_manager.get(reverse("staff:dashboard_export"), {**MONTH, "format": "csv"}))
    # then
    header = rows[0]
    mallory = dict(zip(header, next(r for r in rows if r[1] == "mallory"), strict=False))
    assert mallory["Staff member"] == "'" + HYPERLINK
    assert mallory["Team"] == "'" + SUM
    assert mallory["First-response SLA"] == "75.0"  # 3 of 4 in time


@time_machine.travel("2026-11-28 12:00 +0800", tick=False)
def test_kpi_xlsx_neutralises_formulas_and_keeps_numbers(client_manager, hostile_staff):
    response = client_manager.get(reverse("staff:dashboard_export"), {**MONTH, "format": "xlsx"})
    sheet = _xlsx(response)
    assert sheet.title == "KPIs"
    assert sheet["A1"].value == "Period"
    header = [c.value for c in sheet[2]]
    row = next(r for r in sheet.iter_rows(min_row=3) if r[1].value == "mallory")
    cells = dict(zip(header, row, strict=False))
    assert cells["Staff member"].value == "'" + HYPERLINK and cells["Staff member"].data_type == "s"
    assert cells["Team"].value == "'" + SUM
    assert cells["First-response SLA"].value == 75.0 and cells["First-response SLA"].data_type == "n"
    assert sheet.freeze_panes == "D3"


@pytest.fixture
def signed_hostile_review(make_staff, manager):
    mallory = make_staff("mallory", roles.AGENT)
    _rename(mallory, SUM)
    for i in range(7):
        inquiry(received_at=at(2026, 10, 2 + i), assigned_to=mallory, response_minutes=3)
    inquiry(received_at=at(2026, 10, 20), assigned_to=mallory, response_minutes=30)
    reviews.reviews_generate(month=OCTOBER, actor=manager)
    review = PerformanceReview.objects.get(staff=mallory, month=OCTOBER)
    reviews.review_sign_off(review=review, actor=manager)
    get_user_model().objects.filter(pk=manager.pk).update(username="=cmd|' /C calc'!A0")
    return review


def test_payroll_csv_neutralises_formulas(client_manager, signed_hostile_review):
    rows = _csv(client_manager.get(reverse("staff:reviews_export"), {"month": "2026-10", "format": "csv"}))
    assert rows[0][:3] == ["Username", "Staff member", "Month"]
    assert rows[1][:6] == ["mallory", "'" + SUM, "2026-10", "52.5", "D", "0.8"]
    assert rows[1][6] == "'=cmd|' /C calc'!A0"


def test_payroll_xlsx_neutralises_formulas_with_a_translated_sheet_name(client_manager, signed_hostile_review):
    sheet = _xlsx(client_manager.get(reverse("staff:reviews_export"), {"month": "2026-10", "format": "xlsx"}))
    assert sheet.title == "Grades"
    values = [c.value for c in sheet[2]]
    assert values[:6] == ["mallory", "'" + SUM, "2026-10", 52.5, "D", 0.8]
    assert values[6] == "'=cmd|' /C calc'!A0"
    assert sheet.column_dimensions["B"].width >= 10
