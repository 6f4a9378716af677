from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from aftersales import views

handler403 = "aftersales.views.error_403"
handler404 = "aftersales.views.error_404"
handler500 = "aftersales.views.error_500"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("language/", views.set_language, name="set_language"),
    path("status/", views.status, name="status"),
    path("audit/", views.audit_log, name="audit_log"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    path("admin/", admin.site.urls),
    path("customers/", include("customers.urls")),
    path("loans/", include("loans.urls")),
    path("inquiries/", include("inquiries.urls")),
    path("reminders/", include("reminders.urls")),
    path("complaints/", include("complaints.urls")),
    path("staff/", include("staff.urls")),
]
