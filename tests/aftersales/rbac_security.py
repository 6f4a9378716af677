"""RBAC cases for the security pages (aftersales/security/urls.py); imported by tests/aftersales/rbac.py.

The matrix runs with TWO_FACTOR_REQUIRED = False (test settings), so the second-factor pages answer as
for any signed-in user: enrolment shows the QR code, verification sends a user without a device to enrolment.
"""

from aftersales import permissions as roles
from tests.rbac_support import ALL_ROLES, Case, allow

SECURITY_CASES = [
    allow("security:two_factor_enrol", ALL_ROLES),
    Case("security:two_factor_verify", {**dict.fromkeys(ALL_ROLES, 302), "anonymous": 302}),
    allow("security:recovery_codes", ALL_ROLES, ok=302),  # not verified yet: sent to the second step
    allow("security:session_keepalive", ALL_ROLES, method="post"),
    allow("security:lockouts", [roles.MANAGER, roles.BACK_OFFICE]),
    allow("security:lockout_release", [roles.MANAGER, roles.BACK_OFFICE], method="post", ok=302, args=lambda: [1]),
]
