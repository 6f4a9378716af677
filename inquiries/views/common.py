"""What the inquiry pages share: who may do what."""

from __future__ import annotations

from aftersales import permissions as roles

WORKERS = tuple(roles.FRONT_LINE)  # may read and work inquiries
LOGGERS = (roles.AGENT, roles.SUPERVISOR)  # take hotline calls
LEADERS = tuple(roles.LEADERS)
