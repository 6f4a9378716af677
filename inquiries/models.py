from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.fields import EncryptedTextField

OPEN_STATUS_VALUES = ["new", "open", "escalated"]


def queue_rank():
    """0 unanswered, 1 the customer wrote again, 2 answered: the queue's first sort key (and its index's)."""
    return models.Case(
        models.When(first_responded_at__isnull=True, then=models.Value(0)),
        models.When(awaiting_agent=True, then=models.Value(1)),
        default=models.Value(2),
        output_field=models.IntegerField(),
    )


class ResolutionCategory(models.TextChoices):
    """How an inquiry was resolved (stored in Inquiry.resolution_category)."""

    ANSWERED = "answered", _("Question answered")
    INFORMATION_SENT = "information_sent", _("Information or document sent")
    PLAN_OFFERED = "plan_offered", _("Repayment plan offered")
    CORRECTED = "corrected", _("Data or account corrected")
    REFERRED = "referred", _("Handled by another department")
    COMPLAINT_OPENED = "complaint_opened", _("Turned into a complaint")
    NO_REPLY = "no_reply", _("Customer did not reply")
    SPAM = "spam", _("Spam or not a customer inquiry")


class CallStatus(models.TextChoices):
    """An inbound call's last state (#16): Twilio's words where it has one, ours for missed and abandoned."""

    RINGING = "ringing", pgettext_lazy("call status", "Ringing the agent")
    ANSWERED = "answered", pgettext_lazy("call status", "Answered, in progress")
    COMPLETED = "completed", pgettext_lazy("call status", "Answered")
    NO_ANSWER = "no-answer", pgettext_lazy("call status", "No answer")
    BUSY = "busy", pgettext_lazy("call status", "Agent busy")
    FAILED = "failed", pgettext_lazy("call status", "Could not be put through")
    ABANDONED = "abandoned", pgettext_lazy("call status", "Caller hung up before an answer")
    MISSED = "missed", pgettext_lazy("call status", "Nobody on duty")


class Inquiry(models.Model):
    """A customer's question from any channel, with its 10-minute first-response SLA."""

    class Channel(models.TextChoices):
        HOTLINE = "hotline", _("Hotline")
        ONLINE = "online", _("Online form")
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        CHAT = "chat", _("Online chat")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", pgettext_lazy("inquiry status", "In progress")
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
    # Masked form of the contact (138****5678, z***@example.com) so lists never decrypt.
    contact_masked = models.CharField(_("contact"), max_length=120, blank=True, editable=False)
    # Shown everywhere with ID, card and mobile numbers masked (customers.freetext); the original is kept
    # encrypted in subject_full ('' when nothing was masked) and revealed only with view_full_pii and a reason.
    subject = models.CharField(_("subject"), max_length=200)
    subject_full = EncryptedTextField(_("subject as written"), blank=True, default="", editable=False)
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
        "org.Department", verbose_name=_("escalated to"), null=True, blank=True, on_delete=models.SET_NULL
    )
    escalation_due = models.DateTimeField(_("escalation due"), null=True, blank=True)
    # Escalations as tracked work (#15): when it went to the department, the alert before its deadline, the breach,
    # the department's answer, and the one holding reply sent to the customer.
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalation_alerted_at = models.DateTimeField(_("escalation deadline alert sent"), null=True, blank=True)
    escalation_breached_at = models.DateTimeField(_("escalation deadline missed"), null=True, blank=True)
    escalation_answered_at = models.DateTimeField(_("department answered"), null=True, blank=True)
    holding_reply_sent_at = models.DateTimeField(_("holding reply sent"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_category = models.CharField(
        _("resolution category"), max_length=32, blank=True, choices=ResolutionCategory.choices
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The customer wrote again after the last reply: the queue shows it until someone answers.
    awaiting_agent = models.BooleanField(_("customer waiting"), default=False)
    # The customer's follow-up message on an answered or resolved inquiry starts a next-response clock (#15).
    next_response_due = models.DateTimeField(_("next response due"), null=True, blank=True, db_index=True)
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True)
    # Kept but suspicious (a malformed email, an unreadable SMS): a person should look at it.
    flagged = models.BooleanField(_("needs review"), default=False)
    flag_reason = models.CharField(_("why it needs review"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Inbound hotline calls (#16): the provider's call id, its last status and length, and the callback owed after a
    # missed or abandoned call (due at callback_due_at, done at callback_done_at).
    call_sid = models.CharField(_("call id"), max_length=64, blank=True, default="", db_index=True)
    call_status = models.CharField(_("call status"), max_length=20, blank=True, default="", choices=CallStatus.choices)
    call_duration_seconds = models.PositiveIntegerField(_("call duration (seconds)"), null=True, blank=True)
    callback_due_at = models.DateTimeField(_("callback due"), null=True, blank=True, db_index=True)
    callback_done_at = models.DateTimeField(_("callback made"), null=True, blank=True)

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["-received_at", "-id"]
        indexes = [
            # The queue: unanswered first, by deadline.
            models.Index(fields=["first_responded_at", "first_response_due"], name="inquiry_queue_idx"),
            models.Index(fields=["assigned_to", "status"], name="inquiry_assignee_idx"),
            # The live queue reads only open inquiries: partial indexes stay small at any history size.
            # In queue order, so the first page is read straight from the index (no sort of all open rows).
            models.Index(
                queue_rank(),
                models.F("first_response_due"),
                models.F("id"),
                name="inquiry_queue_rank_idx",
                condition=models.Q(status__in=OPEN_STATUS_VALUES),
            ),
            # Covering the tab counts (mine, unassigned, breached) and the filters without visiting the table.
            models.Index(
                # Key columns rather than INCLUDE: SQLite (development) has no covering indexes.
                fields=["first_response_due", "first_responded_at", "assigned_to", "channel", "category"],
                name="inquiry_open_cover_idx",
                condition=models.Q(status__in=OPEN_STATUS_VALUES),
            ),
            # Escalations (few among all inquiries): the department queues by deadline, and the escalation SLA
            # KPI by the deadline's period.
            models.Index(
                fields=["escalated_to", "escalation_due"],
                name="inquiry_department_queue_idx",
                condition=models.Q(escalated_to__isnull=False),
            ),
            models.Index(
                fields=["escalation_due"],
                name="inquiry_escalation_due_idx",
                condition=models.Q(escalated_to__isnull=False),
            ),
            # The department queue's waiting tab and its count: the escalations not yet answered, by deadline.
            models.Index(
                fields=["escalated_to", "escalation_due", "id"],
                name="inquiry_dept_waiting_idx",
                condition=models.Q(status="escalated", escalation_answered_at__isnull=True),
            ),
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
        DEPARTMENT = "department", _("Department answer")

    inquiry = models.ForeignKey(Inquiry, verbose_name=_("inquiry"), on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Inquiry.Channel.choices, blank=True)
    # Masked like Inquiry.subject; the original, encrypted, in body_full ('' when nothing was masked).
    body = models.TextField(_("text"))
    body_full = EncryptedTextField(_("text as written"), blank=True, default="", editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), db_index=True)
    # True once the reply reached the customer (SMS/email sent, call answered); only then it counts for the SLA.
    reached_customer = models.BooleanField(_("reached the customer"), default=False)
    outbound_message = models.ForeignKey(
        "messaging.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email_message_id = models.CharField(max_length=300, blank=True, db_index=True)
    # The provider's id of an inbound SMS (Twilio MessageSid): a webhook delivered twice is stored once.
    external_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("inquiry message")
        verbose_name_plural = _("inquiry messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.inquiry_id} {self.kind}"


class Category(models.TextChoices):
    """What an inquiry is about (the value is stored in Inquiry.category)."""

    REPAYMENT = "repayment", _("Repayment and due dates")
    FEES = "fees", _("Fees and interest")
    EARLY_SETTLEMENT = "early_settlement", _("Early settlement")
    HARDSHIP = "hardship", _("Financial hardship")
    ACCOUNT = "account", _("Account and contact details")
    LOAN_APPLICATION = "loan_application", _("Loan application")
    COLLECTION = "collection", _("Reminders and collection")
    CERTIFICATE = "certificate", _("Certificates and statements")
    OTHER = "other", _("Other")


class InquiryAttachment(models.Model):
    """A file that came with a customer message (email), type- and size-checked, stored under MEDIA_ROOT."""

    message = models.ForeignKey(
        InquiryMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="inquiries/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("inquiries:attachment", args=[self.pk])


class CannedReply(models.Model):
    """A prepared answer agents insert into a reply; managed by back office in the admin, one per language."""

    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    category = models.CharField(_("category"), max_length=32, choices=Category.choices, blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["language", "position", "title"]
        constraints = [models.UniqueConstraint(fields=["language", "title"], name="canned_reply_unique_title")]

    def __str__(self) -> str:
        return self.title
