"""A manager in real Chromium: charts drawn, drill-down to an agent's breached inquiries, XLSX matching the page."""

import pytest
from openpyxl import load_workbook

from aftersales import permissions as roles
from org.models import Department, Team
from tests.conftest import browser_login
from tests.staff.builders import at, inquiry


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_dashboard_charts_drilldown_and_xlsx(page, make_staff, tmp_path):
    # given: one agent with 7 of 8 inquiries answered in time in November 2026, one breached
    team = Team.objects.create(name="Hotline A", department=Department.objects.create(code="s", name="S"))
    alice = make_staff("alice", roles.AGENT, team=team)
    make_staff("boss", roles.MANAGER)
    for i in range(7):
        inquiry(
            received_at=at(2026, 11, 2 + i),
            assigned_to=alice,
            response_minutes=3,
            resolved_at=at(2026, 11, 2 + i, 12),
            resolved_by=alice,
        )
    breached = inquiry(received_at=at(2026, 11, 12), assigned_to=alice, response_minutes=40)
    browser_login(page, "boss")

    # when: the manager opens November's dashboard
    page.goto("/staff/dashboard/?period=month&date=2026-11-01")
    # then: both charts are drawn with data
    page.wait_for_selector("#chart-volume[data-drawn='1']")
    page.wait_for_selector("#chart-quality[data-drawn='1']")
    assert page.locator("#chart-volume").get_attribute("data-points") == "7"
    assert page.evaluate("document.getElementById('chart-volume').width") > 0
    assert (
        page.evaluate(
            "!!Chart.getChart('chart-volume') && Chart.getChart('chart-volume').data.datasets[0].data"
            ".reduce((a, b) => a + b, 0)"
        )
        == 7
    )
    row = page.locator("tr[data-user='alice']")
    sla_on_page = row.locator("td[data-kpi='sla'] a").first.inner_text()
    handled_on_page = row.locator("td[data-kpi='inquiries_handled'] a").first.inner_text()
    assert sla_on_page == "87.5%"

    # when: they drill into alice's breached inquiries
    row.locator("[data-testid='attention-alice-sla']").click()
    page.wait_for_selector("#records-table")
    # then: exactly the breached one is listed, with a link to it
    assert page.locator("#records-table tbody tr").count() == 1
    assert breached.reference in page.locator("#records-table tbody").inner_text()

    # when: they download the XLSX of the table
    page.goto("/staff/dashboard/?period=month&date=2026-11-01")
    with page.expect_download() as download_info:
        page.click("[data-testid='export-xlsx']")
    path = tmp_path / "kpis.xlsx"
    download_info.value.save_as(path)
    # then: it opens with openpyxl and holds the page's figures
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[2]]
    rows = {r[1]: dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert f"{rows['alice']['First-response SLA']:.1f}%" == sla_on_page
    assert str(rows["alice"]["Inquiries handled"]) == handled_on_page
