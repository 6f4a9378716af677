from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "aftersales"
    verbose_name = _("Portal core")

    def ready(self) -> None:
        from aftersales import receivers  # noqa: F401  (login audit, beat heartbeat, role sync)
