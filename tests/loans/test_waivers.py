"""Fee waivers: requested by an agent (or the complaints app), decided by a manager, audit-logged."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from aftersales import permissions as roles
from aftersales.approvals import FourEyesRefused
from aftersales.models import AuditEntry, Notification
from loans import jobs, services
from loans.models import FeeCharge, FeeWaiver, Installment
from tests.loans.factories import make_loan

D = Decimal
pytestmark = pytest.mark.django_db


def _overdue_loan():
    # installment 1 overdue on 02-05: late fee 30.00 and penalty 2.00 (see test_overdue)
    loan = make_loan(
        principal="12000.00", annual_rate="0.12", term_months=12, method="equal_principal", late_fee=D("30.00")
    )
    jobs.overdue_run(date(2026, 2, 5))
    return loan


def test_request_then_manager_approval_lowers_penalty_then_fees(agent, manager, django_capture_on_commit_callbacks):
    loan = _overdue_loan()
    with django_capture_on_commit_callbacks(execute=True):
        waiver = services.fee_waiver_request(loan=loan, amount=D("12.00"), reason="hospital stay", requested_by=agent)
    assert Notification.objects.filter(recipient=manager).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.fee_waiver_approve(waiver=waiver, approved_by=manager, note="ok")
    first = Installment.objects.get(loan=loan, number=1)
    # 2.00 penalty first, then 10.00 of the 30.00 fee
    assert (first.penalty_due, first.fees_due) == (D("0.00"), D("20.00"))
    assert FeeCharge.objects.get(installment=first).waived == D("10.00")
    waiver.refresh_from_db()
    assert (waiver.status, waiver.applied_amount) == ("approved", D("12.00"))
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"fee_waiver_request", "fee_waiver_approve"} <= actions


def test_only_a_manager_decides(agent):
    loan = _overdue_loan()
    waiver = services.fee_waiver_request(loan=loan, amount=D("5.00"), reason="r", requested_by=agent)
    with pytest.raises(PermissionDenied):
        services.fee_waiver_approve(waiver=waiver, approved_by=agent)


def test_more_than_outstanding_cannot_be_requested(agent):
    loan = _overdue_loan()
    with pytest.raises(services.LoanError):
        services.fee_waiver_request(loan=loan, amount=D("32.01"), reason="r", requested_by=agent)


def test_rejection_needs_a_reason_and_changes_nothing(agent, manager):
    loan = _overdue_loan()
    waiver = services.fee_waiver_request(loan=loan, amount=D("5.00"), reason="r", requested_by=agent)
    with pytest.raises(services.LoanError):
        services.fee_waiver_reject(waiver=waiver, rejected_by=manager, note="")
    services.fee_waiver_reject(waiver=waiver, rejected_by=manager, note="not eligible")
    assert FeeWaiver.objects.get().status == "rejected"
    assert Installment.objects.get(loan=loan, number=1).penalty_due == D("2.00")


def test_pages_request_and_decide(client, agent, manager):
    loan = _overdue_loan()
    client.force_login(agent)
    response = client.post(
        reverse("loans:waiver_request", args=[loan.pk]), {"amount": "2.00", "reason": "first late payment"}
    )
    assert response.status_code == 302
    waiver = FeeWaiver.objects.get()
    client.force_login(manager)
    page = client.get(reverse("loans:waiver_list"))
    assert "first late payment" in page.content.decode()
    client.post(reverse("loans:waiver_decide", args=[waiver.pk]), {"decision": "approve"})
    waiver.refresh_from_db()
    assert waiver.status == "approved"


# ---- four eyes: whoever requested a waiver never decides it (SPEC §10) ----------------------------------


def _refusals(waiver):
    return AuditEntry.objects.filter(action="four_eyes_refused", object_id=str(waiver.pk))


def _agent_and_manager(make_staff):
    user = make_staff("both_am", roles.AGENT)
    user.groups.add(Group.objects.get(name=roles.MANAGER))
    user._portal_roles = None
    return user


def test_the_superuser_who_requested_a_waiver_cannot_approve_it(client, django_user_model, manager):
    # given the superuser requests a ¥10 waiver
    boss = django_user_model.objects.create_superuser("root_boss", "boss@example.com", "x-pass-2026")
    loan = _overdue_loan()
    waiver = services.fee_waiver_request(loan=loan, amount=D("10.00"), reason="goodwill", requested_by=boss)
    # then the service refuses both decisions, and nothing changes
    with pytest.raises(FourEyesRefused):
        services.fee_waiver_approve(waiver=waiver, approved_by=boss, note="self")
    with pytest.raises(FourEyesRefused):
        services.fee_waiver_reject(waiver=waiver, rejected_by=boss, note="self")
    # and the page hides the buttons and says why
    client.force_login(boss)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # a superuser without a staff profile reads the browser's language
    page = client.get(reverse("loans:waiver_list")).content.decode()
    assert "You requested this" in page
    assert f'action="{reverse("loans:waiver_decide", args=[waiver.pk])}"' not in page
    # and a forged POST answers 403 with the reason, audit-logged, changing nothing
    response = client.post(reverse("loans:waiver_decide", args=[waiver.pk]), {"decision": "approve"})
    assert response.status_code == 403
    assert b"You requested this" in response.content
    assert _refusals(waiver).get().changes == {"step": "fee_waiver_approve"}
    waiver.refresh_from_db()
    assert (waiver.status, waiver.decided_by) == ("requested", None)
    assert Installment.objects.get(loan=loan, number=1).penalty_due == D("2.00")
    # while another manager may decide it
    services.fee_waiver_approve(waiver=waiver, approved_by=manager, note="ok")
    waiver.refresh_from_db()
    assert (waiver.status, waiver.decided_by, waiver.applied_amount) == ("approved", manager, D("10.00"))


def test_a_user_holding_agent_and_manager_cannot_decide_their_own_request(client, make_staff):
    # given one person holding both the agent and the manager roles requests a waiver
    both = _agent_and_manager(make_staff)
    loan = _overdue_loan()
    client.force_login(both)
    client.post(reverse("loans:waiver_request", args=[loan.pk]), {"amount": "5.00", "reason": "first late payment"})
    waiver = FeeWaiver.objects.get()
    assert waiver.requested_by == both
    # when they try to reject it by a forged POST, then 403 and an audit entry
    response = client.post(reverse("loans:waiver_decide", args=[waiver.pk]), {"decision": "reject", "note": "x"})
    assert response.status_code == 403
    assert _refusals(waiver).get().changes == {"step": "fee_waiver_reject"}
    assert FeeWaiver.objects.get().status == "requested"
    with pytest.raises(FourEyesRefused):
        services.fee_waiver_approve(waiver=waiver, approved_by=both)


def test_other_rows_keep_their_buttons_for_the_requester(client, make_staff, agent):
    # given a manager-agent who requested one waiver; an agent requested another
    both = _agent_and_manager(make_staff)
    loan = _overdue_loan()
    mine = services.fee_waiver_request(loan=loan, amount=D("1.00"), reason="mine", requested_by=both)
    theirs = services.fee_waiver_request(loan=loan, amount=D("1.50"), reason="theirs", requested_by=agent)
    client.force_login(both)
    page = client.get(reverse("loans:waiver_list")).content.decode()
    assert f'action="{reverse("loans:waiver_decide", args=[theirs.pk])}"' in page
    assert f'action="{reverse("loans:waiver_decide", args=[mine.pk])}"' not in page
    assert page.count('data-testid="four-eyes"') == 1


def test_rejecting_without_a_note_shows_the_error_next_to_the_note_field(client_manager, agent):
    # given a requested waiver
    loan = _overdue_loan()
    waiver = services.fee_waiver_request(loan=loan, amount=D("5.00"), reason="r", requested_by=agent)
    # when the manager presses reject with an empty note
    response = client_manager.post(
        reverse("loans:waiver_decide", args=[waiver.pk]), {"decision": "reject", "note": " "}
    )
    # then the list comes back with the message under that row's note field, not as a banner
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="note-error"' in page and "Say why the waiver is rejected." in page
    assert f'id="note-{waiver.pk}" name="note" class="form-control is-invalid"' in page
    assert page.count("Say why the waiver is rejected.") == 1  # once, under the field: no banner
    assert FeeWaiver.objects.get().status == "requested"
