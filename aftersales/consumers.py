"""The staff WebSocket (#16): a signed-in staff member's screens receive the events of `aftersales.live`."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from aftersales.live import AGENTS_GROUP, staff_group
from aftersales.permissions import AGENT, STAFF_ROLES, SUPERVISOR, has_role


@database_sync_to_async
def _roles_of(user) -> tuple[bool, bool]:
    return has_role(user, *STAFF_ROLES), has_role(user, AGENT, SUPERVISOR)


class StaffConsumer(AsyncJsonWebsocketConsumer):
    """Joins the user's own group (and the agents' group for agents and supervisors); refuses anyone else."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        is_staff, is_agent = await _roles_of(user)
        if not is_staff:
            await self.close(code=4403)
            return
        self.groups_joined = [staff_group(user.pk)] + ([AGENTS_GROUP] if is_agent else [])
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        """Staff screens only listen; anything they send is ignored."""

    async def staff_event(self, message):
        await self.send_json(message["event"])
