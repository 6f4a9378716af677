from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales import permissions as roles
from complaints.models import (
    Complaint,
    ContingencyPlan,
    Drill,
    ImprovementAction,
    Incident,
    RootCause,
    Suggestion,
    SuggestionCategory,
)
from complaints.uploads import ALLOWED_EXTENSIONS, validate_evidence
from customers.api import normalize_mainland_mobile
from customers.models import Customer
from inquiries.models import Inquiry
from loans.models import Loan

User = get_user_model()


def staff_choices(*role_names: str):
    return (
        User.objects.filter(is_active=True, groups__name__in=role_names or roles.ROLES).distinct().order_by("username")
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class EvidenceFileField(forms.FileField):
    """A file checked by content (magic bytes) and size; the message says why it was refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", _("PDF, images or audio recordings; the content is checked, not only the file name.")
        )
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ",".join(ALLOWED_EXTENSIONS)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            validate_evidence(upload)
        return upload


class ContactFieldsMixin:
    def clean_contact_phone(self):
        value = self.cleaned_data.get("contact_phone", "").strip()
        return normalize_mainland_mobile(value) if value else ""


def contact_phone_field() -> forms.CharField:
    """A one-line mobile input (validated as a mainland mobile by ContactFieldsMixin), not the model's textarea."""
    return forms.CharField(
        label=_("Contact mobile"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("A mainland mobile, e.g. 138 1234 5678."),
    )


def contact_email_field() -> forms.EmailField:
    """A one-line e-mail input, validated (an acknowledgement is never sent to "not-an-email")."""
    return forms.EmailField(label=_("Contact email"), required=False, max_length=254)


# Sources whose complaint may arrive days before it is recorded: the received-on date is the day it arrived.
BACKDATED_SOURCES = (Complaint.Source.LETTER, Complaint.Source.IN_PERSON)


class ComplaintForm(ContactFieldsMixin, forms.ModelForm):
    """Intake by an agent from any source; an inquiry reference links the complaint to that inquiry."""

    customer_number = forms.CharField(
        label=_("Customer number"), required=False, help_text=_("Links the complaint to the customer record.")
    )
    loan_contract = forms.CharField(label=_("Loan contract number"), required=False)
    inquiry_reference = forms.CharField(
        label=_("From inquiry (reference)"), required=False, help_text=_("Keeps the link to the inquiry.")
    )
    evidence = EvidenceFileField(label=_("Evidence file"))
    evidence_description = forms.CharField(label=_("Evidence description"), required=False, max_length=200)
    received_on = forms.DateField(
        label=_("Received on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Letters and in-person complaints: the day it arrived (deadlines count from it). Empty: today."),
    )
    contact_phone = contact_phone_field()
    contact_email = contact_email_field()

    field_order = ["source", "received_on"]

    class Meta:
        model = Complaint
        fields = [
            "source",
            "category",
            "severity",
            "summary",
            "description",
            "customer_demand",
            "product",
            "contact_name",
            "contact_phone",
            "contact_email",
            "reply_channel",
            "language",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "customer_demand": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_customer_number(self):
        number = self.cleaned_data["customer_number"].strip()
        if not number:
            return None
        customer = Customer.objects.filter(customer_number=number).first()
        if customer is None:
            raise ValidationError(_("No customer has the number %(number)s.") % {"number": number})
        return customer

    def clean_loan_contract(self):
        number = self.cleaned_data["loan_contract"].strip()
        if not number:
            return None
        loan = Loan.objects.select_related("product", "customer").filter(contract_number=number).first()
        if loan is None:
            raise ValidationError(_("No loan has the contract number %(number)s.") % {"number": number})
        return loan

    def clean_inquiry_reference(self):
        reference = self.cleaned_data["inquiry_reference"].strip()
        if not reference:
            return None
        inquiry = Inquiry.objects.filter(reference=reference).first()
        if inquiry is None:
            raise ValidationError(_("No inquiry has the reference %(ref)s.") % {"ref": reference})
        return inquiry

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_received_on(self):
        received_on = self.cleaned_data.get("received_on")
        if received_on and received_on > timezone.localdate():
            raise ValidationError(_("The received-on date cannot be in the future."), code="future")
        return received_on

    def clean(self):
        data = super().clean()
        received_on = data.get("received_on")
        data["received_at"] = None  # now
        if received_on and received_on < timezone.localdate():
            if data.get("source") not in BACKDATED_SOURCES:
                self.add_error("received_on", _("Only a letter or an in-person complaint can be dated before today."))
            else:
                # the start of the day it arrived: the deadline rule counts from the day (complaints.deadlines)
                data["received_at"] = timezone.make_aware(dt.datetime.combine(received_on, dt.time.min))
        customer, loan = data.get("customer_number"), data.get("loan_contract")
        if customer and loan and loan.customer_id != customer.pk:
            self.add_error("loan_contract", _("This loan belongs to another customer."))
        channel = data.get("reply_channel")
        has_customer = bool(customer or loan)
        if channel == Complaint.ReplyChannel.SMS and not data.get("contact_phone") and not has_customer:
            self.add_error("contact_phone", _("Give a mobile number to reply by SMS, or link the customer."))
        if channel == Complaint.ReplyChannel.EMAIL and not data.get("contact_email") and not has_customer:
            self.add_error("contact_email", _("Give an email address to reply by email, or link the customer."))
        return data


class ComplaintEditForm(ContactFieldsMixin, forms.ModelForm):
    contact_phone = contact_phone_field()
    contact_email = contact_email_field()
    loan_contract = forms.CharField(
        label=_("Loan contract number"),
        required=False,
        help_text=_("Links the complaint to the loan and its customer."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.loan_id:
            self.fields["loan_contract"].initial = self.instance.loan.contract_number

    def clean_loan_contract(self):
        return ComplaintForm.clean_loan_contract(self)

    def clean(self):
        data = super().clean()
        loan = data.get("loan_contract")
        if loan and self.instance.customer_id and loan.customer_id != self.instance.customer_id:
            self.add_error("loan_contract", _("This loan belongs to another customer."))
        return data

    class Meta:
        model = Complaint
        fields = [
            "category",
            "severity",
            "summary",
            "description",
            "customer_demand",
            "product",
            "contact_name",
            "contact_phone",
            "contact_email",
            "reply_channel",
            "language",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "customer_demand": forms.Textarea(attrs={"rows": 2}),
        }


class ConvertInquiryForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), choices=Complaint.Category.choices, initial=Complaint.Category.OTHER
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Complaint.Severity.choices, initial=Complaint.Severity.MEDIUM
    )


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class EvidenceForm(forms.Form):
    file = EvidenceFileField(label=_("File"), required=True)
    description = forms.CharField(label=_("Description"), required=False, max_length=200)


class AssignForm(forms.Form):
    assignee = StaffChoiceField(label=_("Hand to"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_choices(roles.AGENT, roles.SUPERVISOR, roles.MANAGER)


class ExtendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the customer)"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )


class DecisionForm(forms.Form):
    root_cause = forms.ModelChoiceField(label=_("Root cause"), queryset=RootCause.objects.none(), required=False)
    remedy = forms.ChoiceField(label=_("Remedy"), choices=Complaint.Remedy.choices)
    remedy_amount = forms.DecimalField(
        label=_("Amount to refund or waive (CNY)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    responsible_staff = StaffChoiceField(
        label=_("Staff member responsible"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Whose action caused the complaint (accountability); leave empty if nobody."),
    )
    decision_text = forms.CharField(
        label=_("Decision (told to the customer)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["root_cause"].queryset = RootCause.objects.filter(active=True)
        self.fields["responsible_staff"].queryset = staff_choices()

    def clean(self):
        data = super().clean()
        if data.get("remedy") in (Complaint.Remedy.FEE_REFUND, Complaint.Remedy.WAIVER) and not data.get(
            "remedy_amount"
        ):
            self.add_error("remedy_amount", _("Give the amount to refund or waive."))
        return data


class InformForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send by"), choices=Complaint.ReplyChannel.choices)
    subject = forms.CharField(label=_("Email subject"), required=False, max_length=200)
    body = forms.CharField(label=_("Decision letter"), widget=forms.Textarea(attrs={"rows": 6}), max_length=2000)


SATISFACTION_CHOICES = [("", "—")] + [(str(i), str(i)) for i in range(1, 6)]


class CloseForm(forms.Form):
    customer_satisfaction = forms.TypedChoiceField(
        label=_("Customer's satisfaction with the result (1–5)"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )


class SatisfactionForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Satisfaction (1–5)"), choices=SATISFACTION_CHOICES[1:], coerce=int)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the customer disagrees"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class LegalEscalationForm(forms.Form):
    legal_advisor = StaffChoiceField(label=_("Legal advisor"), queryset=User.objects.none())
    note = forms.CharField(label=_("Question for legal"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_advisor"].queryset = staff_choices(roles.LEGAL_ADVISOR)


class ListFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Open (all)"))] + Complaint.Status.choices
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories"))] + Complaint.Category.choices
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("All sources"))] + Complaint.Source.choices
    )
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Any severity"))] + Complaint.Severity.choices
    )
    due = forms.ChoiceField(
        label=_("Due"),
        required=False,
        choices=[
            ("", _("Any deadline")),
            ("attention", _("Due today or overdue")),
            ("today", _("Due today")),
            ("overdue", pgettext_lazy("complaint deadline", "Overdue")),
        ],
    )
    mine = forms.BooleanField(label=_("Mine only"), required=False)


class PublicComplaintForm(ContactFieldsMixin, forms.Form):
    """The public online form: no login; a hidden honeypot field catches bots."""

    contact_name = forms.CharField(label=_("Your name"), max_length=100)
    contact_phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    contact_email = forms.EmailField(label=_("Email (optional)"), required=False)
    category = forms.ChoiceField(label=_("What is it about?"), choices=Complaint.Category.choices)
    summary = forms.CharField(label=_("In one sentence"), max_length=200)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    customer_demand = forms.CharField(
        label=_("What would you like us to do?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    website = forms.CharField(required=False, label=_("Leave this empty"))


class IncidentForm(forms.ModelForm):
    owner = StaffChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)

    class Meta:
        model = Incident
        fields = ["kind", "title", "severity", "owner", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_choices(roles.SUPERVISOR, roles.MANAGER, roles.BACK_OFFICE)


class IncidentEntryForm(forms.Form):
    text = forms.CharField(
        label=_("What happened / what was done"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class IncidentUpdateForm(forms.Form):
    owner = StaffChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=Incident.Severity.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_choices(roles.SUPERVISOR, roles.MANAGER, roles.BACK_OFFICE)


class IncidentResolveForm(forms.Form):
    note = forms.CharField(label=_("How it was resolved"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class PlanForm(forms.ModelForm):
    document_file = forms.FileField(label=_("Document (PDF)"), required=False)

    class Meta:
        model = ContingencyPlan
        fields = ["title", "kind", "version", "summary", "approved_on", "next_review_on"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "approved_on": forms.DateInput(attrs={"type": "date"}),
            "next_review_on": forms.DateInput(attrs={"type": "date"}),
        }


class DrillForm(forms.ModelForm):
    class Meta:
        model = Drill
        fields = ["held_on", "scenario", "plan", "participants", "findings", "follow_up"]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}),
            "participants": forms.Textarea(attrs={"rows": 2}),
            "findings": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }


class SuggestionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Complaint.Source.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=SuggestionCategory.objects.none())
    customer_number = forms.CharField(label=_("Customer number"), required=False)
    text = forms.CharField(label=_("Suggestion"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = SuggestionCategory.objects.filter(active=True)

    def clean_customer_number(self):
        number = self.cleaned_data["customer_number"].strip()
        if not number:
            return None
        customer = Customer.objects.filter(customer_number=number).first()
        if customer is None:
            raise ValidationError(_("No customer has the number %(number)s.") % {"number": number})
        return customer


class ImprovementActionForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("improvement", "Action"), max_length=200)
    owner = StaffChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_choices()


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ImprovementAction.Status.choices)


class SuggestionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Suggestion.Status.choices)


def _satisfied(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class CallbackOutcomeForm(forms.Form):
    """The outcome of a callback visit, from the complaint page or the staff callback list."""

    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    customer_satisfied = forms.TypedChoiceField(
        label=_("Customer satisfied"),
        choices=[("", _("Satisfied?")), ("yes", _("Yes")), ("no", _("No"))],
        coerce=_satisfied,
        required=False,
        empty_value=None,
    )
