from django.urls import path

from aftersales.security import views

app_name = "security"

urlpatterns = [
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", views.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/<int:attempt_id>/unlock/", views.lockout_release, name="lockout_release"),
]
