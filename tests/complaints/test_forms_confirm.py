"""Irreversible complaint actions ask first, and no link leads to a page the viewer's role cannot open (#17)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from complaints.services import incident_open
from tests.complaints.factories import make_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint_in_incident():
    complaint = make_complaint()
    incident = incident_open(kind="mass_complaint", title="Fees charged twice")
    complaint.incidents.add(incident)
    return complaint, incident


def _page(user, complaint) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("complaints:detail", args=[complaint.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_agent_sees_the_incident_reference_without_a_link(agent, complaint_in_incident):
    complaint, incident = complaint_in_incident
    page = _page(agent, complaint)
    assert reverse("complaints:incident_detail", args=[incident.pk]) not in page
    assert incident.reference in page


def test_a_supervisor_gets_the_link(supervisor, complaint_in_incident):
    complaint, incident = complaint_in_incident
    assert reverse("complaints:incident_detail", args=[incident.pk]) in _page(supervisor, complaint)


def test_escalating_to_legal_asks_first(agent, complaint_in_incident):
    complaint, _incident = complaint_in_incident
    page = _page(agent, complaint)
    form_start = page.index(reverse("complaints:escalate_legal", args=[complaint.pk]))
    assert "data-confirm=" in page[form_start : page.index(">", form_start)]
