"""Callback visits: the leaders' work list (staff:callbacks) records through the complaints app's one URL and service."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from aftersales.audit import AuditEntry
from complaints.models import CallbackVisit
from complaints.services import CALLBACK_VISIT_COMPLETE
from tests.complaints.factories import make_complaint

pytestmark = pytest.mark.django_db


def _open_visit() -> CallbackVisit:
    return CallbackVisit.objects.create(complaint=make_complaint(), scheduled_for=timezone.localdate())


def test_supervisor_records_a_callback_visit(client_supervisor):
    # given an open callback visit on the supervisor's work list
    visit = _open_visit()
    page = client_supervisor.get(reverse("staff:callbacks"))
    assert visit in page.context["open"]
    # the list's form posts to the complaints app's one URL and comes back to the list
    assert reverse("complaints:callback_complete", args=[visit.pk]) in page.content.decode()
    # when the supervisor records it
    response = client_supervisor.post(
        reverse("complaints:callback_complete", args=[visit.pk]),
        {"outcome": "Refund received", "customer_satisfied": "yes", "next": reverse("staff:callbacks")},
    )
    # then it is recorded and the supervisor is back on the list
    assert response.status_code == 302 and response.url == reverse("staff:callbacks")
    visit.refresh_from_db()
    assert visit.completed_at is not None and visit.customer_satisfied is True
    # a second record is refused
    client_supervisor.post(
        reverse("complaints:callback_complete", args=[visit.pk]), {"outcome": "again", "customer_satisfied": "no"}
    )
    visit.refresh_from_db()
    assert visit.outcome == "Refund received"


def test_one_audit_action_whichever_page_records(client_supervisor):
    # given two visits, one recorded from the staff list and one from the complaint page
    from_list, from_complaint = _open_visit(), _open_visit()
    client_supervisor.post(
        reverse("complaints:callback_complete", args=[from_list.pk]),
        {"outcome": "Called back", "customer_satisfied": "yes", "next": reverse("staff:callbacks")},
    )
    response = client_supervisor.post(
        reverse("complaints:callback_complete", args=[from_complaint.pk]),
        {"outcome": "No answer twice", "customer_satisfied": ""},
    )
    # then the complaint page is where the second one comes back to, with "satisfied" unknown
    assert response.url == from_complaint.complaint.get_absolute_url()
    from_complaint.refresh_from_db()
    assert from_complaint.customer_satisfied is None
    # and both wrote the same audit action, on their complaint
    entries = AuditEntry.objects.filter(action=CALLBACK_VISIT_COMPLETE).order_by("id")
    assert [e.object_id for e in entries] == [str(from_list.complaint_id), str(from_complaint.complaint_id)]
    assert not AuditEntry.objects.filter(action="callback_visit_complete").exists()


def test_next_pointing_elsewhere_is_ignored(client_supervisor):
    visit = _open_visit()
    response = client_supervisor.post(
        reverse("complaints:callback_complete", args=[visit.pk]),
        {"outcome": "Fine", "customer_satisfied": "yes", "next": "https://evil.example/"},
    )
    assert response.url == visit.complaint.get_absolute_url()


def test_the_old_staff_record_url_is_gone():
    with pytest.raises(NoReverseMatch):
        reverse("staff:callback_record", args=[1])
