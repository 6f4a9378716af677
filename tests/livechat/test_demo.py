"""Demo chats: four finished (answered, rated, linked to demo customers) and one waiting; idempotent."""

import io

import pytest

from aftersales.demo import DemoContext, seed_staff
from inquiries.models import Inquiry
from livechat import demo
from livechat.models import ChatSession
from tests.inquiries.factories import make_customer

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_realistic():
    # given staff and a few customers
    ctx = DemoContext(customers=6, stdout=io.StringIO())
    seed_staff(ctx)
    for _ in range(6):
        make_customer()
    # when the demo is seeded twice
    demo.seed(ctx)
    demo.seed(ctx)
    # then five chats exist once: four ended and rated, one waiting in the queue
    assert ChatSession.objects.count() == 5
    assert sorted(ChatSession.objects.values_list("state", flat=True)) == ["ended"] * 4 + ["waiting"]
    assert sorted(ChatSession.objects.exclude(rating=None).values_list("rating", flat=True)) == [3, 4, 5, 5]
    chats = Inquiry.objects.filter(channel="chat")
    assert chats.count() == 5 and chats.filter(customer__isnull=False).count() == 5
    finished = chats.filter(status="resolved")
    # answered after 25, 48 and 35 s (met) and 80 s (breached: the 60-second rule)
    assert sorted(finished.values_list("sla_met", flat=True)) == [False, True, True, True]
    assert chats.filter(status="new", assigned_to=None, first_responded_at=None).count() == 1
    waiting = ChatSession.objects.get(state="waiting").inquiry
    assert (waiting.first_response_due - waiting.received_at).total_seconds() == 60
