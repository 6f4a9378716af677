"""Chat ratings count in CSAT (#16): beside the satisfaction surveys, credited to the agent who held the chat."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from aftersales import permissions as roles
from livechat.models import ChatSession
from staff import kpi as kpis
from staff import rollup
from tests.livechat.factories import make_chat
from tests.reminders.factories import make_customer
from tests.staff.builders import at, survey

pytestmark = pytest.mark.django_db

NOVEMBER = kpis.Period.month(date(2026, 11, 15))


def _rated_chat(*, agent, rating, rated_at):
    session = make_chat()
    ChatSession.objects.filter(pk=session.pk).update(claimed_by=agent, rating=rating, rated_at=rated_at, state="ended")
    return session


def _csat(username):
    row = next(r for r in kpis.kpi_report(period=NOVEMBER).rows if r.username == username)
    return row.figures.value("csat"), row.figures.count("csat")


@pytest.mark.parametrize("rolled_up", [False, True], ids=["live", "rolled-up"])
def test_chat_ratings_join_the_surveys_in_csat(make_staff, rolled_up):
    # given alice with two surveys (5, 3) and two rated chats (4, 2) in November, one chat rated in October
    alice = make_staff("alice", roles.AGENT, on_duty=True)
    customer = make_customer()
    survey(staff=alice, rating=5, answered_at=at(2026, 11, 10), customer=customer)
    survey(staff=alice, rating=3, answered_at=at(2026, 11, 11), customer=customer)
    _rated_chat(agent=alice, rating=4, rated_at=at(2026, 11, 12))
    _rated_chat(agent=alice, rating=2, rated_at=at(2026, 11, 20))
    _rated_chat(agent=alice, rating=1, rated_at=at(2026, 10, 20))
    _rated_chat(agent=None, rating=5, rated_at=at(2026, 11, 21))  # nobody held it: the service's figure only
    with time_machine.travel("2026-12-02 12:00 +0800", tick=False):
        if rolled_up:
            rollup.rollup_rebuild(days_back=60)
        # when
        value, count = _csat("alice")
        total = kpis.kpi_report(period=NOVEMBER).total
    # then (5 + 3 + 4 + 2) / 4 for alice; the service adds the unattributed 5: 19 / 5
    assert (value, count) == (Decimal("3.50"), 4)
    assert total.values()["csat"] == Decimal("3.80")
