from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from inquiries.api import register_side_panel_complaints
from loans.api import register_review_signal_source


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints.models import Complaint
        from complaints.selectors import customer_open_complaints

        # The loan review queue's "complained on" signal: the customer's latest complaint.
        register_review_signal_source("complained_on", lambda: Complaint.objects.all())
        # The inquiry page's side panel lists the customer's open complaints.
        register_side_panel_complaints(customer_open_complaints)
