"""What other apps may use of the inquiries app besides its models, services and selectors: the side panel's
registry. Apps above inquiries (complaints) provide their part of the agent's side panel by registering here from
their AppConfig.ready(); this module imports no models, so it can be imported at the top of an apps.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

OpenComplaintsSource = Callable[..., list[Any]]
_open_complaints_sources: dict[str, OpenComplaintsSource] = {}


def register_side_panel_complaints(source: OpenComplaintsSource) -> OpenComplaintsSource:
    """Register source(customer_id=, limit=) -> a customer's open complaints; registering it again changes nothing."""
    _open_complaints_sources[f"{source.__module__}.{source.__qualname__}"] = source
    return source


def side_panel_complaints_sources() -> list[OpenComplaintsSource]:
    """The registered sources of open complaints (none until complaints registers)."""
    return list(_open_complaints_sources.values())
