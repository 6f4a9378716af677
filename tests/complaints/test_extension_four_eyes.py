"""Four eyes on complaint deadline extensions: the complaint's own handler never extends it, superusers included."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.approvals import REASON_HANDLER
from aftersales.models import AuditEntry
from complaints import services
from complaints.models import DeadlineExtension
from tests.complaints.factories import make_complaint

pytestmark = pytest.mark.django_db

REASON = "Waiting for the collection agency's call recordings"


def refusals(complaint):
    return AuditEntry.objects.filter(action="four_eyes_refused", object_id=str(complaint.pk))


def test_the_handler_sees_why_and_no_button(client, supervisor, make_staff):
    # given a complaint handled by the supervisor
    complaint = make_complaint(assigned_to=supervisor)
    client.force_login(supervisor)
    # when the supervisor opens it
    page = client.get(complaint.get_absolute_url())
    body = page.content.decode()
    # then the extension form is not offered, and the page says why
    assert page.status_code == 200
    assert 'data-testid="extend-form"' not in body
    assert 'data-testid="four-eyes"' in body
    assert str(REASON_HANDLER) in body
    # and another supervisor gets the form and no such warning
    colleague = make_staff("supervisor_t", "supervisor")
    client.force_login(colleague)
    body = client.get(complaint.get_absolute_url()).content.decode()
    assert 'data-testid="extend-form"' in body and 'data-testid="four-eyes"' not in body


def test_a_forged_post_by_the_handler_is_refused_with_403_and_audited(client, supervisor):
    complaint = make_complaint(assigned_to=supervisor)
    before = complaint.decision_due
    client.force_login(supervisor)
    response = client.post(reverse("complaints:extend", args=[complaint.pk]), {"reason": REASON})
    # then 403 with the reason, nothing extended, no notice to the customer, and one refusal in the audit log
    assert response.status_code == 403
    assert str(REASON_HANDLER) in response.content.decode()
    complaint.refresh_from_db()
    assert (complaint.extension_level, complaint.decision_due) == (0, before)
    assert not DeadlineExtension.objects.filter(complaint=complaint).exists()
    assert not complaint.notices.filter(kind="extension").exists()
    refusal = refusals(complaint).get()
    assert (refusal.actor, refusal.changes, refusal.reason) == (
        supervisor,
        {"step": "complaint_extend"},
        str(REASON_HANDLER),
    )
    assert not AuditEntry.objects.filter(action="complaint_extend").exists()


def test_a_superuser_who_handles_the_complaint_is_refused_too(client, django_user_model, make_staff):
    boss = django_user_model.objects.create_superuser("root_boss", "boss@example.com", "x-pass-2026")
    complaint = make_complaint(assigned_to=boss)
    client.force_login(boss)
    body = client.get(complaint.get_absolute_url()).content.decode()
    assert 'data-testid="extend-form"' not in body and str(REASON_HANDLER) in body
    assert client.post(reverse("complaints:extend", args=[complaint.pk]), {"reason": REASON}).status_code == 403
    complaint.refresh_from_db()
    assert complaint.extension_level == 0
    assert refusals(complaint).get().actor == boss
    # the second level is refused for a handling superuser too (after someone else gave the first)
    colleague = make_staff("supervisor_t", "supervisor")
    services.complaint_extend(complaint=complaint, actor=colleague, reason=REASON)
    assert client.post(reverse("complaints:extend", args=[complaint.pk]), {"reason": "More"}).status_code == 403
    complaint.refresh_from_db()
    assert complaint.extension_level == 1
    assert refusals(complaint).count() == 2


def test_someone_else_extends_and_the_handler_change_is_respected(client, supervisor, manager, make_staff):
    # given a complaint handled by the supervisor, extended by another supervisor
    complaint = make_complaint(assigned_to=supervisor)
    colleague = make_staff("supervisor_t", "supervisor")
    client.force_login(colleague)
    assert client.post(reverse("complaints:extend", args=[complaint.pk]), {"reason": REASON}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.extension_level == 1
    assert DeadlineExtension.objects.get(complaint=complaint).granted_by == colleague
    # when the complaint is handed to the manager, the manager may not give the second extension
    services.complaint_assign(complaint=complaint, assignee=manager, actor=supervisor)
    client.force_login(manager)
    assert (
        client.post(reverse("complaints:extend", args=[complaint.pk]), {"reason": "External audit"}).status_code == 403
    )
    # but once it is back with the supervisor, the manager may
    services.complaint_assign(complaint=complaint, assignee=supervisor, actor=manager)
    assert (
        client.post(reverse("complaints:extend", args=[complaint.pk]), {"reason": "External audit"}).status_code == 302
    )
    complaint.refresh_from_db()
    assert complaint.extension_level == 2


def test_the_service_refuses_the_handler_whatever_calls_it(supervisor):
    from aftersales.approvals import FourEyesRefused

    complaint = make_complaint(assigned_to=supervisor)
    with pytest.raises(FourEyesRefused):
        services.complaint_extend(complaint=complaint, actor=supervisor, reason=REASON)
    complaint.refresh_from_db()
    assert complaint.extension_level == 0
