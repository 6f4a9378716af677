"""The staff WebSocket (#16): only signed-in staff connect; events reach exactly the addressed screens."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from aftersales.consumers import StaffConsumer
from aftersales.live import push_to_agents, push_to_staff
from tests.async_support import run_async

pytestmark = pytest.mark.django_db(transaction=True)


def _connect(user):
    communicator = WebsocketCommunicator(StaffConsumer.as_asgi(), "/ws/staff/")
    communicator.scope["user"] = user
    connected, code = run_async(communicator.connect)
    return communicator, connected, code


def test_anonymous_and_non_staff_are_refused(django_user_model):
    _, connected, code = _connect(AnonymousUser())
    assert (connected, code) == (False, 4401)
    customer_like = django_user_model.objects.create_user("outsider", password="x")
    _, connected, code = _connect(customer_like)
    assert (connected, code) == (False, 4403)


async def _scenario(listeners, push):
    """Connect every listener, push once (from sync code, as a view or task does), return what each received."""
    communicators = []
    for user in listeners:
        communicator = WebsocketCommunicator(StaffConsumer.as_asgi(), "/ws/staff/")
        communicator.scope["user"] = user
        connected, _ = await communicator.connect()
        assert connected
        communicators.append(communicator)
    await sync_to_async(push)()
    received = []
    for communicator in communicators:
        received.append(
            None if await communicator.receive_nothing(timeout=0.3) else await communicator.receive_json_from()
        )
        await communicator.disconnect()
    return received


def test_push_reaches_the_addressed_person_only(make_staff):
    one = make_staff("live_one", "agent", on_duty=True)
    other = make_staff("live_other", "agent", on_duty=True)
    event = {"type": "call", "reference": "INQ-1"}
    got = run_async(_scenario, [one, other], lambda: push_to_staff(one.pk, event))
    assert got == [event, None]


def test_agents_group_excludes_back_office(make_staff):
    agent = make_staff("live_agent", "agent", on_duty=True)
    office = make_staff("live_office", "back_office")
    got = run_async(_scenario, [agent, office], lambda: push_to_agents({"type": "queue"}))
    assert got == [{"type": "queue"}, None]
