"""Outbound messages: every SMS and call the portal sends, whatever app sends it (reminders, inquiries, complaints,
surveys). Other apps relate to `OutboundMessage` and read it; they send through `messaging.api`."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.fields import EncryptedTextField

# The providers' names as staff read them (the backends' `name` is the stored code).
PROVIDER_LABELS = {
    "outbox": _("Outbox (demo)"),
    "twilio": "Twilio",
    "aliyun": _("Alibaba Cloud SMS"),
}


class OutboundMessage(models.Model):
    """Every SMS and call the portal sends, whatever the purpose and provider: the record for status, cost and audit."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        VOICE = "voice", _("Voice call")

    class Purpose(models.TextChoices):
        REMINDER = "reminder", _("Repayment reminder")
        INQUIRY_REPLY = "inquiry_reply", _("Inquiry reply")
        COMPLAINT = "complaint", _("Complaint notice")
        SURVEY = "survey", _("Satisfaction survey")
        OPT_OUT_CONFIRMATION = "opt_out_confirm", _("Opt-out confirmation")
        OTHER = "other", _("Other")

    class HoldReason(models.TextChoices):
        # messaging.policy's reasons: why the contact policy holds a proactive message (or refused it: opted out)
        QUIET_HOURS = "quiet_hours", _("Quiet hours")
        DAILY_CAP = "daily_cap", _("Daily contact limit reached")
        CALL_CAP = "call_cap", _("Call attempt limit reached")
        SAME_TEXT = "same_text", _("Same text sent recently")
        OPTED_OUT = "opted_out", _("Customer opted out of this channel")

    class Status(models.TextChoices):
        HELD = "held", _("Held by the contact policy")
        PENDING = "pending", _("Pending")
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Undelivered")
        FAILED = "failed", _("Failed")
        INITIATED = "initiated", _("Call initiated")
        RINGING = "ringing", _("Ringing")
        IN_PROGRESS = "in-progress", pgettext_lazy("call status", "In progress")
        COMPLETED = "completed", _("Call completed")
        NO_ANSWER = "no-answer", _("No answer")
        BUSY = "busy", _("Busy")
        CANCELED = "canceled", _("Canceled")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    # False for a reply to the customer's own message inside a conversation (an inquiry reply, an opt-out
    # confirmation): exempt from the contact policy (messaging.policy), and shown as such in the outbox.
    proactive = models.BooleanField(
        _("proactive"),
        default=True,
        help_text=_("Proactive messages follow the contact policy; replies to the customer's own message are exempt."),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_messages",
    )
    to_number = EncryptedTextField(_("to"))
    to_hash = models.CharField(max_length=64, db_index=True, editable=False)
    to_masked = models.CharField(_("to"), max_length=20)
    body = models.TextField(_("text"))
    body_hash = models.CharField(max_length=64, db_index=True, editable=False, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    template_code = models.CharField(_("provider template code"), max_length=64, blank=True)
    # Kept while a message is held, to send it later as it would have gone: the template's parameters (strings)
    # and the voice of a call. Emptied once it goes out.
    template_params = models.JSONField(_("template parameters"), default=dict, blank=True)
    say_language = models.CharField(_("spoken language"), max_length=10, blank=True)
    provider = models.CharField(_("provider"), max_length=20)
    provider_id = models.CharField(_("provider id"), max_length=64, null=True, blank=True, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(_("error code"), max_length=16, blank=True)
    error_message = models.CharField(_("error"), max_length=300, blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=5, null=True, blank=True)
    price_unit = models.CharField(_("currency"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    # A message the contact policy holds (status held) goes out at `not_before` (messaging.tasks.messages_send_held).
    hold_reason = models.CharField(_("hold reason"), max_length=16, choices=HoldReason.choices, blank=True)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)

    class Meta:
        # The table keeps the name it had when the model lived in reminders (moved in #15, state only).
        db_table = "reminders_outboundmessage"
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_hash", "created_at"], name="outbound_to_time_idx"),
            # frequency caps: same text to the same number in 24 h; contacts per customer per day
            models.Index(fields=["to_hash", "body_hash", "created_at"], name="outbound_same_text_idx"),
            models.Index(fields=["customer", "created_at"], name="outbound_customer_time_idx"),
            # the held-message sweeper: held rows due first
            models.Index(fields=["not_before"], name="outbound_held_idx", condition=models.Q(status="held")),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.to_masked} {self.status}"

    @property
    def provider_label(self) -> str:
        """The provider in words (演示发件箱, 阿里云短信, Twilio); an unknown code as stored."""
        return str(PROVIDER_LABELS.get(self.provider, self.provider))
