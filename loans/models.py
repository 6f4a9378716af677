from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 9, "decimal_places": 6}
ZERO = Decimal("0.00")


class AmortizationMethod(models.TextChoices):
    EQUAL_INSTALLMENT = "equal_installment", _("Equal installment (等额本息)")
    EQUAL_PRINCIPAL = "equal_principal", _("Equal principal (等额本金)")
    INTEREST_ONLY = "interest_only", _("Interest only, principal at the end (先息后本)")


class DayCount(models.TextChoices):
    ACT_360 = "act360", _("actual/360")
    ACT_365 = "act365", _("actual/365")


class Product(models.Model):
    """A loan product kept by back office; its fee terms are copied onto each contract when signed."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
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
    reminder_policy = models.ForeignKey(
        "reminders.ReminderPolicy", verbose_name=_("reminder policy"), null=True, blank=True, on_delete=models.SET_NULL
    )
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
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        WRITTEN_OFF = "written_off", _("Written off")
        RESTRUCTURED = "restructured", _("Restructured")

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
    comprehensive_apr = models.DecimalField(
        _("comprehensive annual cost"), max_digits=7, decimal_places=4, default=Decimal("0")
    )
    # Denormalised for lists and jobs (kept by the overdue job and repayment posting).
    dpd = models.PositiveIntegerField(_("days past due"), default=0, db_index=True)
    bucket = models.CharField(_("bucket"), max_length=4, choices=Bucket.choices, default=Bucket.M0, db_index=True)
    next_due_date = models.DateField(_("next due date"), null=True, blank=True, db_index=True)
    credit_balance = models.DecimalField(_("customer credit"), default=ZERO, **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-id"]
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
        PENDING = "pending", _("Pending")
        PARTIALLY_PAID = "partially_paid", _("Partially paid")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveSmallIntegerField(_("number"))
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
