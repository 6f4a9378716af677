from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.models import OutboundMessage


class SendNowForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=OutboundMessage.Channel.choices)


class ContactTaskResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. new mobile number recorded after a call")}),
    )


class OutboxFilterForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *OutboundMessage.Channel.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *OutboundMessage.Status.choices]
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"), required=False, choices=[("", _("All purposes")), *OutboundMessage.Purpose.choices]
    )
