"""Loan documents: the settlement certificate of a closed loan and the restructuring agreement of an approved plan.

The PDFs are read back with pypdf and their figures checked against hand-computed values.
"""

import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from aftersales.models import AuditEntry
from loans import documents, jobs, services
from tests.customers.factories import make_customer
from tests.loans.factories import make_loan

D = Decimal
SH = ZoneInfo("Asia/Shanghai")
FEB1 = datetime(2026, 2, 1, 10, tzinfo=SH)
FEB16 = datetime(2026, 2, 16, 10, tzinfo=SH)
FEB17 = datetime(2026, 2, 17, 9, tzinfo=SH)
AFTER = datetime(2026, 2, 18, 15, tzinfo=SH)
NUMBER = re.compile(r"JQ-20260218-[2-9A-HJ-NP-Z]{6}")
pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _settled_loan(*, language="zh-hans", email="wang@example.com"):
    # 12,000.00 at 12%, equal principal over 12 months, 2% early-repayment fee.
    # 02-01: installment 1 paid (1,000.00 principal + 120.00 interest).
    # 02-16: settled with 11,275.00 = 11,000.00 principal + 55.00 interest (15 days) + 220.00 fee (2%).
    customer = make_customer(name="王晓明", preferred_language=language, email=email)
    with time_machine.travel(FEB1):
        loan = make_loan(
            customer=customer,
            principal="12000.00",
            annual_rate="0.12",
            term_months=12,
            method="equal_principal",
            early_repayment_fee_rate=D("0.02"),
        )
        services.repayment_post(loan=loan, amount=D("1120.00"), received_at=FEB1, channel="app", external_id="P1")
    # posted the next morning: the certificate dates the settlement by the money's arrival, not the posting
    with time_machine.travel(FEB17):
        services.loan_settle(loan=loan, amount=D("11275.00"), received_at=FEB16, channel="app", external_id="S1")
    loan.refresh_from_db()
    assert loan.status == "closed" and loan.closed_at.date() == date(2026, 2, 17)
    return loan


@time_machine.travel(AFTER)
def test_settlement_certificate_shows_the_paid_figures_in_chinese(agent, client_agent):
    # given a loan settled on 2026-02-16 by a Chinese-speaking customer
    loan = _settled_loan()
    # when an agent downloads its certificate from the loan page
    response = client_agent.post(reverse("loans:settlement_certificate", args=[loan.pk]), {"delivery": "download"})
    # then it is a numbered PDF with the contract, the name family name first and every amount to the cent
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    assert "结清证明" in text
    assert loan.contract_number in text
    assert "王晓明" in text
    assert "示例小额贷款有限公司" in text
    assert "¥12,000.00" in text  # principal (and principal repaid)
    assert "¥175.00" in text  # interest: 120.00 + 55.00
    assert "¥220.00" in text  # the early-repayment fee
    assert "¥12,395.00" in text  # total paid
    assert "2026年2月16日" in text  # settlement date
    assert "第 1 页 / 共 1 页" in text
    number = NUMBER.search(text).group(0)
    assert number in response["Content-Disposition"]
    # and the issue is in the audit log with the same number
    entry = AuditEntry.objects.get(action="document_issue")
    assert (entry.object_type, entry.object_id) == ("loans.loan", str(loan.pk))
    assert entry.changes["number"] == number
    assert entry.changes["kind"] == "settlement_certificate"
    assert entry.actor_name == agent.username


@time_machine.travel(AFTER)
def test_settlement_certificate_in_english_for_an_english_customer(client_manager):
    loan = _settled_loan(language="en")
    response = client_manager.post(reverse("loans:settlement_certificate", args=[loan.pk]))
    text = pdf_text(response.content)
    assert "Settlement certificate" in text
    assert "2026-02-16" in text
    assert "¥12,395.00" in text
    assert "Page 1 of 1" in text
    assert "结清证明" not in text


def test_an_open_loan_is_refused_with_a_message_and_nothing_is_issued(client_agent):
    # given an active loan
    loan = make_loan()
    # when its certificate is asked for
    response = client_agent.post(reverse("loans:settlement_certificate", args=[loan.pk]), follow=True)
    # then the loan page says why, and no number was spent
    assert response.redirect_chain[-1][0] == reverse("loans:detail", args=[loan.pk])
    assert any("still open" in str(m) for m in response.context["messages"])
    assert not AuditEntry.objects.filter(action="document_issue").exists()


def test_a_written_off_loan_has_no_certificate():
    loan = make_loan()
    loan.status = "written_off"
    with translation.override("en"), pytest.raises(documents.DocumentError, match="written off"):
        documents.settlement_certificate_issue(loan=loan, actor=None)


def test_issuing_is_post_only(client_agent):
    loan = make_loan()
    assert client_agent.get(reverse("loans:settlement_certificate", args=[loan.pk])).status_code == 405


@time_machine.travel(AFTER)
def test_a_user_without_a_portal_role_gets_403_and_a_superuser_gets_the_pdf(client):
    loan = _settled_loan()
    url = reverse("loans:settlement_certificate", args=[loan.pk])
    nobody = get_user_model().objects.create_user("nobody", password="x")
    client.force_login(nobody)
    assert client.post(url).status_code == 403
    root = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(root)
    response = client.post(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


@time_machine.travel(AFTER)
def test_certificate_emailed_to_the_customer_with_the_pdf_attached(client_agent):
    loan = _settled_loan(email="wang@example.com")
    response = client_agent.post(
        reverse("loans:settlement_certificate", args=[loan.pk]), {"delivery": "email"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("loans:detail", args=[loan.pk])
    assert any("e-mailed" in str(m) for m in response.context["messages"])
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["wang@example.com"]
    name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and name.endswith(".pdf")
    number = NUMBER.search(pdf_text(content)).group(0)
    assert number in message.subject
    sent = AuditEntry.objects.get(action="document_email")
    assert sent.changes["number"] == number
    assert "wang@example.com" not in str(sent.changes)  # the address is masked in the log


@time_machine.travel(AFTER)
def test_no_email_on_file_is_refused_with_a_message(client_agent):
    loan = _settled_loan(email="")
    response = client_agent.post(
        reverse("loans:settlement_certificate", args=[loan.pk]), {"delivery": "email"}, follow=True
    )
    assert any("no e-mail address" in str(m) for m in response.context["messages"])
    assert mail.outbox == []
    assert not AuditEntry.objects.filter(action__in=["document_issue", "document_email"]).exists()


# ---- restructuring agreement ------------------------------------------------------------------------------------

TODAY = datetime(2026, 2, 10, 10, tzinfo=SH)


def _approved_plan(agent, risk_assessor, manager, *, language="zh-hans"):
    # 6,000.00 at 12%, equal principal over 6 months; installment 1 (02-01) overdue: penalty 4.50 by 02-10.
    # Current remaining: principal 6,000.00, interest 60+50+40+30+20+10 = 210.00, penalty 4.50 → 6,214.50.
    # New: 12 months at 6%, penalty waived: interest 90.00 (30.00 + 60.00 carried) + 27.50 + 25.00 + … + 2.50
    # = 255.00 → 6,255.00.
    customer = make_customer(name="李娜", preferred_language=language)
    loan = make_loan(
        customer=customer, principal="6000.00", annual_rate="0.12", term_months=6, method="equal_principal"
    )
    jobs.overdue_run(date(2026, 2, 10))
    plan = services.restructure_propose(
        loan=loan, proposed_by=agent, reason="lost job", extension_months=6, new_rate=D("0.06"), waive_penalty=True
    )
    services.restructure_review(plan=plan, reviewed_by=risk_assessor, note="ok")
    services.restructure_approve(plan=plan, approved_by=manager)
    plan.refresh_from_db()
    return plan


@time_machine.travel(TODAY)
def test_agreement_has_both_schedules_with_their_totals(agent, risk_assessor, manager, client_agent):
    plan = _approved_plan(agent, risk_assessor, manager)
    response = client_agent.post(reverse("loans:restructure_agreement", args=[plan.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "重组协议" in text or "还款方案变更协议" in text
    assert plan.loan.contract_number in text and "李娜" in text
    assert "¥6,214.50" in text  # current schedule total
    assert "¥6,255.00" in text  # new schedule total
    assert "¥4.50" in text  # penalty waived
    assert "2027年2月1日" in text  # the new schedule's last due date
    entry = AuditEntry.objects.get(action="document_issue")
    assert (entry.object_type, entry.object_id) == ("loans.restructureplan", str(plan.pk))
    assert re.search(r"CZ-20260210-[2-9A-HJ-NP-Z]{6}", text).group(0) == entry.changes["number"]


@time_machine.travel(TODAY)
def test_agreement_only_for_an_approved_plan(agent, risk_assessor, client_agent):
    loan = make_loan(principal="6000.00", annual_rate="0.12", term_months=6, method="equal_principal")
    plan = services.restructure_propose(loan=loan, proposed_by=agent, reason="x", extension_months=3)
    response = client_agent.post(reverse("loans:restructure_agreement", args=[plan.pk]), follow=True)
    assert any("approved" in str(m) for m in response.context["messages"])
    assert not AuditEntry.objects.filter(action="document_issue").exists()


@time_machine.travel(TODAY)
def test_back_office_cannot_see_the_plan_page_nor_its_agreement(agent, risk_assessor, manager, client_back_office):
    plan = _approved_plan(agent, risk_assessor, manager)
    assert client_back_office.get(reverse("loans:restructure_detail", args=[plan.pk])).status_code == 403
    assert client_back_office.post(reverse("loans:restructure_agreement", args=[plan.pk])).status_code == 403


@time_machine.travel(TODAY)
def test_plan_page_shows_the_agreement_buttons_only_when_approved(agent, risk_assessor, manager, client_agent):
    plan = _approved_plan(agent, risk_assessor, manager)
    page = client_agent.get(reverse("loans:restructure_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="restructure-agreement"' in page and 'data-testid="restructure-agreement-email"' in page
