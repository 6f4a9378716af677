"""Mass-complaint incidents come from verified complaints only: a stranger with the public form cannot raise one.

An anonymous complaint from the public online form counts once it is matched to a customer or acknowledged by
an agent (COMPLAINT_MASS_COUNT_UNVERIFIED=False, the default).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.models import Notification
from complaints import services
from complaints.models import Complaint, Incident
from tests.complaints.factories import make_complaint, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def window(settings):
    settings.COMPLAINT_MASS_THRESHOLD = 5
    settings.COMPLAINT_MASS_WINDOW_HOURS = 24
    settings.COMPLAINT_MASS_COUNT_UNVERIFIED = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "mass"}}
    from django.core.cache import cache

    cache.clear()  # the public form's own per-address counter


def public_complaint(client, n: int, phone: str = "") -> Complaint:
    """One complaint through the real public form, each from its own address (the form limits 5 per address)."""
    data = {
        "contact_name": f"Visitor {n}",
        "contact_phone": phone or f"139{n:08d}",
        "category": "fees",
        "summary": "Charged twice",
        "description": "The fee was taken twice",
        "website": "",
    }
    response = client.post(reverse("complaints:public_new"), data, REMOTE_ADDR=f"10.20.0.{n}")
    assert response.status_code == 200
    return Complaint.objects.order_by("-id").first()


def test_anonymous_public_complaints_raise_no_incident(window, client, manager, django_capture_on_commit_callbacks):
    # when a stranger sends six fee complaints through the public form within minutes
    with django_capture_on_commit_callbacks(execute=True):
        complaints = [public_complaint(client, n) for n in range(1, 7)]
    # then they are recorded, but no incident is raised and no manager is alerted
    assert len({c.pk for c in complaints}) == 6
    assert all(c.customer_id is None and c.created_by_id is None for c in complaints)
    assert Incident.objects.count() == 0
    assert not Notification.objects.filter(recipient=manager).exists()


def test_acknowledged_public_complaints_count(window, client, agent, manager, django_capture_on_commit_callbacks):
    # given six anonymous public fee complaints
    complaints = [public_complaint(client, n) for n in range(1, 7)]
    # when an agent acknowledges four of them: still under the threshold
    for complaint in complaints[:4]:
        services.complaint_acknowledge(complaint=complaint, actor=agent, send_notice=False)
    assert Incident.objects.count() == 0
    # when the fifth is acknowledged
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_acknowledge(complaint=complaints[4], actor=agent, send_notice=False)
    # then one incident holds exactly the five accepted complaints (not the sixth), and managers are alerted
    incident = Incident.objects.get()
    assert set(incident.complaints.values_list("pk", flat=True)) == {c.pk for c in complaints[:5]}
    assert Notification.objects.filter(recipient=manager, link=incident.get_absolute_url()).count() == 1
    # and the sixth joins once it is acknowledged too
    services.complaint_acknowledge(complaint=complaints[5], actor=agent, send_notice=False)
    assert Incident.objects.count() == 1 and incident.complaints.count() == 6


def test_public_complaints_matched_to_customers_by_staff_count(window, client, agent):
    complaints = [public_complaint(client, n) for n in range(1, 6)]
    for complaint in complaints[:4]:
        services.complaint_update(complaint=complaint, actor=agent, customer=make_customer())
    assert Incident.objects.count() == 0
    services.complaint_update(complaint=complaints[4], actor=agent, customer=make_customer())
    assert Incident.objects.get().complaints.count() == 5


def test_a_known_customers_number_typed_five_times_counts_once(window, client):
    # given four staff-recorded fee complaints today
    for _ in range(4):
        make_complaint(category="fees")
    # when a stranger sends five public complaints giving one real customer's mobile number
    customer = make_customer(mobile="+8613912345678")
    complaints = [public_complaint(client, n, phone="139 1234 5678") for n in range(1, 6)]
    assert {c.customer_id for c in complaints} == {customer.pk}  # matched by the number typed
    # then together they count as one: 4 + 1 = 5 raises the incident, with the first of them only
    incident = Incident.objects.get()
    assert incident.complaints.filter(source="online").count() == 1
    assert incident.complaints.count() == 5


def test_four_staff_recorded_and_many_anonymous_stay_under_the_threshold(window, client):
    for _ in range(4):
        make_complaint(category="fees")
    for n in range(1, 6):
        public_complaint(client, n)
    assert Incident.objects.count() == 0


def test_the_setting_counts_unverified_complaints_at_once(window, client, settings):
    settings.COMPLAINT_MASS_COUNT_UNVERIFIED = True
    for n in range(1, 6):
        public_complaint(client, n)
    assert Incident.objects.get().complaints.count() == 5
