from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "aftersales"
    verbose_name = _("Portal core")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from aftersales import receivers  # noqa: F401  (login audit, beat heartbeat, role sync)
        from aftersales.admin_guard import admin_site_guard
        from aftersales.append_only import sqlite_functions_register

        connection_created.connect(sqlite_functions_register, dispatch_uid="aftersales-append-only")
        admin_site_guard()  # after every app's admin.py (the admin app is first in INSTALLED_APPS)
