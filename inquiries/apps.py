from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from loans.api import register_review_signal_source


class InquiriesConfig(AppConfig):
    name = "inquiries"
    verbose_name = _("Inquiries")

    def ready(self) -> None:
        from inquiries.models import Inquiry
        from inquiries.services import calls, channels

        channels.follow_inbound_sms()  # SMS pushed by a provider to messaging (Alibaba Cloud) are filed here
        calls.follow_inbound_calls()  # calls to the hotline number (messaging's voice webhooks) are filed here

        # The loan review queue's "hardship reported on" signal: the customer's latest hardship inquiry.
        register_review_signal_source("hardship_reported_on", lambda: Inquiry.objects.filter(category="hardship"))
