from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from loans.api import register_loan_panel


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from reminders import portal, services

        register_loan_panel(portal.loan_panels)  # the loan page's "Repayment reminders" section
        services.follow_delivery_reports()  # messaging's delivery reports move reminders on
