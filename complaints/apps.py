from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from loans.api import register_review_signal_source


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints.models import Complaint

        # The loan review queue's "complained on" signal: the customer's latest complaint.
        register_review_signal_source("complained_on", lambda: Complaint.objects.all())
