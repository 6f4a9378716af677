"""Demo data: about three inquiries per customer, idempotent, with breaches, live ones and resolved ones."""

import io

import pytest
from django.utils import timezone

from aftersales.demo import DemoContext, seed_staff
from inquiries import demo
from inquiries.models import CannedReply, Inquiry, InquiryMessage
from tests.inquiries.factories import make_customer

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_realistic():
    # given staff and 40 customers
    ctx = DemoContext(customers=40, stdout=io.StringIO())
    seed_staff(ctx)
    for _ in range(40):
        make_customer()
    # when the demo is seeded twice
    demo.seed(ctx)
    demo.seed(ctx)
    # then 120 inquiries exist once, with threads, breaches, live unanswered ones and resolved ones
    assert Inquiry.objects.count() == 120
    assert InquiryMessage.objects.count() >= 120
    assert Inquiry.objects.filter(sla_met=False).exists()
    live = Inquiry.objects.filter(
        first_responded_at__isnull=True, received_at__gte=timezone.now() - timezone.timedelta(minutes=15)
    )
    assert live.count() >= 12
    resolved = Inquiry.objects.filter(status="resolved")
    assert resolved.exists() and not resolved.filter(resolved_by__isnull=True).exists()
    assert Inquiry.objects.filter(assigned_to__username__in=demo.AGENTS).exists()
    assert Inquiry.objects.filter(customer__isnull=False).count() > 90
    assert len(set(Inquiry.objects.values_list("channel", flat=True))) == 4
    assert CannedReply.objects.filter(language="zh-hans").count() == 3
