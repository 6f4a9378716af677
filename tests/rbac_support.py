"""The RBAC matrix: each app lists its URLs in `tests/<app>/rbac.py` as `CASES: list[Case]`.

tests/aftersales/test_rbac.py requests every case as anonymous and as each role, and fails when a
named URL of the project has no case, so new pages cannot skip the matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aftersales import permissions as roles

ANON = "anonymous"
ALL_ROLES = list(roles.ROLES)


@dataclass
class Case:
    url_name: str
    expect: dict[str, int]  # role (or "anonymous") -> status code
    args: Callable[[], list] | None = None  # called with the database available; returns reverse() args
    method: str = "get"
    data: dict = field(default_factory=dict)


def allow(
    url_name: str, allowed, *, args=None, ok: int = 200, method: str = "get", data=None, anonymous: int = 302
) -> Case:
    """Roles in `allowed` get `ok`, other roles 403, anonymous `anonymous` (302 to login by default)."""
    allowed = set(allowed)
    expect = {role: (ok if role in allowed else 403) for role in ALL_ROLES}
    expect[ANON] = anonymous
    return Case(url_name, expect, args=args, method=method, data=data or {})


def public(url_name: str, *, args=None, ok: int = 200, method: str = "get", data=None) -> Case:
    """A page anyone may open, signed in or not."""
    expect = dict.fromkeys(ALL_ROLES, ok)
    expect[ANON] = ok
    return Case(url_name, expect, args=args, method=method, data=data or {})
