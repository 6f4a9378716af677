"""Every reminders URL for the RBAC matrix (tests/aftersales/test_rbac.py)."""

from datetime import date

from aftersales import permissions as roles
from tests.rbac_support import ALL_ROLES, allow

REPORTS = [roles.SUPERVISOR, roles.MANAGER, roles.BACK_OFFICE]
TASK_WORKERS = [roles.AGENT, roles.SUPERVISOR, roles.MANAGER]


def _installment():
    from tests.reminders.factories import make_installment

    return make_installment(due_date=date(2026, 12, 6))


def _contact_task():
    from reminders.models import ContactDataTask
    from tests.reminders.factories import make_customer

    return ContactDataTask.objects.create(
        customer=make_customer(), reason="invalid_number", number_masked="138****0001"
    )


CASES = [
    allow("reminders:dashboard", REPORTS),
    allow("reminders:outbox", REPORTS),
    allow("reminders:contact_tasks", TASK_WORKERS),
    allow(
        "reminders:contact_task_resolve",
        TASK_WORKERS,
        args=lambda: [_contact_task().pk],
        method="post",
        ok=302,
        data={"note": "number corrected"},
    ),
    allow("reminders:loan_reminders", ALL_ROLES, args=lambda: [_installment().loan_id]),
    allow(
        "reminders:send_now",
        [roles.AGENT, roles.SUPERVISOR, roles.MANAGER],
        args=lambda: [_installment().pk],
        method="post",
        ok=302,
        data={"channel": "sms"},
    ),
]
