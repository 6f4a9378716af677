"""Roles (Django groups) and the checks views use to enforce them on the server."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

AGENT = "agent"
RISK_ASSESSOR = "risk_assessor"
LEGAL_ADVISOR = "legal_advisor"
SUPERVISOR = "supervisor"
MANAGER = "manager"
BACK_OFFICE = "back_office"
FINANCE = "finance"  # 财务: takes the inquiries escalated to finance (#15)

ROLES = [AGENT, RISK_ASSESSOR, LEGAL_ADVISOR, SUPERVISOR, MANAGER, BACK_OFFICE, FINANCE]
ROLE_LABELS = {
    AGENT: _("Customer-service agent"),
    RISK_ASSESSOR: _("Risk assessor"),
    LEGAL_ADVISOR: _("Legal advisor"),
    SUPERVISOR: _("Supervisor"),
    MANAGER: _("Manager"),
    BACK_OFFICE: _("Back office"),
    FINANCE: _("Finance"),
}

# Everyone who works customer records in the portal.
STAFF_ROLES = frozenset(ROLES)
FRONT_LINE = frozenset({AGENT, SUPERVISOR, MANAGER, RISK_ASSESSOR, LEGAL_ADVISOR})
LEADERS = frozenset({SUPERVISOR, MANAGER})
# The role whose members answer for a department an inquiry is escalated to (Department.code -> role). A department
# without a role here is answered by the staff whose profile names it.
DEPARTMENT_ROLES: dict[str, str] = {"risk": RISK_ASSESSOR, "legal": LEGAL_ADVISOR, "finance": FINANCE}
# The roles that answer escalations: their own department's queue and inquiries, the customer 360 read-only.
DEPARTMENT_STAFF = frozenset(DEPARTMENT_ROLES.values())

# Model permissions each group holds, as "app_label.codename". Codenames that do not exist yet
# (an app not migrated) are skipped; `sync_role_permissions` runs after every migrate.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    AGENT: [],
    RISK_ASSESSOR: [],
    LEGAL_ADVISOR: [],
    SUPERVISOR: [],
    FINANCE: [],
    MANAGER: ["customers.view_full_pii", "aftersales.view_audit_log", "aftersales.view_auditentry"],
    BACK_OFFICE: [
        "customers.view_full_pii",
        "customers.add_customer",
        "customers.change_customer",
        "customers.view_customer",
        "org.add_staffprofile",
        "org.change_staffprofile",
        "org.view_staffprofile",
        "org.add_department",
        "org.change_department",
        "org.view_department",
        "org.add_team",
        "org.change_team",
        "org.view_team",
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
        "django_celery_beat.view_crontabschedule",
        "django_celery_beat.view_intervalschedule",
    ],
}
# Models back office keeps entirely in the admin (every permission of these models is granted):
# products and fee rules, reminder policies and templates, staff, training and assets, managed lists.
BACK_OFFICE_ADMIN_MODELS: list[str] = [
    "loans.product",
    "loans.contractclause",
    "reminders.reminderpolicy",
    "reminders.reminderstep",
    "reminders.messagetemplate",
    "inquiries.cannedreply",
    "complaints.calendarday",
    "complaints.rootcause",
    "complaints.lettertemplate",
    "complaints.suggestioncategory",
    "complaints.contingencyplan",
    "complaints.drill",
    "complaints.incident",
    "complaints.incidententry",
    "complaints.suggestion",
    "complaints.improvementaction",
    "staff.trainingsession",
    "staff.trainingattendance",
    "staff.asset",
    "staff.assetassignment",
    "staff.assetmaintenance",
]
# Records back office may look at in the admin but changes only through the portal's services.
BACK_OFFICE_VIEW_MODELS: list[str] = [
    "loans.loan",
    "loans.installment",
    "loans.repayment",
    "loans.allocation",
    "loans.feecharge",
    "loans.feewaiver",
    "loans.restructureplan",
    "loans.loanreview",
    "reminders.reminder",
    "messaging.outboundmessage",
    "reminders.contactdatatask",
    "complaints.complaint",
    "complaints.callbackvisit",
]


def user_roles(user) -> frozenset[str]:
    """Return the role names (group names) of a user, cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        cached = frozenset(name for name in user.groups.values_list("name", flat=True) if name in ROLES)
        user._portal_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    """True when the user holds any of the roles; superusers hold every role."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return bool(user_roles(user) & set(roles))


def require_role(user, roles: Iterable[str]) -> None:
    """Raise PermissionDenied unless the user holds one of the roles."""
    if not has_role(user, *roles):
        raise PermissionDenied


class RoleRequiredMixin(AccessMixin):
    """Class-based views: anonymous users go to login, users without one of `roles` get 403."""

    roles: Iterable[str] = STAFF_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, *self.roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def role_required(*roles: str):
    """Function-based views: the same rule as RoleRequiredMixin."""
    from django.contrib.auth.views import redirect_to_login

    def decorator(view):
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *(roles or STAFF_ROLES)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        wrapped.__wrapped__ = view
        return wrapped

    return decorator
