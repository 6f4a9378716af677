from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_permissions(sender, **kwargs):
    # The roles' permissions include customers.view_full_pii, which exists only once this app's
    # permissions are created (post_migrate of this app); on a fresh database the sync run for
    # `aftersales` comes too early, so run it again now.
    from aftersales.services import sync_role_permissions

    sync_role_permissions()


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self):
        post_migrate.connect(_sync_role_permissions, sender=self, dispatch_uid="customers_sync_role_permissions")
