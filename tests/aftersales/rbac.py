from aftersales import permissions as roles
from tests.aftersales.rbac_security import SECURITY_CASES
from tests.rbac_support import ALL_ROLES, Case, allow, public


def _someone_elses_export_job() -> list:
    """A finished-or-not export job of another user: owner-only, so every signed-in role gets 404 (#17)."""
    import uuid

    from django.contrib.auth import get_user_model

    from aftersales.models import ExportJob

    owner, _ = get_user_model().objects.get_or_create(username="export-owner")
    job = ExportJob.objects.create(token=uuid.uuid4(), owner=owner, title="x", builder="x", filename="x", rows_total=1)
    return [job.token]


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
    public("favicon"),
    Case("export_job", {**dict.fromkeys(ALL_ROLES, 404), "anonymous": 302}, args=_someone_elses_export_job),
    Case("export_job_download", {**dict.fromkeys(ALL_ROLES, 404), "anonymous": 302}, args=_someone_elses_export_job),
    *SECURITY_CASES,
]
