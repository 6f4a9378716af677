"""Extension points the apps fill: navigation, banners, and the customer 360 page.

Each app may have a module `<app>/portal.py` defining any of:
- ``banners(request) -> list[Banner]``: warnings shown on every page (open incidents, stale worker).
- ``customer_panels(request, customer) -> list[Panel]``: sections of the customer 360 page.
- ``customer_timeline(customer) -> list[TimelineEvent]``: dated events for the 360 timeline.
- ``header_counts(request) -> dict[str, int]``: small counters for the header.
Each function must run a bounded number of queries.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from types import ModuleType
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales import permissions as roles


@dataclass
class Banner:
    level: str  # bootstrap contextual class: warning, danger, info
    text: str
    link: str = ""


@dataclass
class Panel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50
    count: int | None = None


# The timeline's badges: an event's kind code → its label in the reader's language.
TIMELINE_KINDS = {
    "loan": pgettext_lazy("timeline", "loan"),
    "repayment": pgettext_lazy("timeline", "repayment"),
    "inquiry": pgettext_lazy("timeline", "inquiry"),
    "complaint": pgettext_lazy("timeline", "complaint"),
    "reminder": pgettext_lazy("timeline", "reminder"),
    "review": pgettext_lazy("timeline", "review"),
    "consent": pgettext_lazy("timeline", "consent"),
    "document": pgettext_lazy("timeline", "document"),
}


@dataclass
class TimelineEvent:
    at: datetime
    kind: str  # the badge: a code of TIMELINE_KINDS ("loan", "inquiry", ...) or an already translated label
    text: str
    url: str = ""
    level: str = "secondary"

    @property
    def kind_label(self) -> str:
        """The badge text in the active language (TIMELINE_KINDS), else the kind as given."""
        label = TIMELINE_KINDS.get(str(self.kind))
        return str(label) if label is not None else str(self.kind)


@dataclass
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    url: str = ""


# Navigation by role. Entries whose URL does not exist yet are left out automatically.
NAVIGATION: list[tuple[Any, list[NavItem]]] = [
    (
        _("Service"),
        [
            NavItem(_("Inquiry queue"), "inquiries:queue", roles.FRONT_LINE),
            NavItem(_("Log a call"), "inquiries:hotline_new", frozenset({roles.AGENT, roles.SUPERVISOR})),
            NavItem(_("SLA watch"), "inquiries:supervisor", roles.LEADERS),
            NavItem(_("Complaints"), "complaints:list", roles.FRONT_LINE),
            NavItem(_("Legal queue"), "complaints:legal_queue", frozenset({roles.LEGAL_ADVISOR, roles.MANAGER})),
            NavItem(_("Escalations"), "inquiries:departments", roles.DEPARTMENT_STAFF | roles.LEADERS),
            NavItem(_("Suggestions"), "complaints:suggestions", roles.LEADERS),
            NavItem(_("Incidents"), "complaints:incidents", roles.LEADERS | {roles.BACK_OFFICE}),
        ],
    ),
    (
        _("Customers & loans"),
        [
            NavItem(_("Customers"), "customers:list", roles.STAFF_ROLES),
            NavItem(_("Loans"), "loans:list", roles.STAFF_ROLES),
            NavItem(_("Repayment plans"), "loans:restructure_list", roles.FRONT_LINE),
            NavItem(_("Fee waivers"), "loans:waiver_list", frozenset({roles.AGENT, roles.MANAGER, roles.SUPERVISOR})),
            NavItem(_("Post-loan reviews"), "loans:review_queue", frozenset({roles.RISK_ASSESSOR, roles.MANAGER})),
            NavItem(_("Reminders"), "reminders:dashboard", roles.LEADERS | {roles.BACK_OFFICE}),
        ],
    ),
    (
        _("Performance"),
        [
            NavItem(_("KPI dashboard"), "staff:dashboard", roles.LEADERS),
            NavItem(_("My figures"), "staff:my_kpis", frozenset({roles.AGENT})),
            NavItem(_("QA reviews"), "staff:qa_queue", roles.LEADERS),
            NavItem(_("Callback visits"), "staff:callbacks", roles.LEADERS),
            NavItem(_("Performance reviews"), "staff:reviews", roles.LEADERS),
            NavItem(_("Training"), "staff:training", roles.STAFF_ROLES),
            NavItem(_("Who is on duty"), "staff:on_duty", roles.LEADERS),
        ],
    ),
    (
        _("Finance"),
        [
            NavItem(_("Revenue report"), "loans:revenue_report", frozenset({roles.MANAGER, roles.BACK_OFFICE})),
            NavItem(_("Reconciliation"), "loans:reconciliation", frozenset({roles.MANAGER, roles.BACK_OFFICE})),
        ],
    ),
    (
        _("Administration"),
        [
            NavItem(_("Audit log"), "audit_log", frozenset({roles.MANAGER})),
            NavItem(_("System status"), "status", frozenset({roles.MANAGER, roles.BACK_OFFICE})),
            NavItem(_("Back-office admin"), "admin:index", frozenset({roles.BACK_OFFICE})),
        ],
    ),
]


@cache
def _resolve(url_name: str) -> str:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return ""


_menus: dict[tuple, list] = {}


def navigation_for(user) -> list[tuple[Any, list[NavItem]]]:
    """Return the navigation groups and items the user may use (the same for everyone with the same roles)."""
    key = (roles.user_roles(user), bool(getattr(user, "is_superuser", False)))
    menu = _menus.get(key)
    if menu is None:
        menu = _menus[key] = _navigation(user)
    return menu


def _navigation(user) -> list[tuple[Any, list[NavItem]]]:
    menu = []
    for label, items in NAVIGATION:
        visible = []
        for item in items:
            url = _resolve(item.url_name)
            if url and roles.has_role(user, *item.roles):
                visible.append(NavItem(item.label, item.url_name, item.roles, url))
        if visible:
            menu.append((label, visible))
    return menu


@cache
def app_portal_modules() -> list[ModuleType]:
    """The `<app>.portal` modules of the local apps, in INSTALLED_APPS order."""
    modules = []
    for app in settings.LOCAL_APPS:
        if app == "aftersales":
            continue
        try:
            modules.append(importlib.import_module(f"{app}.portal"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.portal":
                raise
    return modules


def once_per_object(obj, key: str, compute: Callable[[], Any]) -> Any:
    """Compute a value once per object: the customer 360 page asks several hooks (panel, timeline) of one app
    for the same rows of the same customer."""
    memo = obj.__dict__.setdefault("_portal_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def collect(hook: str, *args) -> list:
    """Call `hook` on every app portal module that defines it and concatenate the results."""
    results: list = []
    for module in app_portal_modules():
        fn = getattr(module, hook, None)
        if fn is not None:
            results.extend(fn(*args) or [])
    return results
