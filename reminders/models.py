from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from messaging.models import OutboundMessage


class ReminderPolicy(models.Model):
    """An ordered list of steps relative to the due date (e.g. T−3 SMS, T−1 voice, T+1 SMS, T+3 voice)."""

    name = models.CharField(pgettext_lazy("of a thing", "name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductReminderPolicy(models.Model):
    """Which reminder policy a loan product's installments follow (at most one per product; none = nothing planned).

    Kept on the reminders side so loans knows nothing of reminders: a product's policy is `product.reminder_policy_link`.
    """

    product = models.OneToOneField(
        "loans.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="reminder_policy_link"
    )
    policy = models.ForeignKey(
        ReminderPolicy, verbose_name=_("reminder policy"), on_delete=models.CASCADE, related_name="product_links"
    )

    class Meta:
        verbose_name = _("product reminder policy")
        verbose_name_plural = _("product reminder policies")

    def __str__(self) -> str:
        return f"{self.product} → {self.policy}"


class ReminderStep(models.Model):
    """One step of a policy: `offset_days` relative to the due date (negative = before), on one channel."""

    policy = models.ForeignKey(ReminderPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="steps")
    offset_days = models.SmallIntegerField(
        _("days relative to the due date"), help_text=_("−3 = three days before, 1 = one day after")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=OutboundMessage.Channel.choices)
    send_time = models.TimeField(_("send at (local time)"), default="10:00")
    overdue_only = models.BooleanField(_("only when overdue"), default=False)
    # When the step was added: the planner catches up missed days only for steps that existed on those days, so a
    # new "T−2" step never sends for an installment whose T−2 date is already past. Empty for steps that existed
    # before this was recorded (#15): they keep the catch-up.
    created_at = models.DateTimeField(_("added"), null=True, blank=True, default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("reminder step")
        verbose_name_plural = _("reminder steps")
        ordering = ["policy", "offset_days", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "offset_days", "channel"], name="reminder_step_unique")
        ]

    def __str__(self) -> str:
        sign = "+" if self.offset_days >= 0 else "−"
        return f"T{sign}{abs(self.offset_days)} {self.get_channel_display()}"


# Placeholders a message template may use. Anything else is refused when the template is saved, and the
# render context is built from these names only: a template can never reach an ID or account number.
TEMPLATE_PLACEHOLDERS = {
    "customer_name": _("the customer's name"),
    "amount_due": _("the amount due, e.g. 1,234.56"),
    "due_date": _("the due date, e.g. 2026-12-05"),
    "loan_number": _("the masked contract number, e.g. ****1234"),
    "days": _("days before (or after) the due date"),
}


class MessageTemplate(models.Model):
    """The text of one policy step in one language; `{placeholder}` fields from TEMPLATE_PLACEHOLDERS only."""

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", _("Simplified Chinese")
        EN = "en", _("English")

    step = models.ForeignKey(ReminderStep, verbose_name=_("step"), on_delete=models.CASCADE, related_name="templates")
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {customer_name}, {amount_due}, {due_date}, {loan_number}, {days}. "
            "Never an ID number or a full account number."
        ),
    )
    provider_template_code = models.CharField(
        _("provider template code"),
        max_length=64,
        blank=True,
        help_text=_("For template-based domestic SMS providers: the approved template's code."),
    )

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["step", "language"]
        constraints = [models.UniqueConstraint(fields=["step", "language"], name="message_template_step_language")]

    def __str__(self) -> str:
        return f"{self.step} {self.language}"

    def clean(self) -> None:
        from reminders.templating import validate_template_body

        validate_template_body(self.body)


class Reminder(models.Model):
    """One planned contact: a step of a policy for one installment on one channel (at most one each)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Undelivered")
        FAILED = "failed", _("Failed")
        COMPLETED = "completed", _("Call completed")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        SKIPPED = "skipped", _("Skipped")

    class SkipReason(models.TextChoices):
        PAID = "paid", _("Installment already paid")
        OPTED_OUT = "opted_out", _("Customer opted out of this channel")
        CAP = "cap", _("Frequency cap reached")
        NO_TEMPLATE = "no_template", _("No template for the step")
        LOAN_CLOSED = "loan_closed", _("Loan no longer active")

    class HoldReason(models.TextChoices):
        QUIET_HOURS = "quiet_hours", _("Held for quiet hours")
        RETRY = "retry", _("Waiting to retry")

    # No single-column indexes on these three: the unique constraint and the (loan|customer, planned_for)
    # indexes start with them, and fewer indexes keep the planner's bulk INSERT fast.
    installment = models.ForeignKey(
        "loans.Installment",
        verbose_name=_("installment"),
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
    )
    loan = models.ForeignKey(
        "loans.Loan", verbose_name=_("loan"), on_delete=models.CASCADE, related_name="reminders", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
    )
    step = models.ForeignKey(
        ReminderStep,
        verbose_name=_("step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reminders",
        help_text=_("Empty for a reminder an agent sent by hand."),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=OutboundMessage.Channel.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    planned_for = models.DateTimeField(_("planned for"))
    skip_reason = models.CharField(_("skip reason"), max_length=16, choices=SkipReason.choices, blank=True)
    hold_reason = models.CharField(_("hold reason"), max_length=16, choices=HoldReason.choices, blank=True)
    outbound_message = models.ForeignKey(
        OutboundMessage,
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reminders",
    )
    fallback_for = models.ForeignKey(
        "self",
        verbose_name=_("fallback for"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fallbacks",
        help_text=_("The unanswered call this SMS replaces."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by hand by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("planned at"))
    dispatched_at = models.DateTimeField(_("handed to the worker"), null=True, blank=True)
    attempt_started_at = models.DateTimeField(_("last attempt started"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("outcome at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"))

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-planned_for", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["installment", "step", "channel"], name="reminder_once_per_step_channel")
        ]
        indexes = [
            models.Index(fields=["status", "planned_for"], name="reminder_due_idx"),
            models.Index(fields=["customer", "planned_for"], name="reminder_customer_idx"),
            models.Index(fields=["loan", "planned_for"], name="reminder_loan_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.step or _('by hand')} {self.get_channel_display()} #{self.installment_id}"


class ContactDataTask(models.Model):
    """Work for an agent: a reminder failed permanently (invalid number, not a mobile, unsubscribed)."""

    class Reason(models.TextChoices):
        INVALID_NUMBER = "invalid_number", _("Invalid number")
        NOT_MOBILE = "not_mobile", _("Not a mobile number")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed from SMS")
        UNREACHABLE = "unreachable", _("Could not be reached")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("task status", "Open")
        DONE = "done", _("Done")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contact_data_tasks"
    )
    reminder = models.ForeignKey(
        Reminder, verbose_name=_("reminder"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    error_code = models.CharField(_("provider error code"), max_length=16, blank=True)
    number_masked = models.CharField(_("number"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(_("what was done"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("contact-data task")
        verbose_name_plural = _("contact-data tasks")
        ordering = ["status", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reason"],
                condition=models.Q(status="open"),
                name="contact_task_one_open_per_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.number_masked}"
