"""Performance scoring: weights sum to 100, grade bands, monthly reviews, sign-off locks them."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aftersales import permissions as roles
from aftersales.models import AuditEntry
from staff import reviews
from staff.models import GradeBand, KpiWeight, PerformanceReview
from tests.staff.builders import at, inquiry

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)


def scoring_post(**weights):
    data = {
        f"w_{k}": v for k, v in {"sla": 40, "resolution": 20, "complaint_timeliness": 10, "csat": 10, "qa": 20}.items()
    }
    data.update({f"w_{k}": v for k, v in weights.items()})
    data.update(
        {
            "min_A": 90,
            "coef_A": "1.2",
            "min_B": 75,
            "coef_B": "1.0",
            "min_C": 60,
            "coef_C": "0.9",
            "min_D": 0,
            "coef_D": "0.8",
        }
    )
    return data


def test_weights_must_sum_to_100():
    with pytest.raises(ValidationError):
        reviews.validate_weights({"sla": Decimal(50), "qa": Decimal(40)})
    with pytest.raises(ValidationError):
        reviews.validate_weights({"sla": Decimal(60), "inquiries_handled": Decimal(40)})  # not scoreable
    reviews.validate_weights({"sla": Decimal("50.5"), "qa": Decimal("49.5")})


def test_bands_must_fall_from_a_to_d():
    with pytest.raises(ValidationError):
        reviews.validate_bands({"A": (70, 1), "B": (75, 1), "C": (60, 1), "D": (0, 1)})
    with pytest.raises(ValidationError):
        reviews.validate_bands({"A": (90, 1), "B": (75, 1), "C": (60, 1), "D": (10, 1)})


def test_manager_sets_weights_and_a_wrong_sum_is_refused(client_manager):
    response = client_manager.post(reverse("staff:scoring"), scoring_post(sla=30))  # sums to 90
    assert response.status_code == 200
    assert "100%" in response.content.decode()
    assert not KpiWeight.objects.exists()
    response = client_manager.post(reverse("staff:scoring"), scoring_post())
    assert response.status_code == 302
    assert dict(KpiWeight.objects.values_list("kpi", "weight"))["sla"] == Decimal(40)
    assert GradeBand.objects.get(grade="A").pay_coefficient == Decimal("1.20")


@pytest.fixture
def october_review(make_staff, manager):
    alice = make_staff("alice", roles.AGENT)
    for i in range(7):
        inquiry(received_at=at(2026, 10, 2 + i), assigned_to=alice, response_minutes=3)
    inquiry(received_at=at(2026, 10, 20), assigned_to=alice, response_minutes=30)
    reviews.reviews_generate(month=OCTOBER, actor=manager)
    return PerformanceReview.objects.get(staff=alice, month=OCTOBER)


def test_review_score_grade_and_coefficient(october_review):
    # only SLA (87.5) and resolution (0 of 8 resolved = 0) have data: (30*87.5 + 20*0) / 50 = 52.5 -> D
    assert october_review.kpis["sla"] == "87.5"
    assert october_review.score == Decimal("52.50")
    assert (october_review.grade, october_review.pay_coefficient) == ("D", Decimal("0.80"))


def test_signed_review_is_locked(october_review, manager, supervisor, client):
    # given: commented by the supervisor, signed off by a manager
    reviews.review_comment(review=october_review, comment="Solid month", actor=supervisor)
    reviews.review_sign_off(review=october_review, actor=manager)
    # when / then: no comment change, no second sign-off, no recomputation
    with pytest.raises(reviews.ReviewLocked):
        reviews.review_comment(review=october_review, comment="changed", actor=supervisor)
    with pytest.raises(reviews.ReviewLocked):
        reviews.review_sign_off(review=october_review, actor=manager)
    inquiry(received_at=at(2026, 10, 21), assigned_to=october_review.staff, response_minutes=3)
    reviews.reviews_generate(month=OCTOBER, actor=manager)
    client.force_login(manager)
    response = client.post(reverse("staff:review_comment", args=[october_review.pk]), {"comment": "via the page"})
    assert response.status_code == 302
    october_review.refresh_from_db()
    assert october_review.supervisor_comment == "Solid month"
    assert october_review.score == Decimal("52.50")
    assert october_review.status == PerformanceReview.Status.SIGNED
    actions = list(AuditEntry.objects.filter(object_id=str(october_review.pk)).values_list("action", flat=True))
    assert "review_sign_off" in actions and "review_edit_refused" in actions


def test_payroll_export_lists_signed_reviews(october_review, make_staff, manager, client_manager):
    bob = make_staff("bob", roles.AGENT)
    PerformanceReview.objects.create(staff=bob, month=OCTOBER)  # unsigned: not for payroll
    reviews.review_sign_off(review=october_review, actor=manager)
    response = client_manager.get(reverse("staff:reviews_export"), {"month": "2026-10", "format": "csv"})
    lines = response.getvalue().decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("alice,") and ",D,0.8," in lines[1]


def test_supervisor_comments_through_the_page(october_review, client, supervisor):
    from org.models import Department, StaffProfile, Team

    team = Team.objects.create(
        name="A", department=Department.objects.create(code="s", name="S"), supervisor=supervisor
    )
    StaffProfile.objects.filter(user=october_review.staff).update(team=team)
    client.force_login(supervisor)
    response = client.post(reverse("staff:review_comment", args=[october_review.pk]), {"comment": "Keep going"})
    assert response.status_code == 302
    october_review.refresh_from_db()
    assert october_review.supervisor_comment == "Keep going"
    # a supervisor cannot sign off
    assert client.post(reverse("staff:review_sign_off", args=[october_review.pk])).status_code == 403
