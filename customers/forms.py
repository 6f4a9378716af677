"""Forms for customers. Validation messages appear next to their field; everything typed stays in the form."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.security.forms import DataReportForm
from customers import validators
from customers.crypto import pii_hash
from customers.models import ConsentRecord, Customer
from customers.services import EDITABLE_FIELDS, REVEALABLE_FIELDS

PII_FORM_FIELDS = ("national_id", "mobile", "email", "address", "bank_card")


def _legend(text) -> str:
    return format_html('<span class="fs-6 fw-semibold">{}</span>', text)


class CustomerForm(forms.ModelForm):
    """Create or edit a customer. On edit the PII fields start empty (never shown in full): empty keeps the value."""

    national_id = forms.CharField(
        label=_("National ID number"),
        max_length=30,
        validators=[validators.validate_resident_id],
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "110105199001011234"}
        ),
        help_text=_("18 characters; the birth date and gender are read from it."),
    )
    mobile = forms.CharField(
        label=_("Mobile"),
        max_length=30,
        validators=[validators.validate_mainland_mobile],
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel", "placeholder": "138 1234 5678"}),
        help_text=_("Mainland mobile, with or without +86."),
    )
    email = forms.EmailField(label=_("Email"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    address = forms.CharField(
        label=_("Address"), required=False, max_length=300, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    bank_card = forms.CharField(
        label=_("Bank card number"),
        required=False,
        max_length=30,
        validators=[validators.validate_bank_card],
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text=_("16 to 19 digits, for repayments by card."),
    )

    class Meta:
        model = Customer
        fields = [
            "name",
            "national_id",
            "mobile",
            "email",
            "address",
            "bank_card",
            "preferred_language",
            "sms_opt_out",
            "voice_opt_out",
        ]
        labels = {"name": pgettext_lazy("person", "Name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            masked = {
                "national_id": self.instance.national_id_masked,
                "mobile": self.instance.mobile_masked,
                "email": self.instance.email_masked,
                "address": self.instance.address_masked,
                "bank_card": self.instance.bank_card_masked,
            }
            for name in PII_FORM_FIELDS:
                self.initial[name] = ""
                field = self.fields[name]
                field.required = False
                if masked[name]:
                    field.help_text = _("Now %(masked)s. Leave empty to keep it; type a new value to replace it.") % {
                        "masked": masked[name]
                    }
                    field.widget.attrs["placeholder"] = _("unchanged")
                else:
                    field.help_text = _("Not recorded yet.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _legend(_("Identity")),
                Row(Column("name", css_class="col-md-4"), Column("national_id", css_class="col-md-5")),
            ),
            Fieldset(
                _legend(_("Contact")),
                Row(Column("mobile", css_class="col-md-4"), Column("email", css_class="col-md-5")),
                Row(Column("address", css_class="col-md-9")),
            ),
            Fieldset(_legend(_("Repayment card")), Row(Column("bank_card", css_class="col-md-5"))),
            Fieldset(
                _legend(_("Contact preferences")),
                Row(Column("preferred_language", css_class="col-md-4")),
                "sms_opt_out",
                "voice_opt_out",
            ),
        )

    def _keep_if_empty(self, name: str, value: str) -> str:
        if not value and self.instance.pk:
            return getattr(self.instance, name)
        return value

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_national_id(self):
        value = validators.normalize_resident_id(self.cleaned_data.get("national_id", ""))
        value = self._keep_if_empty("national_id", value)
        others = Customer.objects.filter(national_id_hash=pii_hash(value))
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if value and others.exists():
            raise forms.ValidationError(
                _("A customer with this ID number already exists: search for it instead of adding it again."),
                code="duplicate_national_id",
            )
        return value

    def clean_mobile(self):
        value = self.cleaned_data.get("mobile", "")
        value = validators.normalize_mainland_mobile(value) if value else ""
        return self._keep_if_empty("mobile", value)

    def clean_email(self):
        return self._keep_if_empty("email", (self.cleaned_data.get("email") or "").strip().lower())

    def clean_address(self):
        return self._keep_if_empty("address", (self.cleaned_data.get("address") or "").strip())

    def clean_bank_card(self):
        return self._keep_if_empty("bank_card", validators.normalize_bank_card(self.cleaned_data.get("bank_card", "")))

    def service_fields(self) -> dict:
        """The cleaned values in the form customer_create / customer_update take."""
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS if name in self.cleaned_data}


class ContactPreferencesForm(forms.ModelForm):
    """What the customer asked on the phone: language, no SMS, no calls."""

    class Meta:
        model = Customer
        fields = ["preferred_language", "sms_opt_out", "voice_opt_out"]


class ConsentForm(forms.Form):
    """Record a grant or withdrawal of consent."""

    ACTIONS = [("grant", _("Grant")), ("withdraw", _("Withdraw"))]

    action = forms.ChoiceField(label=_("Consent"), choices=ACTIONS)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentRecord.Purpose.choices)
    channel = forms.ChoiceField(label=_("How the customer told us"), choices=ConsentRecord.Channel.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    @property
    def granted(self) -> bool:
        return self.cleaned_data["action"] == "grant"


REVEAL_LABELS = [
    ("national_id", _("National ID number")),
    ("mobile", _("Mobile")),
    ("email", _("Email")),
    ("address", _("Address")),
    ("bank_card", _("Bank card number")),
]


class RevealForm(forms.Form):
    """Which value to reveal, and why (written to the audit log)."""

    field = forms.ChoiceField(label=_("Data item"), choices=[])
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        error_messages={"required": _("Say why you need the full value: the reason is written to the audit log.")},
        widget=forms.TextInput(attrs={"placeholder": _("e.g. customer verification on hotline call")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(REVEAL_LABELS)
        self.fields["field"].choices = [(name, labels[name]) for name in REVEALABLE_FIELDS]

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(self.fields["reason"].error_messages["required"], code="required")
        return reason


class CustomerSearchForm(forms.Form):
    """The search box and filters of the customer list (GET)."""

    CONTACT = [
        ("", _("Any contact preference")),
        ("reachable", _("SMS and calls allowed")),
        ("sms_opt_out", _("No SMS")),
        ("voice_opt_out", _("No calls")),
    ]
    CONSENT = [
        ("", _("Any marketing consent")),
        ("granted", _("Marketing consent given")),
        ("none", _("No marketing consent")),
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("Any language")), *Customer.Language.choices]
    )
    contact = forms.ChoiceField(label=_("Contact"), required=False, choices=CONTACT)
    consent = forms.ChoiceField(label=_("Marketing"), required=False, choices=CONSENT)

    def filters(self) -> dict:
        if not self.is_valid():
            return {"query": "", "language": "", "contact": "", "consent": ""}
        data = self.cleaned_data
        return {
            "query": data["q"],
            "language": data["language"],
            "contact": data["contact"],
            "consent": data["consent"],
        }


class DataReportOutputForm(DataReportForm):
    """The data report's reason, and what to produce: the XLSX, the PDF, or the PDF e-mailed to the customer."""

    XLSX, PDF, EMAIL = "xlsx", "pdf", "email"
    output = forms.ChoiceField(choices=[(XLSX, "XLSX"), (PDF, "PDF"), (EMAIL, _("E-mail"))], required=False)

    def clean_output(self):
        return self.cleaned_data.get("output") or self.XLSX
