"""What the complaint pages share: who may do what, the page size and how a refusal is shown."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from aftersales import permissions as roles

VIEW = tuple(roles.FRONT_LINE)
HANDLE = (roles.AGENT, roles.SUPERVISOR, roles.MANAGER)
LEADERS = tuple(roles.LEADERS)
INCIDENT_ROLES = (roles.SUPERVISOR, roles.MANAGER, roles.BACK_OFFICE)
LEGAL = (roles.LEGAL_ADVISOR, roles.MANAGER)
PAGE_SIZE = 50


def error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)
