"""The queue's query parameters: the view tab, the filters and the search box, parsed and checked by one form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.api import normalize_mainland_mobile
from inquiries import selectors
from inquiries.models import Category, Inquiry

SEARCH_MIN_LENGTH = 2  # one character would match half the customer base by name
SEARCH_MAX_LENGTH = 50


class QueueForm(forms.Form):
    """The queue's GET parameters. Bad values get a message beside the field; the queue then shows without them."""

    view = forms.ChoiceField(
        label=_("View"), required=False, choices=[(v, v) for v in selectors.QUEUE_VIEWS], initial="all"
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", "")] + Inquiry.Channel.choices)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[("", "")] + Category.choices)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("Reference, mobile, name or customer number"),
            }
        ),
    )

    def clean_q(self) -> selectors.QueueSearch | None:
        """Reference (INQ-…), mainland mobile (any typed form), else a customer name or customer number."""
        text = " ".join((self.cleaned_data.get("q") or "").split())
        if not text:
            return None
        reference = selectors.REFERENCE_RE.fullmatch(text)
        if reference:
            return selectors.QueueSearch("reference", reference.group(1).upper())
        if text.upper().startswith("INQ-"):
            raise ValidationError(_("A reference looks like INQ-261203-7K3F2."), code="reference")
        try:
            return selectors.QueueSearch("mobile", normalize_mainland_mobile(text))
        except ValidationError:
            pass
        if len(text) < SEARCH_MIN_LENGTH:
            raise ValidationError(
                _("Type at least %(count)s characters of a name, or a full reference, mobile or customer number."),
                params={"count": SEARCH_MIN_LENGTH},
                code="too_short",
            )
        return selectors.QueueSearch("customer", text)

    def value(self, name: str):
        """The cleaned value of a field, or its default when the field was invalid (the queue still shows)."""
        if name in self.errors or not hasattr(self, "cleaned_data"):
            return None if name == "q" else ("all" if name == "view" else "")
        value = self.cleaned_data.get(name)
        if name == "view":
            return value or "all"
        return value if name == "q" else (value or "")
