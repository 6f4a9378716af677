from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers.fields import EncryptedTextField


class Inquiry(models.Model):
    """A customer's question from any channel, with its 10-minute first-response SLA."""

    class Channel(models.TextChoices):
        HOTLINE = "hotline", _("Hotline")
        ONLINE = "online", _("Online form")
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("In progress")
        ESCALATED = "escalated", _("Escalated")
        RESOLVED = "resolved", _("Resolved")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, db_index=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inquiries",
    )
    # Contact details as the customer gave them (encrypted like all PII); matched to a customer when known.
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True, default="")
    contact_phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    contact_email = EncryptedTextField(_("contact email"), blank=True, default="")
    contact_email_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    subject = models.CharField(_("subject"), max_length=200)
    category = models.CharField(_("category"), max_length=32, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW, db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_inquiries",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    first_response_due = models.DateTimeField(_("first response due"), db_index=True)
    first_responded_at = models.DateTimeField(_("first responded"), null=True, blank=True)
    first_responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Recorded once when the SLA outcome is known (response, or the deadline passing); never rewritten.
    sla_met = models.BooleanField(_("SLA met"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        "staff.Department", verbose_name=_("escalated to"), null=True, blank=True, on_delete=models.SET_NULL
    )
    escalation_due = models.DateTimeField(_("escalation due"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_category = models.CharField(_("resolution category"), max_length=32, blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["-received_at", "-id"]
        indexes = [
            # The queue: unanswered first, by deadline.
            models.Index(fields=["first_responded_at", "first_response_due"], name="inquiry_queue_idx"),
            models.Index(fields=["assigned_to", "status"], name="inquiry_assignee_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("inquiries:detail", args=[self.pk])


class InquiryMessage(models.Model):
    """One entry of an inquiry's thread: a customer message, a reply, an internal note, a call log, a status change."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer message")
        REPLY = "reply", _("Reply to customer")
        NOTE = "note", _("Internal note")
        CALL = "call", _("Call log")
        EVENT = "event", _("Status change")

    inquiry = models.ForeignKey(Inquiry, verbose_name=_("inquiry"), on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Inquiry.Channel.choices, blank=True)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), db_index=True)
    # True once the reply reached the customer (SMS/email sent, call answered); only then it counts for the SLA.
    reached_customer = models.BooleanField(_("reached the customer"), default=False)
    outbound_message = models.ForeignKey(
        "reminders.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email_message_id = models.CharField(max_length=300, blank=True, db_index=True)

    class Meta:
        verbose_name = _("inquiry message")
        verbose_name_plural = _("inquiry messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.inquiry_id} {self.kind}"
