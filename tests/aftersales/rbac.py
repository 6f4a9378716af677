from aftersales import permissions as roles
from tests.aftersales.rbac_security import SECURITY_CASES
from tests.rbac_support import ALL_ROLES, Case, allow, public

CASES = [
    Case("home", {**dict.fromkeys(ALL_ROLES, 302), "anonymous": 302}),
    Case("login", {**dict.fromkeys(ALL_ROLES, 302), "anonymous": 200}),
    allow("password_change", ALL_ROLES),
    allow("status", [roles.MANAGER, roles.BACK_OFFICE]),
    allow("audit_log", [roles.MANAGER]),
    allow("notifications", ALL_ROLES),
    allow("notifications_mark_read", ALL_ROLES, method="post", ok=302),
    public("set_language", method="post", ok=302, data={"language": "en", "next": "/"}),
    Case("logout", {**dict.fromkeys(ALL_ROLES, 302), "anonymous": 302}, method="post"),
    *SECURITY_CASES,
]
