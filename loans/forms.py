from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from loans.models import Classification, Installment, Loan, LoanReview, Product, Repayment
from loans.schedule import add_months

HUNDRED = Decimal(100)


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class LoanFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Contract no., customer name / no., mobile")}),
    )
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.all(), required=False, empty_label=_("Any product")
    )
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any status")), *Loan.Status.choices], required=False)
    bucket = forms.ChoiceField(label=_("Bucket"), choices=[("", _("Any bucket")), *Loan.Bucket.choices], required=False)
    due_from = forms.DateField(label=_("Next due from"), required=False, widget=DateInput)
    due_to = forms.DateField(label=_("Next due to"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = (
                "form-select form-select-sm"
                if name in ("product", "status", "bucket")
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css


class LoanCreateForm(forms.Form):
    customer_number = forms.CharField(label=_("Customer number"), max_length=20)
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.filter(active=True))
    principal = forms.DecimalField(
        label=_("Principal (CNY)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    annual_rate_percent = forms.DecimalField(
        label=_("Annual interest rate (%)"), max_digits=7, decimal_places=4, min_value=Decimal(0), max_value=HUNDRED
    )
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=360)
    disbursement_date = forms.DateField(label=_("Disbursement date"), widget=DateInput)
    first_due_date = forms.DateField(label=_("First due date"), widget=DateInput)
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)
    extra_fee_name = forms.CharField(
        label=_("Other fee (name)"),
        max_length=100,
        required=False,
        help_text=_("Only the product's contract clauses may be charged; any other fee is refused."),
    )
    extra_fee_amount = forms.DecimalField(
        label=_("Other fee (amount)"), max_digits=14, decimal_places=2, required=False, min_value=Decimal("0")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["disbursement_date"].initial = today
        self.fields["first_due_date"].initial = add_months(today, 1)

    def clean_customer_number(self):
        number = self.cleaned_data["customer_number"].strip()
        customer = Customer.objects.filter(customer_number__iexact=number).first()
        if customer is None:
            raise forms.ValidationError(_("No customer has this number."))
        self.customer = customer
        return number

    @property
    def annual_rate(self) -> Decimal:
        return (self.cleaned_data["annual_rate_percent"] / HUNDRED).quantize(Decimal("0.000001"))

    @property
    def extra_fees(self) -> list[str]:
        name = (self.cleaned_data.get("extra_fee_name") or "").strip()
        amount = self.cleaned_data.get("extra_fee_amount")
        if name or amount:
            return [name or str(amount)]
        return []


class RepaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    received_at = forms.DateTimeField(label=_("Received at"), widget=DateTimeInput)
    channel = forms.ChoiceField(label=_("Channel"), choices=Repayment.Channel.choices)
    external_id = forms.CharField(label=_("Transaction id"), max_length=64)

    def __init__(self, *args, loan: Loan | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.loan = loan
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean_received_at(self):
        from loans.services.common import received_at_check

        received_at = self.cleaned_data["received_at"]
        if self.loan is not None:
            try:
                received_at_check(loan=self.loan, received_at=received_at)
            except forms.ValidationError as exc:
                raise forms.ValidationError(exc.message_dict["received_at"]) from exc
        return received_at


class ReversalForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the reversal"), max_length=300)


class SettlementForm(RepaymentForm):
    MODES = [("full", _("Full settlement")), ("partial", _("Partial prepayment"))]
    OPTIONS = [
        ("shorten_term", _("Keep the installment, shorten the term")),
        ("lower_installment", _("Keep the term, lower the installment")),
    ]

    mode = forms.ChoiceField(label=_("Settlement"), choices=MODES, widget=forms.RadioSelect, initial="full")
    prepay_principal = forms.DecimalField(
        label=_("Principal to repay early (partial)"),
        max_digits=14,
        decimal_places=2,
        required=False,
        min_value=Decimal("0.01"),
    )
    option = forms.ChoiceField(label=_("After a partial prepayment"), choices=OPTIONS, initial="shorten_term")
    field_order = ["mode", "prepay_principal", "option", "amount", "received_at", "channel", "external_id"]

    def clean(self):
        data = super().clean()
        if data.get("mode") == "partial" and not data.get("prepay_principal"):
            self.add_error("prepay_principal", _("Say how much principal the customer repays early."))
        return data


class WaiverRequestForm(forms.Form):
    installment = forms.ModelChoiceField(
        label=_("Installment (optional)"),
        queryset=Installment.objects.none(),
        required=False,
        empty_label=_("Whole loan"),
    )
    amount = forms.DecimalField(
        label=_("Amount to waive (CNY)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, loan: Loan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["installment"].queryset = Installment.objects.filter(loan=loan, is_current=True).exclude(
            status=Installment.Status.PAID
        )
        self.fields["installment"].label_from_instance = lambda row: (
            _("#%(number)s due %(date)s")
            % {
                "number": row.number,
                "date": row.due_date,
            }
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class RestructureForm(forms.Form):
    extension_months = forms.IntegerField(label=_("Extend the term by (months)"), min_value=0, max_value=120, initial=0)
    holiday_installments = forms.IntegerField(
        label=_("Payment holiday (installments)"),
        min_value=0,
        max_value=12,
        initial=0,
        help_text=_("During the holiday only interest is due."),
    )
    new_rate_percent = forms.DecimalField(
        label=_("Reduced annual rate (%)"), max_digits=7, decimal_places=4, min_value=Decimal(0), required=False
    )
    waive_penalty = forms.BooleanField(label=_("Waive the outstanding penalty interest"), required=False)
    reason = forms.CharField(label=_("Customer's situation"), widget=forms.Textarea(attrs={"rows": 3}))

    @property
    def new_rate(self) -> Decimal | None:
        value = self.cleaned_data.get("new_rate_percent")
        return None if value is None else (value / HUNDRED).quantize(Decimal("0.000001"))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class LoanReviewForm(forms.ModelForm):
    class Meta:
        model = LoanReview
        fields = [
            "classification",
            "funds_use",
            "funds_use_note",
            "financial_condition",
            "financial_note",
            "contact_outcome",
            "measures",
        ]
        widgets = {
            "funds_use_note": forms.Textarea(attrs={"rows": 2}),
            "financial_note": forms.Textarea(attrs={"rows": 2}),
            "measures": forms.Textarea(attrs={"rows": 2}),
        }


class MonthForm(forms.Form):
    month = forms.CharField(label=_("Month"), widget=forms.TextInput(attrs={"type": "month"}), required=False)

    def clean_month(self) -> str:
        value = (self.cleaned_data.get("month") or "").strip()
        if value and self._parse(value) is None:
            raise forms.ValidationError(
                _("“%(value)s” is not a month: give the year and month as YYYY-MM, e.g. 2026-11."),
                params={"value": value},
                code="invalid_month",
            )
        return value

    @staticmethod
    def _parse(value: str) -> tuple[int, int] | None:
        parts = value.split("-")
        if len(parts) != 2 or not all(part.isdigit() for part in parts):
            return None
        year, month = int(parts[0]), int(parts[1])
        if 1 <= month <= 12 and 2000 <= year <= 2100:
            return year, month
        return None

    def period(self) -> tuple[int, int]:
        """The chosen month, or the current month when none (or an invalid one, shown as a form error) is given."""
        today = timezone.localdate()
        value = (self.cleaned_data.get("month") or "") if self.is_valid() else ""
        return self._parse(value) or (today.year, today.month)


class ReviewQueueForm(forms.Form):
    """Filters and sort order of the post-loan review queue (every value whitelisted)."""

    TRIGGERS = [
        ("", _("Any reason")),
        ("overdue", _("Overdue")),
        ("hardship", _("Hardship inquiry")),
        ("complaint", _("Recent complaint")),
        ("periodic", _("Periodic review")),
    ]

    classification = forms.ChoiceField(
        label=_("Classification"), choices=[("", _("Any classification")), *Classification.choices], required=False
    )
    trigger = forms.ChoiceField(label=_("Why now"), choices=TRIGGERS, required=False)
    bucket = forms.ChoiceField(label=_("Bucket"), choices=[("", _("Any bucket")), *Loan.Bucket.choices], required=False)
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.all(), required=False, empty_label=_("Any product")
    )
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[])

    def __init__(self, *args, sorts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sort"].choices = [(key, key) for key in sorts]
        for name, field in self.fields.items():
            if name != "sort":
                field.widget.attrs["class"] = "form-select form-select-sm js-autosubmit"
