"""Who gets an inquiry: the one routing rule used by intake, the sweeper, follow-ups and reassignment.

Pure domain logic (no database): callers read the on-duty agents' loads once and ask this module whom to give
the work to. The rule:

- Only agents on duty (and active) are candidates; the caller passes only those.
- An agent's load is the number of open inquiries assigned to them that wait on them: not yet answered, or the
  customer wrote again (awaiting an agent). An agent whose load has reached the capacity gets nothing more.
- The least-loaded agent gets the next inquiry. Ties: the agent on duty the longest (earliest ``on_duty_since``;
  unknown counts as latest), then the smallest user id, so the choice is deterministic.
- Several inquiries at once (the sweeper) are dealt one at a time in order of urgency, each agent's load growing
  by one with each inquiry given, so they spread evenly and nobody passes the capacity.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AgentLoad:
    """One on-duty agent and how many open inquiries wait on them."""

    user_id: int
    load: int
    on_duty_since: datetime | None = None


def _key(agent: AgentLoad) -> tuple[int, bool, float, int]:
    """Least loaded, then longest on duty (unknown start last), then smallest user id."""
    since = agent.on_duty_since
    return (agent.load, since is None, since.timestamp() if since else 0.0, agent.user_id)


def agent_choose(
    agents: Iterable[AgentLoad], *, capacity: int, exclude_user_ids: Collection[int] = ()
) -> AgentLoad | None:
    """The agent who gets the next inquiry, or None when every candidate is excluded or at capacity."""
    eligible = [a for a in agents if a.user_id not in exclude_user_ids and a.load < capacity]
    return min(eligible, key=_key) if eligible else None


def assignments_plan(
    agents: Iterable[AgentLoad], count: int, *, capacity: int, exclude_user_ids: Collection[int] = ()
) -> list[int | None]:
    """User ids for `count` inquiries in order of urgency (None once nobody has room left)."""
    loads = {a.user_id: a for a in agents if a.user_id not in exclude_user_ids}
    plan: list[int | None] = []
    for _ in range(count):
        chosen = agent_choose(loads.values(), capacity=capacity)
        if chosen is None:
            plan.extend([None] * (count - len(plan)))
            break
        plan.append(chosen.user_id)
        loads[chosen.user_id] = AgentLoad(chosen.user_id, chosen.load + 1, chosen.on_duty_since)
    return plan
