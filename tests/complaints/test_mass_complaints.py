"""Mass-complaint detection: the 5th complaint in a group within 24 hours raises one incident; later ones join it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.models import Notification
from complaints.models import Incident
from tests.complaints.factories import make_complaint, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def window(settings):
    settings.COMPLAINT_MASS_THRESHOLD = 5
    settings.COMPLAINT_MASS_WINDOW_HOURS = 24


def test_fifth_complaint_in_a_category_raises_exactly_one_incident_and_the_sixth_joins(
    window, manager, django_capture_on_commit_callbacks
):
    now = timezone.now()
    # given: four fee complaints within the last 20 hours, one older than the window
    make_complaint(category="fees", received_at=now - timedelta(hours=30))
    for hours in (20, 10, 5, 1):
        make_complaint(category="fees", received_at=now - timedelta(hours=hours))
    assert Incident.objects.count() == 0
    # when: the fifth arrives
    with django_capture_on_commit_callbacks(execute=True):
        fifth = make_complaint(category="fees", received_at=now)
    # then: exactly one incident with those five complaints (not the old one); managers alerted once
    incident = Incident.objects.get()
    assert incident.kind == Incident.Kind.MASS_COMPLAINT
    assert incident.status == Incident.Status.OPEN
    assert incident.complaints.count() == 5
    assert fifth in incident.complaints.all()
    assert Notification.objects.filter(recipient=manager, link=incident.get_absolute_url()).count() == 1
    # when: the sixth arrives
    sixth = make_complaint(category="fees", received_at=now + timedelta(minutes=5))
    # then: it joins the same incident, no second incident
    assert Incident.objects.count() == 1
    assert incident.complaints.count() == 6 and sixth in incident.complaints.all()
    assert incident.entries.filter(text__contains=sixth.reference).exists()


def test_other_categories_do_not_count_together(window):
    now = timezone.now()
    for category in ("fees", "privacy", "service_attitude", "collection_conduct", "other"):
        make_complaint(category=category, received_at=now)
    assert Incident.objects.count() == 0


def test_five_complaints_about_one_product_in_different_categories_raise_one_incident(window):
    product = make_product()
    now = timezone.now()
    for category in ("fees", "privacy", "service_attitude", "collection_conduct", "other"):
        make_complaint(category=category, product=product, received_at=now)
    incident = Incident.objects.get()
    assert incident.trigger_key == f"product:{product.pk}"
    assert incident.complaints.count() == 5


def test_open_incident_shows_a_banner_on_every_page(window, client_agent):
    for _ in range(5):
        make_complaint(category="fees")
    incident = Incident.objects.get()
    response = client_agent.get("/complaints/")
    assert incident.reference in response.content.decode()
    # when resolved, the banner goes
    from complaints.services import incident_resolve

    incident_resolve(incident=incident, actor=None, note="Fee rule fixed")
    assert incident.reference not in client_agent.get("/complaints/").content.decode()


def test_five_fee_complaints_about_one_product_raise_one_incident_not_two(window):
    product = make_product()
    now = timezone.now()
    for _ in range(5):
        make_complaint(category="fees", product=product, received_at=now)
    incident = Incident.objects.get()
    assert incident.complaints.count() == 5
