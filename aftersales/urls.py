from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from aftersales import views
from aftersales.security import views as security_views
from aftersales.security.ratelimit import ratelimit


def _login_rate() -> str:
    from django.conf import settings

    return settings.LOGIN_RATE_LIMIT


def _login_address_rate() -> str:
    from django.conf import settings

    return settings.LOGIN_ADDRESS_RATE_LIMIT


def _login_key(request) -> str:
    """Sign-in attempts count per address and user name: a shift of agents behind one office address can all
    sign in at 9:00, while guessing one account's password from one place is held back (and locked by axes)."""
    from aftersales.security.ratelimit import client_ip

    return f"{client_ip(request) or 'unknown'}|{request.POST.get('username', '')[:150].lower()}"


handler403 = "aftersales.views.error_403"
handler404 = "aftersales.views.error_404"
handler500 = "aftersales.views.error_500"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "accounts/login/",
        ratelimit("login-address", rate=_login_address_rate, methods=("POST",))(
            ratelimit("login", rate=_login_rate, methods=("POST",), key=_login_key)(
                auth_views.LoginView.as_view(redirect_authenticated_user=True)
            )
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("language/", views.set_language, name="set_language"),
    path("status/", views.status, name="status"),
    path("audit/", views.audit_log, name="audit_log"),
    path("exports/<uuid:token>/", views.export_job, name="export_job"),
    path("exports/<uuid:token>/download/", views.export_job_download, name="export_job_download"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    # One sign-in page for the portal and the admin (lockout, rate limit, second factor); unnamed on purpose.
    path("admin/login/", security_views.admin_login_redirect),
    path("admin/", admin.site.urls),
    path("security/", include("aftersales.security.urls")),
    path("customers/", include("customers.urls")),
    path("loans/", include("loans.urls")),
    path("inquiries/", include("inquiries.urls")),
    # The online chat (#16): the public /chat/ pages and the agent's panel under /livechat/.
    path("", include("livechat.urls")),
    # Delivery-status webhooks keep their /reminders/webhooks/... paths (providers are configured with them).
    path("", include("messaging.urls")),
    path("reminders/", include("reminders.urls")),
    path("complaints/", include("complaints.urls")),
    path("staff/", include("staff.urls")),
]
