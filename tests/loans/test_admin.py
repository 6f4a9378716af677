"""Back-office admin: every loans model lists with its filters; money records are read-only."""

import pytest
from django.urls import reverse

from loans import jobs
from loans.models import Loan
from tests.loans.factories import make_loan

pytestmark = pytest.mark.django_db

MODELS = [
    "product",
    "loan",
    "installment",
    "contractclause",
    "feecharge",
    "repayment",
    "allocation",
    "feewaiver",
    "restructureplan",
    "loanreview",
]


def test_every_model_lists_and_the_loan_page_opens(admin_client):
    from datetime import date

    loan = make_loan(late_fee="20.00")
    jobs.overdue_run(date(2026, 3, 1))
    for model in MODELS:
        response = admin_client.get(reverse(f"admin:loans_{model}_changelist"))
        assert response.status_code == 200, model
    assert admin_client.get(reverse("admin:loans_loan_change", args=[loan.pk])).status_code == 200
    assert admin_client.get(reverse("admin:loans_loan_changelist"), {"bucket__exact": "M1"}).status_code == 200
    # money records cannot be added or edited in the admin
    assert admin_client.get(reverse("admin:loans_repayment_add")).status_code == 403
    assert admin_client.post(reverse("admin:loans_loan_change", args=[loan.pk]), {"principal": "1"}).status_code == 403
    assert Loan.objects.get(pk=loan.pk).principal != 1
