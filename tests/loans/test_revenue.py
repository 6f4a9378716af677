"""Revenue by product and income type, CSV export, and the reconciliation check (page and command)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from loans import jobs, services
from loans.models import Loan
from loans.selectors import reconciliation, revenue_report
from tests.loans.factories import make_loan

D = Decimal
SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def _scenario(back_office=None):
    # installment 1 of 12,000.00 at 12% (1,120.00) overdue: late fee 30.00 + penalty 2.00 on 02-05
    loan = make_loan(
        principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal", late_fee=D("30.00")
    )
    jobs.overdue_run(date(2026, 2, 5))
    at = datetime(2026, 2, 5, 15, tzinfo=SH)
    with time_machine.travel(at):
        services.repayment_post(loan=loan, amount=D("1200.00"), received_at=at, channel="card", external_id="R1")
        bounced = services.repayment_post(
            loan=loan, amount=D("50.00"), received_at=at, channel="card", external_id="R2"
        )
        services.repayment_reverse(repayment=bounced, reason="card chargeback", reversed_by=back_office)
    return loan


def test_month_report_by_product_and_income_type():
    loan = _scenario()
    rows, total = revenue_report(year=2026, month=2)
    assert len(rows) == 1 and rows[0].product == loan.product.name
    # 1,200.00 = installment 1 (penalty 2.00 + fee 30.00 + interest 120.00 + principal 1,000.00) + 48.00 towards the
    # interest of installment 2, the one falling due next; the 50.00 reversed nets to 0
    assert (total.penalty, total.fee, total.interest, total.principal, total.credit) == (
        D("2.00"),
        D("30.00"),
        D("168.00"),
        D("1000.00"),
        D("0"),
    )
    assert total.income == D("200.00")
    assert revenue_report(year=2026, month=3)[0] == []


def test_reconciliation_balances_and_detects_a_difference():
    loan = _scenario()
    rec = reconciliation()
    # received 1,250.00 − reversed 50.00 = 1,200.00 = income 200.00 + principal 1,000.00 + credit 0.00
    assert (rec.net_received, rec.income, rec.principal, rec.credit_held) == (
        D("1200.00"),
        D("200.00"),
        D("1000.00"),
        D("0"),
    )
    assert rec.balanced
    call_command("loans_reconcile")
    Loan.objects.filter(pk=loan.pk).update(credit_balance=D("5.00"))
    assert reconciliation().problems == ["totals", "credit"]
    with pytest.raises(CommandError):
        call_command("loans_reconcile")


def test_report_page_csv_and_reconciliation_page(client_manager):
    _scenario()
    page = client_manager.get(reverse("loans:revenue_report"), {"month": "2026-02"})
    assert "¥200.00" in page.content.decode()
    csv = client_manager.get(reverse("loans:revenue_csv"), {"month": "2026-02"})
    lines = csv.getvalue().decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Product,Interest,Penalty interest,Fees")
    assert lines[-1] == "Total,168.00,2.00,30.00,0.00,200.00,1000.00,0.00"
    rec = client_manager.get(reverse("loans:reconciliation"))
    assert 'data-testid="rec-status"' in rec.content.decode() and "Balanced" in rec.content.decode()


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "26-1", "abc", "1999-05"])
def test_a_bad_month_gets_a_message_next_to_the_field_and_the_current_month(client_manager, bad):
    # given a month that does not exist; when the report is asked for it
    with time_machine.travel(datetime(2026, 12, 2, 10, tzinfo=SH)):
        response = client_manager.get(reverse("loans:revenue_report"), {"month": bad})
    # then the page answers with the current month and says why, beside the field, keeping what was typed
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["period"] == "2026-12"
    assert "is not a month" in page and 'data-testid="month-error"' in page
    assert f'value="{bad}"' in page
    assert response.context["form"].errors["month"]


def test_a_good_month_has_no_error(client_manager):
    response = client_manager.get(reverse("loans:revenue_report"), {"month": "2026-02"})
    assert response.context["period"] == "2026-02" and not response.context["form"].errors
