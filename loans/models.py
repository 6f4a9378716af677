from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.money import format_cny

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 9, "decimal_places": 6}
ZERO = Decimal("0.00")


class AmortizationMethod(models.TextChoices):
    EQUAL_INSTALLMENT = "equal_installment", _("Equal installment")
    EQUAL_PRINCIPAL = "equal_principal", _("Equal principal (等额本金)")
    INTEREST_ONLY = "interest_only", _("Interest only, principal at the end (先息后本)")


class DayCount(models.TextChoices):
    ACT_360 = "act360", _("actual/360")
    ACT_365 = "act365", _("actual/365")


class Classification(models.TextChoices):
    """The five-category loan classification (贷款五级分类)."""

    NORMAL = "normal", _("Normal (正常)")
    SPECIAL_MENTION = "special_mention", _("Special mention (关注)")
    SUBSTANDARD = "substandard", _("Substandard (次级)")
    DOUBTFUL = "doubtful", _("Doubtful (可疑)")
    LOSS = "loss", _("Loss (损失)")


class Product(models.Model):
    """A loan product kept by back office; its fee terms are copied onto each contract when signed."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(pgettext_lazy("product", "name"), max_length=100)
    method = models.CharField(_("amortization method"), max_length=24, choices=AmortizationMethod.choices)
    min_rate = models.DecimalField(_("minimum annual rate"), **RATE)
    max_rate = models.DecimalField(_("maximum annual rate"), **RATE)
    min_term = models.PositiveSmallIntegerField(_("minimum term (months)"), default=1)
    max_term = models.PositiveSmallIntegerField(_("maximum term (months)"), default=36)
    min_principal = models.DecimalField(_("minimum principal"), default=Decimal("1000.00"), **MONEY)
    max_principal = models.DecimalField(_("maximum principal"), default=Decimal("200000.00"), **MONEY)
    grace_days = models.PositiveSmallIntegerField(_("grace days"), default=3)
    day_count = models.CharField(_("day count"), max_length=8, choices=DayCount.choices, default=DayCount.ACT_360)
    penalty_markup = models.DecimalField(
        _("penalty markup"),
        default=Decimal("0.500000"),
        validators=[MinValueValidator(Decimal("0.3")), MaxValueValidator(Decimal("0.5"))],
        help_text=_("Penalty interest = contract rate × (1 + markup); 30%–50% allowed."),
        **RATE,
    )
    late_fee = models.DecimalField(_("late fee per overdue installment"), default=ZERO, **MONEY)
    early_repayment_fee_rate = models.DecimalField(
        _("early-repayment fee (% of prepaid principal)"), default=Decimal("0"), **RATE
    )
    early_repayment_fee_waived_after_months = models.PositiveSmallIntegerField(
        _("early-repayment fee waived after (months)"), null=True, blank=True
    )
    upfront_fee_rate = models.DecimalField(_("upfront fee (% of principal)"), default=Decimal("0"), **RATE)
    # The product's reminder policy lives on the reminders side (reminders.ProductReminderPolicy).
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Loan(models.Model):
    """A signed loan contract. Fee terms are copied from the product at signing and never follow later edits."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("loan status", "Active")
        CLOSED = "closed", pgettext_lazy("loan status", "Closed")
        WRITTEN_OFF = "written_off", _("Written off")
        RESTRUCTURED = "restructured", _("Restructured")

        @classmethod
        def open_statuses(cls) -> tuple[str, ...]:
            """Loans still being repaid: the overdue job, reminders and restructuring work on these."""
            return (cls.ACTIVE.value, cls.RESTRUCTURED.value)

        @classmethod
        def closed_statuses(cls) -> tuple[str, ...]:
            """Loans with nothing more to collect."""
            return (cls.CLOSED.value, cls.WRITTEN_OFF.value)

    class Bucket(models.TextChoices):
        M0 = "M0", _("M0 current")
        M1 = "M1", _("M1 (1–30 days)")
        M2 = "M2", _("M2 (31–60 days)")
        M3 = "M3", _("M3 (61–90 days)")
        M3_PLUS = "M3+", _("M3+ (over 90 days)")

    contract_number = models.CharField(_("contract number"), max_length=32, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="loans"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="loans")
    principal = models.DecimalField(_("principal"), **MONEY)
    annual_rate = models.DecimalField(_("annual rate"), **RATE)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    method = models.CharField(_("amortization method"), max_length=24, choices=AmortizationMethod.choices)
    disbursement_date = models.DateField(_("disbursement date"))
    first_due_date = models.DateField(_("first due date"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    # Fee terms copied from the product at signing (the contract clauses).
    grace_days = models.PositiveSmallIntegerField(_("grace days"))
    day_count = models.CharField(_("day count"), max_length=8, choices=DayCount.choices, default=DayCount.ACT_360)
    penalty_markup = models.DecimalField(_("penalty markup"), **RATE)
    late_fee = models.DecimalField(_("late fee"), **MONEY)
    early_repayment_fee_rate = models.DecimalField(_("early-repayment fee rate"), **RATE)
    early_repayment_fee_waived_after_months = models.PositiveSmallIntegerField(null=True, blank=True)
    upfront_fee = models.DecimalField(_("upfront fee"), default=ZERO, **MONEY)
    # On the cash flows' actual dates (loans/apr.py); after a restructuring, the cost of the schedule in force.
    comprehensive_apr = models.DecimalField(_("comprehensive annual cost"), default=Decimal("0"), **RATE)
    # Denormalised for lists and jobs (kept by the overdue job and repayment posting).
    dpd = models.PositiveIntegerField(_("days past due"), default=0, db_index=True)
    bucket = models.CharField(_("bucket"), max_length=4, choices=Bucket.choices, default=Bucket.M0, db_index=True)
    next_due_date = models.DateField(_("next due date"), null=True, blank=True, db_index=True)
    credit_balance = models.DecimalField(_("customer credit"), default=ZERO, **MONEY)
    # Post-loan follow-up (贷后管理): the latest five-category classification and when it was reviewed.
    classification = models.CharField(
        _("classification"), max_length=16, choices=Classification.choices, default=Classification.NORMAL
    )
    last_reviewed_on = models.DateField(_("last post-loan review"), null=True, blank=True, db_index=True)
    # Risk signals for the review queue, copied set-based from inquiries and complaints by
    # loans.services.reviews.review_signals_refresh (beat, every few minutes): the customer's latest dates.
    hardship_reported_on = models.DateField(_("latest hardship inquiry"), null=True, blank=True)
    complained_on = models.DateField(_("latest complaint"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("loan", "closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-id"]
        indexes = [
            # The review queue's default order (riskiest first) read from the index, not a sort of every open loan.
            models.Index(
                models.F("dpd").desc(),
                models.F("id"),
                name="loan_review_risk_idx",
                condition=models.Q(status__in=["active", "restructured"]),
            ),
            # The reconciliation's credit held sums only the loans that hold any.
            models.Index(fields=["credit_balance"], name="loan_credit_held_idx", condition=~models.Q(credit_balance=0)),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(principal__gt=0), name="loan_principal_positive")]

    def __str__(self) -> str:
        return self.contract_number

    def get_absolute_url(self) -> str:
        return reverse("loans:detail", args=[self.pk])

    @property
    def contract_number_masked(self) -> str:
        """Shown in SMS and to customers: only the last four characters."""
        return "****" + self.contract_number[-4:]


class Installment(models.Model):
    """One row of a loan's schedule, with what is due and what was paid per component."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("installment status", "Pending")
        PARTIALLY_PAID = "partially_paid", _("Partially paid")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveSmallIntegerField(pgettext_lazy("installment", "number"))
    due_date = models.DateField(_("due date"), db_index=True)
    principal_due = models.DecimalField(_("principal due"), **MONEY)
    interest_due = models.DecimalField(_("interest due"), **MONEY)
    fees_due = models.DecimalField(_("fees due"), default=ZERO, **MONEY)
    penalty_due = models.DecimalField(_("penalty due"), default=ZERO, **MONEY)
    principal_paid = models.DecimalField(_("principal paid"), default=ZERO, **MONEY)
    interest_paid = models.DecimalField(_("interest paid"), default=ZERO, **MONEY)
    fees_paid = models.DecimalField(_("fees paid"), default=ZERO, **MONEY)
    penalty_paid = models.DecimalField(_("penalty paid"), default=ZERO, **MONEY)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    paid_at = models.DateTimeField(_("fully paid at"), null=True, blank=True)
    # False for rows replaced by a restructuring (kept as history); only current rows are due.
    is_current = models.BooleanField(_("current schedule"), default=True)
    # The daily job accrues penalty interest up to and including this date; running a day twice adds nothing.
    penalty_accrued_through = models.DateField(_("penalty accrued through"), null=True, blank=True)
    # The exact accrued penalty to that date, rounded once; each run adds (new total − this) to penalty_due, so
    # the total never depends on how often the job ran, and a waiver (which lowers penalty_due) stays waived.
    penalty_accrued = models.DecimalField(_("penalty accrued"), default=ZERO, db_default=ZERO, **MONEY)
    late_fee_charged = models.BooleanField(_("late fee charged"), default=False)

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["loan", "number"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="installment_status_due_idx"),
            models.Index(fields=["loan", "is_current", "number"], name="installment_loan_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.number}"

    @property
    def total_due(self) -> Decimal:
        return self.principal_due + self.interest_due + self.fees_due + self.penalty_due

    @property
    def total_paid(self) -> Decimal:
        return self.principal_paid + self.interest_paid + self.fees_paid + self.penalty_paid

    @property
    def outstanding(self) -> Decimal:
        return self.total_due - self.total_paid


class ContractClause(models.Model):
    """A fee term of a signed contract, copied from the product; every fee line points to one of these."""

    class Kind(models.TextChoices):
        UPFRONT_FEE = "upfront_fee", _("Upfront fee")
        LATE_FEE = "late_fee", _("Late fee")
        EARLY_REPAYMENT_FEE = "early_repayment_fee", _("Early-repayment fee")
        PENALTY_INTEREST = "penalty_interest", _("Penalty interest")

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="clauses")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    reference = models.CharField(_("clause"), max_length=16)
    text = models.TextField(_("wording"), blank=True)
    amount = models.DecimalField(_("fixed amount"), default=ZERO, **MONEY)
    rate = models.DecimalField(_("rate"), default=Decimal("0"), **RATE)
    waived_after_months = models.PositiveSmallIntegerField(_("waived after (months)"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract clause")
        verbose_name_plural = _("contract clauses")
        ordering = ["loan", "reference"]
        constraints = [models.UniqueConstraint(fields=["loan", "kind"], name="clause_one_per_kind")]

    def __str__(self) -> str:
        return f"§{self.reference} {self.get_kind_display()}"

    @property
    def wording(self) -> str:
        """The clause as the contract states it, in the reader's language."""
        if self.text:
            return self.text
        percent = f"{self.rate * 100:.2f}%".replace(".00%", "%")
        if self.kind == self.Kind.UPFRONT_FEE:
            return _("An upfront fee of %(amount)s, deducted from the amount disbursed.") % {
                "amount": format_cny(self.amount)
            }
        if self.kind == self.Kind.LATE_FEE:
            return _("A late fee of %(amount)s for each installment that becomes overdue.") % {
                "amount": format_cny(self.amount)
            }
        if self.kind == self.Kind.EARLY_REPAYMENT_FEE:
            text = _("An early-repayment fee of %(rate)s of the principal repaid before its due date.") % {
                "rate": percent
            }
            if self.waived_after_months:
                text += " " + _("No fee after %(months)s months from disbursement.") % {
                    "months": self.waived_after_months
                }
            return text
        return _("Penalty interest on overdue principal at the contract rate × (1 + %(markup)s), charged per day.") % {
            "markup": percent
        }


class FeeCharge(models.Model):
    """A fee charged on a loan; it must rely on a clause of that loan's contract."""

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="fee_charges")
    installment = models.ForeignKey(
        Installment, verbose_name=_("installment"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    clause = models.ForeignKey(ContractClause, verbose_name=_("contract clause"), on_delete=models.PROTECT)
    amount = models.DecimalField(_("amount"), **MONEY)
    waived = models.DecimalField(_("waived"), default=ZERO, **MONEY)
    charged_on = models.DateField(_("charged on"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("fee line")
        verbose_name_plural = _("fee lines")
        ordering = ["loan", "charged_on", "id"]
        indexes = [
            models.Index(fields=["charged_on"], name="feecharge_charged_on_idx"),
            # The revenue report subtracts waived upfront fees live: only the (few) charges with a waiver.
            models.Index(fields=["charged_on"], name="feecharge_waived_idx", condition=models.Q(waived__gt=0)),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="fee_amount_positive")]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.amount} (§{self.clause_id})"


class Repayment(models.Model):
    """Money received for a loan, identified by the payment provider's transaction id."""

    class Channel(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CARD = "card", _("Card")
        CASH = "cash", _("Cash")
        APP = "app", _("App")

    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        REVERSED = "reversed", _("Reversed")

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Installment payment")
        SETTLEMENT = "settlement", _("Early settlement")

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="repayments")
    amount = models.DecimalField(_("amount"), **MONEY)
    received_at = models.DateTimeField(_("received at"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("transaction id"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.REGULAR)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.POSTED)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversal_reason = models.CharField(_("reversal reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["loan", "received_at"], name="repayment_loan_idx"),
            # The reconciliation's reversed total reads only the (few) reversed rows.
            models.Index(fields=["amount"], name="repayment_reversed_idx", condition=models.Q(status="reversed")),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="repayment_amount_positive")]

    def __str__(self) -> str:
        return self.external_id


class Allocation(models.Model):
    """Where money of a repayment went: an installment component (income type) or customer credit.

    A reversal adds the same rows with negative amounts, so sums over any period stay right.
    """

    class IncomeType(models.TextChoices):
        PENALTY = "penalty", _("Penalty interest")
        FEE = "fee", _("Fees")
        INTEREST = "interest", _("Interest")
        PRINCIPAL = "principal", _("Principal")
        CREDIT = "credit", _("Customer credit")

    repayment = models.ForeignKey(
        Repayment, verbose_name=_("repayment"), on_delete=models.PROTECT, related_name="allocations"
    )
    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    installment = models.ForeignKey(
        Installment, verbose_name=_("installment"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    income_type = models.CharField(_("type"), max_length=10, choices=IncomeType.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    booked_at = models.DateTimeField(_("booked at"), db_index=True)
    is_reversal = models.BooleanField(_("reversal"), default=False)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["booked_at", "id"]
        indexes = [
            models.Index(fields=["product", "income_type", "booked_at"], name="allocation_report_idx"),
            # The monthly revenue report reads one month's rows from this index alone (no table visits).
            models.Index(fields=["booked_at", "product", "income_type", "amount"], name="allocation_month_cover_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.repayment_id} {self.income_type} {self.amount}"


class FeeWaiver(models.Model):
    """A request to waive penalty interest or fees; a manager decides."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="waivers")
    installment = models.ForeignKey(
        Installment, verbose_name=_("installment"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    applied_amount = models.DecimalField(_("amount waived"), default=ZERO, **MONEY)

    class Meta:
        verbose_name = _("fee waiver")
        verbose_name_plural = _("fee waivers")
        ordering = ["-requested_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="waiver_amount_positive")]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.amount} {self.status}"


class RestructurePlan(models.Model):
    """A personalised repayment plan (个性化还款方案) through propose → review → approve → accept."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        REVIEWED = "reviewed", _("Reviewed by risk")
        APPROVED = "approved", _("Approved")
        APPLIED = "applied", _("Accepted and applied")
        REJECTED = "rejected", _("Rejected")

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="restructure_plans")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    extension_months = models.PositiveSmallIntegerField(_("term extension (months)"), default=0)
    holiday_installments = models.PositiveSmallIntegerField(
        _("payment holiday (installments)"),
        default=0,
        help_text=_("During the holiday only interest is due; principal repayment starts after it."),
    )
    new_rate = models.DecimalField(_("reduced annual rate"), null=True, blank=True, **RATE)
    waive_penalty = models.BooleanField(_("waive outstanding penalty interest"), default=False)
    reason = models.TextField(_("customer's situation"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("risk review"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    acceptance_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(_("customer accepted at"), null=True, blank=True)
    acceptance_note = models.CharField(_("how the customer accepted"), max_length=300, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_note = models.CharField(_("rejection reason"), max_length=300, blank=True)
    new_apr = models.DecimalField(_("new comprehensive annual cost"), null=True, blank=True, **RATE)

    class Meta:
        verbose_name = _("restructuring plan")
        verbose_name_plural = _("restructuring plans")
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.loan} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("loans:restructure_detail", args=[self.pk])


class LoanReview(models.Model):
    """A post-loan review (贷后检查) by a risk assessor."""

    class FundsUse(models.TextChoices):
        AS_STATED = "as_stated", _("As stated in the contract")
        PARTLY = "partly", _("Partly as stated")
        DIVERTED = "diverted", _("Diverted from the stated purpose")
        UNKNOWN = "unknown", _("Could not be verified")

    class Contact(models.TextChoices):
        REACHED = "reached", _("Customer reached")
        NO_ANSWER = "no_answer", _("No answer")
        WRONG_NUMBER = "wrong_number", _("Wrong or disconnected number")
        REFUSED = "refused", _("Customer refused to talk")
        VISITED = "visited", _("Visited in person")

    class Finances(models.TextChoices):
        STABLE = "stable", _("Stable")
        WEAKENED = "weakened", _("Weakened")
        SERIOUS = "serious", _("Serious difficulty")

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"))
    classification = models.CharField(_("classification"), max_length=16, choices=Classification.choices)
    previous_classification = models.CharField(
        _("previous classification"), max_length=16, choices=Classification.choices, blank=True
    )
    funds_use = models.CharField(_("use of funds"), max_length=12, choices=FundsUse.choices)
    funds_use_note = models.TextField(_("use of funds vs. stated purpose"), blank=True)
    financial_condition = models.CharField(_("financial condition"), max_length=10, choices=Finances.choices)
    financial_note = models.TextField(_("financial condition notes"), blank=True)
    contact_outcome = models.CharField(_("contact outcome"), max_length=14, choices=Contact.choices)
    measures = models.TextField(_("measures taken"), blank=True)
    trigger = models.CharField(_("why it was due"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("post-loan review")
        verbose_name_plural = _("post-loan reviews")
        ordering = ["-reviewed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.loan} {self.classification}"


class LedgerMonth(models.Model):
    """Allocation totals per calendar month (portal time zone), product and income type, and upfront fees charged
    (income type "upfront", before waivers), up to the watermarks in LedgerState: those rows are never changed or
    deleted (a reversal adds negative rows), so these plus the rows after the watermark are exact."""

    month = models.DateField(_("month"))
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    income_type = models.CharField(_("type"), max_length=10)  # an Allocation.IncomeType, or UPFRONT
    amount = models.DecimalField(_("amount"), default=ZERO, **MONEY)

    UPFRONT = "upfront"

    class Meta:
        verbose_name = _("ledger month")
        verbose_name_plural = _("ledger months")
        constraints = [
            models.UniqueConstraint(fields=["month", "product", "income_type"], name="ledger_month_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.product_id} {self.income_type} {self.amount}"


class LedgerState(models.Model):
    """One row: how far LedgerMonth and `received` go (allocation and repayment ids), and the latest full check of
    the installments against the ledger."""

    allocation_through = models.BigIntegerField(_("allocations folded through id"), default=0)
    repayment_through = models.BigIntegerField(_("repayments folded through id"), default=0)
    feecharge_through = models.BigIntegerField(_("fee charges folded through id"), default=0)
    received = models.DecimalField(_("repayments received through the watermark"), default=ZERO, **MONEY)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    checked_at = models.DateTimeField(_("installments last checked at"), null=True, blank=True)
    check_ledger = models.JSONField(_("ledger at the last check"), default=dict, blank=True)
    check_paid = models.JSONField(_("paid on installments at the last check"), default=dict, blank=True)
    check_problems = models.JSONField(_("problems at the last check"), default=list, blank=True)

    class Meta:
        verbose_name = _("ledger state")
        verbose_name_plural = _("ledger state")

    def __str__(self) -> str:
        return f"ledger through allocation {self.allocation_through}"
