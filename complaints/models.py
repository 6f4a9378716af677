"""Complaints with their deadlines, investigation and notices; suggestions; incidents and emergency records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.fields import EncryptedTextField

USER = settings.AUTH_USER_MODEL


class CalendarDay(models.Model):
    """An exception to the Monday–Friday working week: a public holiday, or a weekend day worked instead (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (no work)")
        WORKDAY = "workday", _("Working day (weekend worked, 调休)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(pgettext_lazy("of a thing", "name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class RootCause(models.Model):
    """The managed list of root causes a decision records."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("of a thing", "name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class LetterTemplate(models.Model):
    """A notice to the customer per kind and language; {placeholders} are filled from the complaint."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        EXTENSION = "extension", _("Deadline extension")
        DECISION = "decision", _("Decision letter")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("email subject"), max_length=200)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {reference} {customer_name} {received_date} {decision_due} {decision} {remedy} {reason}"
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "language"], condition=Q(active=True), name="complaint_letter_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class Complaint(models.Model):
    """A customer complaint from any channel with its statutory deadlines."""

    class Source(models.TextChoices):
        HOTLINE = "hotline", _("Hotline")
        ONLINE = "online", _("Online")
        EMAIL = "email", _("Email")
        LETTER = "letter", _("Letter")
        IN_PERSON = "in_person", _("In person")
        REGULATOR = "regulator", _("Regulator referral")
        SOCIAL_MEDIA = "social_media", _("Social media")

    class Category(models.TextChoices):
        FEES = "fees", _("Fees")
        COLLECTION_CONDUCT = "collection_conduct", _("Collection conduct")
        REMINDER_FREQUENCY = "reminder_frequency", _("Reminder frequency")
        SERVICE_ATTITUDE = "service_attitude", _("Service attitude")
        PRIVACY = "privacy", _("Privacy / information security")
        PRODUCT_DISCLOSURE = "product_disclosure", _("Product disclosure")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("complaint status", "Received")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("complaint status", "Acknowledged")
        INVESTIGATING = "investigating", pgettext_lazy("complaint status", "Investigating")
        DECIDED = "decided", pgettext_lazy("complaint status", "Decided")
        INFORMED = "informed", pgettext_lazy("complaint status", "Customer informed")
        CLOSED = "closed", pgettext_lazy("complaint status", "Closed")
        REOPENED = "reopened", pgettext_lazy("complaint status", "Reopened")

    class Remedy(models.TextChoices):
        NONE = "none", _("No remedy (complaint not upheld)")
        APOLOGY = "apology", _("Apology")
        FEE_REFUND = "fee_refund", _("Fee refund")
        WAIVER = "waiver", _("Fee waiver")
        REPAYMENT_PLAN = "repayment_plan", _("Repayment plan")

    class ReplyChannel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    loan = models.ForeignKey(
        "loans.Loan",
        verbose_name=_("loan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    product = models.ForeignKey(
        "loans.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    source_inquiry = models.ForeignKey(
        "inquiries.Inquiry",
        verbose_name=_("from inquiry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, db_index=True)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices, db_index=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    # Contact details as given (encrypted like all PII); the customer's own details are used when blank.
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = EncryptedTextField(_("contact mobile"), blank=True, default="")
    contact_email = EncryptedTextField(_("contact email"), blank=True, default="")
    reply_channel = models.CharField(
        _("reply by"), max_length=8, choices=ReplyChannel.choices, default=ReplyChannel.SMS
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    # Shown with ID, card and mobile numbers masked (customers.freetext); each original is kept encrypted in
    # its *_full column ('' when nothing was masked) and revealed only with view_full_pii and a reason.
    summary = models.CharField(_("summary"), max_length=200)
    summary_full = EncryptedTextField(_("summary as written"), blank=True, default="", editable=False)
    description = models.TextField(_("what happened"), blank=True)
    description_full = EncryptedTextField(_("what happened, as written"), blank=True, default="", editable=False)
    customer_demand = models.TextField(_("customer's demand"), blank=True)
    customer_demand_full = EncryptedTextField(
        _("customer's demand, as written"), blank=True, default="", editable=False
    )

    received_at = models.DateTimeField(_("received"), db_index=True)
    acknowledge_due = models.DateTimeField(_("acknowledgement due"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    decision_due = models.DateTimeField(_("decision due"), db_index=True)
    extension_level = models.PositiveSmallIntegerField(_("extensions"), default=0)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    informed_at = models.DateTimeField(_("customer informed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Recorded once when the outcome is known (decision and notice, or the deadline passing); never rewritten.
    on_time = models.BooleanField(_("decided on time"), null=True, blank=True)

    assigned_to = models.ForeignKey(
        USER,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_complaints",
    )
    responsible_staff = models.ForeignKey(
        USER,
        verbose_name=_("staff member responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accountable_complaints",
    )
    legal_advisor = models.ForeignKey(
        USER,
        verbose_name=_("legal advisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="legal_complaints",
    )
    legal_escalated_at = models.DateTimeField(_("escalated to legal"), null=True, blank=True)

    root_cause = models.ForeignKey(
        RootCause, verbose_name=_("root cause"), null=True, blank=True, on_delete=models.PROTECT
    )
    remedy = models.CharField(_("remedy"), max_length=16, choices=Remedy.choices, blank=True)
    remedy_amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    decision_text = models.TextField(_("decision"), blank=True)
    customer_satisfaction = models.PositiveSmallIntegerField(_("customer satisfaction (1–5)"), null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "decision_due"], name="complaint_due_idx"),
            models.Index(fields=["category", "received_at"], name="complaint_mass_cat_idx"),
            models.Index(fields=["product", "received_at"], name="complaint_mass_prod_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer_satisfaction__isnull=True)
                | Q(customer_satisfaction__gte=1, customer_satisfaction__lte=5),
                name="complaint_satisfaction_1_5",
            ),
            models.CheckConstraint(condition=Q(extension_level__lte=2), name="complaint_at_most_two_extensions"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("complaints:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def is_priority(self) -> bool:
        return self.source == self.Source.REGULATOR or self.severity == self.Severity.HIGH

    @property
    def next_due(self):
        """The deadline that matters now: acknowledgement first, then decision and notice."""
        if self.status == self.Status.RECEIVED:
            return self.acknowledge_due
        if self.status in (self.Status.INFORMED, self.Status.CLOSED):
            return None
        return self.decision_due


class ComplaintNote(models.Model):
    """The complaint's record: investigation notes, legal advice, status changes."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Investigation note")
        LEGAL = "legal", _("Legal advice")
        EVENT = "event", _("Status change")
        CUSTOMER = "customer", _("Customer contact")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="notes"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NOTE)
    body = models.TextField(_("text"))
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("complaint note")
        verbose_name_plural = _("complaint notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"


def evidence_path(instance: Evidence, filename: str) -> str:
    # The stored name never comes from the user; the original name is kept in a column.
    return f"complaints/evidence/{instance.complaint_id}/{instance.stored_name}"


class Evidence(models.Model):
    """A file attached to a complaint, checked by content, stored outside the web root."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=300)
    stored_name = models.CharField(max_length=80, editable=False)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class DeadlineExtension(models.Model):
    """A supervisor's (to 30 days) or manager's (a further 30 days) extension, with the reason told to the customer."""

    class Level(models.IntegerChoices):
        SUPERVISOR = 1, _("Supervisor: to 30 days")
        MANAGER = 2, _("Manager: a further 30 days")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="extensions"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    previous_due = models.DateTimeField(_("previous deadline"))
    new_due = models.DateTimeField(_("new deadline"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(USER, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(pgettext_lazy("extension", "granted"))

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["granted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["complaint", "level"], name="complaint_one_extension_per_level")]

    def __str__(self) -> str:
        return f"{self.complaint_id} +{self.level}"


class ComplaintNotice(models.Model):
    """A notice sent to the customer: acknowledgement with the reference, an extension reason, the decision letter."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        HELD = "held", pgettext_lazy("notice status", "Held by the contact policy")
        FAILED = "failed", _("Failed")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LetterTemplate.Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Complaint.ReplyChannel.choices)
    language = models.CharField(_("language"), max_length=10)
    to_masked = models.CharField(_("to"), max_length=100, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    error = models.CharField(_("error"), max_length=300, blank=True)
    outbound_message = models.ForeignKey(
        "messaging.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("notice to the customer")
        verbose_name_plural = _("notices to the customer")
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.status}"

    @property
    def accepted(self) -> bool:
        """The notice left our hands: sent, or held by the contact policy to go out when allowed (never dropped)."""
        return self.status in (self.Status.SENT, self.Status.HELD)

    @property
    def status_now(self) -> str:
        """The status to show: a held SMS notice follows its message (sent when released, failed if refused)."""
        if self.status != self.Status.HELD or self.outbound_message is None:
            return self.status
        message_status = self.outbound_message.status
        if message_status == "held":
            return self.Status.HELD
        return self.Status.FAILED if message_status == "failed" else self.Status.SENT

    def get_status_now_display(self) -> str:
        """The label of `status_now`."""
        return self.Status(self.status_now).label


class CallbackVisit(models.Model):
    """A callback visit (回访) after a complaint closes: did the remedy happen, is the customer satisfied."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="callback_visits"
    )
    scheduled_for = models.DateField(_("scheduled for"), db_index=True)
    assigned_to = models.ForeignKey(
        USER,
        verbose_name=pgettext_lazy("callback visit", "assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaint_callbacks",
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    customer_satisfied = models.BooleanField(_("customer satisfied"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("callback visit")
        verbose_name_plural = _("callback visits")
        ordering = ["scheduled_for", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.scheduled_for}"


class Incident(models.Model):
    """An entry of the incident register (SPEC §9): outage, SMS provider failure, mass complaint, data breach."""

    class Kind(models.TextChoices):
        SYSTEM_OUTAGE = "system_outage", _("System outage")
        SMS_PROVIDER_FAILURE = "sms_provider_failure", _("SMS provider failure")
        MASS_COMPLAINT = "mass_complaint", _("Mass complaint")
        DATA_BREACH = "data_breach", _("Data breach")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("incident status", "Open")
        RESOLVED = "resolved", pgettext_lazy("incident status", "Resolved")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.HIGH)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    owner = models.ForeignKey(
        USER, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_incidents"
    )
    opened_at = models.DateTimeField(_("opened"), db_index=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    # Mass-complaint incidents: what they group ("category:fees", "product:12"); one open incident per key.
    trigger_key = models.CharField(_("trigger"), max_length=60, blank=True, db_index=True)
    complaints = models.ManyToManyField(Complaint, verbose_name=_("complaints"), blank=True, related_name="incidents")
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trigger_key"],
                condition=Q(status="open") & ~Q(trigger_key=""),
                name="incident_one_open_per_trigger",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("complaints:incident_detail", args=[self.pk])


class IncidentEntry(models.Model):
    """One timeline entry of an incident: what happened, what was done, who decided."""

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField(_("time"))
    text = models.TextField(_("text"))
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("incident timeline entry")
        verbose_name_plural = _("incident timeline entries")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.at:%Y-%m-%d %H:%M}"


def plan_document_path(instance: ContingencyPlan, filename: str) -> str:
    return f"complaints/plans/{instance.stored_name}"


class ContingencyPlan(models.Model):
    """An emergency plan (document) for one kind of incident."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("for incidents of kind"), max_length=24, choices=Incident.Kind.choices)
    version = models.CharField(_("version"), max_length=20, default="1.0")
    summary = models.TextField(_("summary and steps"))
    document = models.FileField(_("document"), upload_to=plan_document_path, blank=True, max_length=300)
    stored_name = models.CharField(max_length=80, blank=True, editable=False)
    owner = models.ForeignKey(
        USER, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)

    class Meta:
        verbose_name = _("contingency plan")
        verbose_name_plural = _("contingency plans")
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class Drill(models.Model):
    """A drill of a contingency plan: when, what scenario, who took part, what was found."""

    held_on = models.DateField(_("date"))
    scenario = models.CharField(_("scenario"), max_length=200)
    plan = models.ForeignKey(
        ContingencyPlan, verbose_name=_("plan"), null=True, blank=True, on_delete=models.SET_NULL, related_name="drills"
    )
    participants = models.TextField(_("participants"))
    findings = models.TextField(_("findings"))
    follow_up = models.TextField(_("follow-up actions"), blank=True)
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.scenario}"


class SuggestionCategory(models.Model):
    """The managed list of suggestion categories."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("of a thing", "name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("suggestion category")
        verbose_name_plural = _("suggestion categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Suggestion(models.Model):
    """A customer's suggestion or feedback from any channel."""

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("suggestion status", "New")
        REVIEWED = "reviewed", pgettext_lazy("suggestion status", "Reviewed")
        ACTIONED = "actioned", _("Action taken")
        DECLINED = "declined", _("Declined")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Complaint.Source.choices)
    category = models.ForeignKey(SuggestionCategory, verbose_name=_("category"), on_delete=models.PROTECT)
    text = models.TextField(_("suggestion"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("complaints:suggestion_detail", args=[self.pk])


class ImprovementAction(models.Model):
    """An improvement the feedback led to, with an owner and a status."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(pgettext_lazy("improvement", "action"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        USER, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="improvement_actions"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED, db_index=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    suggestions = models.ManyToManyField(Suggestion, verbose_name=_("suggestions"), blank=True, related_name="actions")
    complaints = models.ManyToManyField(
        Complaint, verbose_name=_("complaints"), blank=True, related_name="improvement_actions"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["status", "due_date", "id"]

    def __str__(self) -> str:
        return self.title
