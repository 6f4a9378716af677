from django import forms
from django.utils.translation import gettext_lazy as _


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class EnrolmentForm(forms.Form):
    token = forms.CharField(
        label=_("Code from the app"),
        max_length=32,
        help_text=_("After scanning, type the 6-digit code the app shows."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class DataReportForm(forms.Form):
    reason = forms.CharField(
        label=_("Access request reference and reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example the date and channel of the customer's request. Recorded in the audit log."),
    )
