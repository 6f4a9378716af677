"""Every loans URL, as anonymous and as each role (tests/aftersales/test_rbac.py runs these)."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from aftersales import permissions as roles
from tests.rbac_support import ALL_ROLES, allow

STAFF = ALL_ROLES
FRONT_LINE = sorted(roles.FRONT_LINE)
FINANCE = [roles.MANAGER, roles.BACK_OFFICE]


def _loan():
    from tests.loans.factories import make_loan

    return make_loan(first_due_date=date(2026, 2, 1))


def _loan_id():
    return [_loan().pk]


def _repayment_id():
    from loans import services

    loan = _loan()
    repayment = services.repayment_post(
        loan=loan, amount=Decimal("10.00"), received_at=timezone.now(), channel="app", external_id=f"RBAC-{loan.pk}"
    )
    return [repayment.pk]


def _waiver_id():
    from loans.models import FeeWaiver

    return [FeeWaiver.objects.create(loan=_loan(), amount=Decimal("1.00"), reason="rbac").pk]


def _plan_id():
    from loans.models import RestructurePlan

    return [RestructurePlan.objects.create(loan=_loan(), extension_months=3, reason="rbac").pk]


CASES = [
    allow("loans:list", STAFF),
    allow("loans:detail", STAFF, args=_loan_id),
    allow("loans:create", [roles.BACK_OFFICE]),
    allow("loans:repayment_post", [roles.BACK_OFFICE], args=_loan_id),
    allow("loans:settle", [roles.BACK_OFFICE], args=_loan_id),
    allow(
        "loans:repayment_reverse",
        [roles.BACK_OFFICE],
        args=_repayment_id,
        method="post",
        ok=302,
        data={"reason": "rbac"},
    ),
    allow("loans:waiver_list", [roles.AGENT, roles.SUPERVISOR, roles.MANAGER]),
    allow("loans:waiver_request", [roles.AGENT, roles.SUPERVISOR], args=_loan_id),
    allow(
        "loans:waiver_decide",
        [roles.MANAGER],
        args=_waiver_id,
        method="post",
        ok=302,
        data={"decision": "reject", "note": "rbac"},
    ),
    allow("loans:restructure_list", FRONT_LINE),
    allow("loans:restructure_new", [roles.AGENT], args=_loan_id),
    allow("loans:restructure_detail", FRONT_LINE, args=_plan_id),
    allow(
        "loans:restructure_review", [roles.RISK_ASSESSOR], args=_plan_id, method="post", ok=302, data={"note": "rbac"}
    ),
    allow("loans:restructure_approve", [roles.MANAGER], args=_plan_id, method="post", ok=302),
    allow("loans:restructure_accept", [roles.AGENT], args=_plan_id, method="post", ok=302, data={"note": "rbac"}),
    allow(
        "loans:restructure_reject",
        [roles.RISK_ASSESSOR, roles.MANAGER],
        args=_plan_id,
        method="post",
        ok=302,
        data={"note": "x"},
    ),
    allow("loans:review_queue", [roles.RISK_ASSESSOR, roles.MANAGER]),
    allow("loans:review_queue_xlsx", [roles.RISK_ASSESSOR, roles.MANAGER]),
    allow("loans:review_new", [roles.RISK_ASSESSOR], args=_loan_id),
    allow("loans:revenue_report", FINANCE),
    allow("loans:revenue_csv", FINANCE),
    allow("loans:reconciliation", FINANCE),
    # documents and exports (#17): issuing is a POST; an open loan / a proposed plan is refused back to its page
    allow("loans:list_xlsx", STAFF),
    allow("loans:settlement_certificate", STAFF, args=_loan_id, method="post", ok=302),
    allow("loans:restructure_agreement", FRONT_LINE, args=_plan_id, method="post", ok=302),
]
