"""What the loan pages share: role sets, page size and how a service's refusal is shown beside the field."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from aftersales import permissions as roles

PAGE_SIZE = 50
WAIVER_REQUESTERS = (roles.AGENT, roles.SUPERVISOR)
WAIVER_VIEWERS = (roles.AGENT, roles.SUPERVISOR, roles.MANAGER)
PLAN_VIEWERS = tuple(roles.FRONT_LINE)
REVIEWERS = (roles.RISK_ASSESSOR, roles.MANAGER)
FINANCE = (roles.MANAGER, roles.BACK_OFFICE)


def refusal_messages(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def add_errors(form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    """A service's refusal next to the field it names (e.g. received_at), otherwise above the form.

    `fields` maps a service's name to the form's (annual_rate → annual_rate_percent).
    """
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            name = (fields or {}).get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        for message in refusal_messages(exc):
            form.add_error(None, message)
