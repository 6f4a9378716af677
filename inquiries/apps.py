from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from loans.api import register_review_signal_source


class InquiriesConfig(AppConfig):
    name = "inquiries"
    verbose_name = _("Inquiries")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from inquiries.models import CannedReply, Inquiry
        from inquiries.selectors import canned_replies_forget
        from inquiries.services import calls, channels

        # The canned replies are cached for every inquiry page: forgotten as soon as one changes.
        post_save.connect(canned_replies_forget, sender=CannedReply, dispatch_uid="inquiries-canned-save")
        post_delete.connect(canned_replies_forget, sender=CannedReply, dispatch_uid="inquiries-canned-delete")

        channels.follow_inbound_sms()  # SMS pushed by a provider to messaging (Alibaba Cloud) are filed here
        calls.follow_inbound_calls()  # calls to the hotline number (messaging's voice webhooks) are filed here

        # The loan review queue's "hardship reported on" signal: the customer's latest hardship inquiry.
        register_review_signal_source("hardship_reported_on", lambda: Inquiry.objects.filter(category="hardship"))
