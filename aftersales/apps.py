from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from aftersales.names import person_name, user_display


class AftersalesConfig(AppConfig):
    name = "aftersales"
    verbose_name = _("Portal core")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.backends.signals import connection_created

        from aftersales import receivers  # noqa: F401  (login audit, beat heartbeat, role sync)
        from aftersales.admin_guard import admin_site_guard
        from aftersales.append_only import sqlite_functions_register

        connection_created.connect(sqlite_functions_register, dispatch_uid="aftersales-append-only")
        admin_site_guard()  # after every app's admin.py (the admin app is first in INSTALLED_APPS)
        user_names_install(get_user_model())


def _get_full_name(self) -> str:
    """The user's name by the portal's one rule (aftersales.names): 王晓明, "Anna Schmidt"; "" when unnamed."""
    return person_name(self.last_name, self.first_name)


def _display_name(self) -> str:
    """The user's name for display, falling back to the username."""
    return user_display(self)


def user_names_install(user_model) -> None:
    """Make `get_full_name()` (and so `{{ user.get_full_name }}`, the admin and every caller) follow the name rule.

    Django's own `get_full_name` writes "first last" — "晓明 王" for a Chinese name. `display_name` adds the
    username fallback for templates (`{{ user.display_name }}`, or the `person` filter of the portal library).
    """
    user_model.add_to_class("get_full_name", _get_full_name)
    user_model.add_to_class("display_name", property(_display_name))
