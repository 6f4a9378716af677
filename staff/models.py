from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# ---- training ----------------------------------------------------------------------------------


class TrainingSession(models.Model):
    """A training course held on one day, attended by staff members."""

    class Topic(models.TextChoices):
        FINANCE = "finance", pgettext_lazy("training topic", "Finance")
        LAW = "law", _("Law and regulation")
        COMMUNICATION = "communication", _("Communication")
        COMPLAINT_HANDLING = "complaint_handling", _("Complaint handling")
        INFORMATION_SECURITY = "information_security", _("Information security")

    title = models.CharField(_("course"), max_length=200)
    topic = models.CharField(_("topic"), max_length=24, choices=Topic.choices, db_index=True)
    held_on = models.DateField(_("date"), db_index=True)
    hours = models.DecimalField(pgettext_lazy("training", "hours"), max_digits=5, decimal_places=1)
    trainer = models.CharField(_("trainer"), max_length=100)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-held_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(hours__gt=0), name="training_hours_positive")]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on})"


class TrainingAttendance(models.Model):
    """One staff member attended one training session (hours count towards their training hours)."""

    session = models.ForeignKey(
        TrainingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendances"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="trainings"
    )

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendances")
        constraints = [models.UniqueConstraint(fields=["session", "staff"], name="training_attendance_unique")]

    def __str__(self) -> str:
        return f"{self.staff_id} @ {self.session_id}"


# ---- performance scoring -----------------------------------------------------------------------


class KpiWeight(models.Model):
    """The weight (percent) of one KPI in the monthly performance score; the weights sum to 100."""

    kpi = models.CharField(_("KPI"), max_length=32, unique=True)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("KPI weight")
        verbose_name_plural = _("KPI weights")
        ordering = ["kpi"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=0, weight__lte=100), name="kpi_weight_range")
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.weight}%"


class GradeBand(models.Model):
    """A grade (A–D) reached from `min_score` upwards, with the pay coefficient payroll applies."""

    class Grade(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"
        D = "D", "D"

    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, unique=True)
    min_score = models.DecimalField(_("minimum score"), max_digits=5, decimal_places=2)
    pay_coefficient = models.DecimalField(_("pay coefficient"), max_digits=4, decimal_places=2)

    class Meta:
        verbose_name = _("grade band")
        verbose_name_plural = _("grade bands")
        ordering = ["grade"]
        constraints = [
            models.CheckConstraint(condition=models.Q(min_score__gte=0, min_score__lte=100), name="grade_min_range"),
            models.CheckConstraint(condition=models.Q(pay_coefficient__gte=0), name="grade_coefficient_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.grade} ≥ {self.min_score} × {self.pay_coefficient}"


class PerformanceReview(models.Model):
    """A staff member's monthly review: the computed score and grade, the supervisor's comment, a manager's sign-off.

    Once signed off the review is locked: services refuse every change and the audit log holds the sign-off.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COMMENTED = "commented", _("Commented")
        SIGNED = "signed", _("Signed off")

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="reviews"
    )
    month = models.DateField(_("month"), help_text=_("First day of the month reviewed."))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=GradeBand.Grade.choices, blank=True)
    pay_coefficient = models.DecimalField(_("pay coefficient"), max_digits=4, decimal_places=2, null=True, blank=True)
    kpis = models.JSONField(_("KPI figures"), default=dict, blank=True)
    supervisor_comment = models.TextField(_("supervisor's comment"), blank=True)
    commented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)

    class Meta:
        verbose_name = _("performance review")
        verbose_name_plural = _("performance reviews")
        ordering = ["-month", "staff__username"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "month"], name="review_staff_month_unique"),
            models.CheckConstraint(
                condition=~models.Q(status="signed") | models.Q(signed_at__isnull=False), name="review_signed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.month:%Y-%m}"

    @property
    def locked(self) -> bool:
        return self.status == self.Status.SIGNED


# ---- QA sampling -------------------------------------------------------------------------------


class QaReview(models.Model):
    """One sampled closed inquiry or complaint, reviewed by the agent's supervisor with a scorecard."""

    class Kind(models.TextChoices):
        INQUIRY = "inquiry", _("Inquiry")
        COMPLAINT = "complaint", _("Complaint")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("record id"))
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("staff member", "agent"),
        on_delete=models.CASCADE,
        related_name="qa_reviews",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="qa_reviews_to_do",
    )
    week = models.DateField(_("week"), help_text=_("Monday of the week the record was closed."), db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    accuracy = models.PositiveSmallIntegerField(_("accuracy"), null=True, blank=True)
    attitude = models.PositiveSmallIntegerField(_("attitude"), null=True, blank=True)
    compliance = models.PositiveSmallIntegerField(_("compliance"), null=True, blank=True)
    timeliness = models.PositiveSmallIntegerField(_("timeliness"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("sampled"), auto_now_add=True)

    class Meta:
        verbose_name = _("QA review")
        verbose_name_plural = _("QA reviews")
        ordering = ["reviewed_at", "-week", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="qa_review_record_unique"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=100),
                name="qa_score_range",
            ),
        ]
        indexes = [models.Index(fields=["agent", "week"], name="qa_agent_week_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference or self.object_id}"


# ---- satisfaction survey -----------------------------------------------------------------------


class Survey(models.Model):
    """A one-time satisfaction survey link sent by SMS after an inquiry is resolved or a complaint closed."""

    class Kind(models.TextChoices):
        INQUIRY = "inquiry", _("Inquiry")
        COMPLAINT = "complaint", _("Complaint")

    class Status(models.TextChoices):
        PENDING = "pending", _("Not sent yet")
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")
        SKIPPED = "skipped", _("Not sent (no mobile or opted out)")
        FAILED = "failed", _("Sending failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("record id"))
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="surveys"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created"), db_index=True)
    expires_at = models.DateTimeField(_("valid until"))
    outbound_message = models.ForeignKey(
        "messaging.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="survey_record_unique"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="survey_rating_range",
            ),
        ]
        indexes = [models.Index(fields=["staff", "answered_at"], name="survey_staff_answer_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference or self.object_id}"


# ---- office assets -----------------------------------------------------------------------------


class Asset(models.Model):
    """Office equipment (computers, phones, headsets) in the register, assigned to staff until retired."""

    class Kind(models.TextChoices):
        COMPUTER = "computer", _("Computer")
        PHONE = "phone", _("Phone")
        HEADSET = "headset", _("Headset")
        PRINTER = "printer", _("Printer")
        OTHER = "other", _("Other equipment")

    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("In stock")
        IN_USE = "in_use", _("In use")
        MAINTENANCE = "maintenance", _("In maintenance")
        RETIRED = "retired", _("Retired")

    asset_tag = models.CharField(_("asset tag"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200)
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True)
    purchased_on = models.DateField(_("purchased"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.IN_STOCK)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("office asset", "assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assets",
    )
    assigned_on = models.DateField(_("assigned"), null=True, blank=True)
    retired_on = models.DateField(_("retired"), null=True, blank=True)
    retirement_reason = models.CharField(_("retirement reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("office asset")
        verbose_name_plural = _("office assets")
        ordering = ["asset_tag"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="retired") | models.Q(retired_on__isnull=False, assigned_to__isnull=True),
                name="asset_retired_unassigned",
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_tag} {self.description}"


class AssetAssignment(models.Model):
    """History of who held an asset."""

    asset = models.ForeignKey(Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="assignments")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.PROTECT)
    assigned_on = models.DateField(_("assigned"))
    returned_on = models.DateField(_("returned"), null=True, blank=True)

    class Meta:
        verbose_name = _("asset assignment")
        verbose_name_plural = _("asset assignments")
        ordering = ["-assigned_on"]

    def __str__(self) -> str:
        return f"{self.asset_id} → {self.staff_id}"


class AssetMaintenance(models.Model):
    """A repair or service of an asset."""

    asset = models.ForeignKey(Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="maintenance")
    performed_on = models.DateField(_("date"))
    description = models.CharField(_("work done"), max_length=200)
    vendor = models.CharField(_("vendor"), max_length=100, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=10, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("maintenance record")
        verbose_name_plural = _("maintenance records")
        ordering = ["-performed_on"]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.performed_on}"


# ---- daily KPI roll-ups (kept by a task; the dashboard reads them for whole past days) ---------


class KpiRollupDay(models.Model):
    """A local day whose inquiry figures are rolled up, and when; days without a row are computed live."""

    day = models.DateField(unique=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("KPI roll-up day")
        verbose_name_plural = _("KPI roll-up days")

    def __str__(self) -> str:
        return f"{self.day}"


class KpiRollup(models.Model):
    """Inquiry KPI components of one staff member (0: unassigned) on one local day.

    Received-day components (SLA, resolution) count inquiries received that day by assigned agent; `inq_handled`
    counts inquiries resolved that day by who resolved them; `csat_*` the survey answers given that day.
    """

    day = models.DateField()
    staff_id = models.BigIntegerField()
    sla_total = models.PositiveIntegerField(default=0)
    sla_met = models.PositiveIntegerField(default=0)
    inq_assigned = models.PositiveIntegerField(default=0)
    inq_resolved = models.PositiveIntegerField(default=0)
    inq_handled = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    csat_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("KPI roll-up")
        verbose_name_plural = _("KPI roll-ups")
        constraints = [models.UniqueConstraint(fields=["day", "staff_id"], name="kpi_rollup_day_staff")]

    def __str__(self) -> str:
        return f"{self.day} {self.staff_id}"


class KpiResponseHistogram(models.Model):
    """How many inquiries received on a day and assigned to a staff member were first answered after N seconds."""

    day = models.DateField()
    staff_id = models.BigIntegerField()
    seconds = models.PositiveIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("first-response histogram")
        verbose_name_plural = _("first-response histograms")
        indexes = [
            models.Index(fields=["day", "staff_id"], name="kpi_response_day_idx"),
            models.Index(fields=["seconds", "day"], name="kpi_response_seconds_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.staff_id} {self.seconds}s×{self.count}"


class KpiResponseMinutes(models.Model):
    """The first-response histogram summed by whole minutes: finds the minute holding the median quickly."""

    day = models.DateField()
    staff_id = models.BigIntegerField()
    minute = models.PositiveIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("first-response histogram by minute")
        verbose_name_plural = _("first-response histograms by minute")
        indexes = [models.Index(fields=["day", "staff_id"], name="kpi_response_minute_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.staff_id} {self.minute}min×{self.count}"
