"""Demo data: every state, one mass-complaint incident with its complaints, feedback records; a second run adds nothing."""

import io

import pytest

from aftersales.demo import DemoContext, seed_staff
from complaints import demo
from complaints.models import Complaint, ContingencyPlan, Drill, ImprovementAction, Incident, Suggestion

pytestmark = pytest.mark.django_db


def test_seed_covers_every_state_and_is_idempotent():
    ctx = DemoContext(customers=300, stdout=io.StringIO())
    seed_staff(ctx)
    # when
    demo.seed(ctx)
    counts = (Complaint.objects.count(), Suggestion.objects.count(), ImprovementAction.objects.count())
    demo.seed(ctx)
    # then
    assert {s for s, _ in Complaint.Status.choices} == set(Complaint.objects.values_list("status", flat=True))
    mass = Incident.objects.get(kind=Incident.Kind.MASS_COMPLAINT)
    assert mass.status == "open" and mass.complaints.count() == 6
    assert ContingencyPlan.objects.exists() and Drill.objects.exists()
    assert ImprovementAction.objects.filter(suggestions__isnull=False).exists()
    assert (Complaint.objects.count(), Suggestion.objects.count(), ImprovementAction.objects.count()) == counts
