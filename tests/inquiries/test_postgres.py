"""Claiming under real concurrency (PostgreSQL): two agents, one inquiry, exactly one owner."""

import threading

import pytest
from django.db import connection, connections

from inquiries import services
from inquiries.models import Inquiry
from tests.inquiries.factories import make_inquiry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_threads_claiming_at_once_leave_exactly_one_owner(make_staff):
    # given one unassigned inquiry and two agents
    first = make_staff("race_a", "agent", on_duty=True)
    second = make_staff("race_b", "agent", on_duty=True)
    for round_no in range(10):
        inquiry = make_inquiry(minutes_ago=1)
        barrier = threading.Barrier(2)
        outcome = {}

        def claim(user):
            try:
                barrier.wait()
                services.inquiry_claim(inquiry=Inquiry.objects.get(pk=inquiry.pk), user=user)
                outcome[user.username] = "won"
            except services.ClaimLost as lost:
                outcome[user.username] = ("lost", lost.owner.username)
            finally:
                connections.close_all()

        # when both claim at the same moment from their own connections
        threads = [threading.Thread(target=claim, args=(u,)) for u in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        # then one won, the other was told who did, and the row names the winner
        winners = [name for name, result in outcome.items() if result == "won"]
        assert len(winners) == 1, (round_no, outcome)
        loser = next(name for name in outcome if name not in winners)
        assert outcome[loser] == ("lost", winners[0])
        inquiry.refresh_from_db()
        assert inquiry.assigned_to.username == winners[0]
    assert connection.vendor == "postgresql"
