"""The public chat form: who is writing, a mainland mobile, the topic and the first message."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from customers.api import normalize_mainland_mobile
from inquiries.models import Category


class ChatStartForm(forms.Form):
    """Start a chat (or, outside service hours, leave a message). `website` is a honeypot for bots."""

    name = forms.CharField(label=_("Your name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("A mainland mobile number; we answer by SMS if the chat is interrupted."),
    )
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=Category.choices)
    text = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 3}))
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, codes: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.codes = codes or {}  # mobile (E.164) -> the code sent to it (still valid)
        self.fields["text"].max_length = settings.LIVECHAT_MESSAGE_MAX_CHARS
        self.fields["text"].validators.append(MaxLengthValidator(settings.LIVECHAT_MESSAGE_MAX_CHARS))
        self.fields["text"].widget.attrs["maxlength"] = settings.LIVECHAT_MESSAGE_MAX_CHARS
        if not settings.LIVECHAT_CONFIRM_MOBILE:
            del self.fields["code"]

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_mobile(self):
        return normalize_mainland_mobile(self.cleaned_data["mobile"])

    def clean(self):
        data = super().clean()
        if "code" in self.fields and data.get("mobile"):
            expected = self.codes.get(data["mobile"])
            if not expected:
                self.add_error("code", _("Ask for a code first: press “Send code”."))
            elif (data.get("code") or "").strip() != expected:
                self.add_error("code", _("The code does not match the one we sent."))
        return data


class MobileCodeForm(forms.Form):
    """Ask for a confirmation code by SMS (only the mobile of the start form is read)."""

    mobile = forms.CharField(max_length=32)

    def clean_mobile(self):
        return normalize_mainland_mobile(self.cleaned_data["mobile"])
