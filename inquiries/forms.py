from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aftersales import permissions as roles
from customers.api import normalize_mainland_mobile
from inquiries.models import Category, Inquiry, ResolutionCategory
from org.models import Department


def _mobile(value: str) -> str:
    return normalize_mainland_mobile(value) if value else ""


class HotlineForm(forms.Form):
    """Log a call in a few seconds: the caller's mobile, what it is about, one line of summary."""

    mobile = forms.CharField(
        label=_("Caller's mobile"),
        max_length=32,
        required=False,
        widget=forms.TextInput(
            attrs={"autofocus": True, "inputmode": "tel", "autocomplete": "off", "placeholder": "138 1234 5678"}
        ),
        help_text=_("Matched to the customer automatically."),
    )
    name = forms.CharField(label=_("Caller's name"), max_length=100, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    summary = forms.CharField(label=_("Summary"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    details = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3, "class": "js-ctrl-enter"})
    )
    answered_live = forms.BooleanField(
        label=_("Answered during the call (counts as the first response)"), required=False, initial=True
    )

    def clean_mobile(self):
        return _mobile(self.cleaned_data["mobile"])


class OnlineInquiryForm(forms.Form):
    """The public form: a question and a way to reach the customer. `website` is a honeypot for bots."""

    name = forms.CharField(label=_("Your name"), max_length=100)
    mobile = forms.CharField(
        label=_("Mobile number"), max_length=32, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    email = forms.EmailField(label=_("Email"), required=False)
    category = forms.ChoiceField(label=_("Topic"), choices=Category.choices)
    question = forms.CharField(label=_("Your question"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_mobile(self):
        return _mobile(self.cleaned_data["mobile"])

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("mobile") and not data.get("email"):
            raise ValidationError(_("Give a mobile number or an email address so that we can answer you."))
        return data


class ReplyForm(forms.Form):
    via = forms.ChoiceField(label=_("Send by"), choices=())
    body = forms.CharField(
        label=_("Reply to the customer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "js-ctrl-enter", "accesskey": "r"}),
    )

    def __init__(self, *args, channels: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Inquiry.Channel.choices)
        self.fields["via"].choices = [(c, labels[c]) for c in channels]


class CallLogForm(forms.Form):
    prefix = "call"  # several forms share one page: unique field ids

    body = forms.CharField(
        label=_("What was said"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "class": "js-ctrl-enter"})
    )
    reached = forms.BooleanField(label=_("Reached the customer"), required=False, initial=True)


class NoteForm(forms.Form):
    prefix = "note"  # several forms share one page: unique field ids

    body = forms.CharField(
        label=_("Internal note (not sent to the customer)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "js-ctrl-enter"}),
    )


class EscalateForm(forms.Form):
    prefix = "escalate"  # several forms share one page: unique field ids

    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    note = forms.CharField(
        label=_("What they should look at"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    holding_reply = forms.CharField(
        label=_("Holding reply to the customer"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Leave empty to send nothing."),
    )
    via = forms.ChoiceField(label=_("Send by"), choices=(), required=False)

    def __init__(self, *args, channels: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.exclude(code="service").order_by("name")
        labels = dict(Inquiry.Channel.choices)
        self.fields["via"].choices = [(c, labels[c]) for c in channels]
        if not channels:
            self.fields["holding_reply"].disabled = True
            self.fields["via"].disabled = True

    def clean(self):
        data = super().clean()
        if data.get("holding_reply") and not data.get("via"):
            raise ValidationError(_("This inquiry has no mobile or email to send a holding reply to."))
        return data


class ResolveForm(forms.Form):
    prefix = "resolve"  # several forms share one page: unique field ids

    category = forms.ChoiceField(label=_("Resolution"), choices=ResolutionCategory.choices)
    note = forms.CharField(label=_("Resolution note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    prefix = "reopen"  # several forms share one page: unique field ids

    reason = forms.CharField(label=_("Why reopen"), max_length=500)


class ReassignForm(forms.Form):
    agent = forms.ModelChoiceField(label=_("Assign to"), queryset=None, required=False, empty_label=_("Unassigned"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, staff_profile__role__in=[roles.AGENT, roles.SUPERVISOR])
            .select_related("staff_profile")
            .order_by("-staff_profile__on_duty", "username")
        )
        self.fields["agent"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} ({u.username})"
            + ("" if u.staff_profile.on_duty else " – " + str(_("off duty")))
        )


class DepartmentAnswerForm(forms.Form):
    """The department's answer to an escalated inquiry; it goes into the thread for the agent, not to the customer."""

    prefix = "department"  # several forms share the inquiry page: unique field ids

    body = forms.CharField(
        label=_("The department's answer (to the agent, not sent to the customer)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "js-ctrl-enter"}),
    )


class DepartmentQueueForm(forms.Form):
    """The department queue's query parameters: which escalations, which page; a bad value falls back to the default."""

    STATES = (("open", _("Waiting for us")), ("answered", _("Answered")), ("breached", _("Deadline missed")))

    state = forms.ChoiceField(label=_("Show"), choices=STATES, required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def values(self) -> tuple[str, int]:
        """(state, page) with the defaults for anything missing or invalid."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return data.get("state") or "open", data.get("page") or 1
