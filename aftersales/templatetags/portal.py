from datetime import date, datetime
from decimal import Decimal

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import get_language

from aftersales.money import format_cny
from aftersales.names import user_display

register = template.Library()

# The digit-only patterns of Django's date filter the pages use, as strftime patterns (no month or day names: the
# same text in every language).
_WHEN_PATTERNS = {
    "Y-m-d H:i:s": "%Y-%m-%d %H:%M:%S",
    "Y-m-d H:i": "%Y-%m-%d %H:%M",
    "Y-m-d": "%Y-%m-%d",
    "m-d H:i": "%m-%d %H:%M",
    "H:i": "%H:%M",
}


@register.filter
def when(value, pattern="Y-m-d H:i"):
    """A date or time as digits in the portal's time zone, like `|date:"Y-m-d H:i"` but by strftime (the date filter
    costs about 0.1 ms a call, which long lists and threads pay per row); "" for none."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    elif not isinstance(value, date):
        return ""
    return value.strftime(_WHEN_PATTERNS[pattern])


# Status value → bootstrap colour. Badges always show their text too (never colour alone).
BADGE_COLOURS = {
    "success": {
        "active",
        "paid",
        "closed",
        "resolved",
        "delivered",
        "completed",
        "met",
        "approved",
        "sent",
        "normal",
        "done",
        "on",
    },
    "warning": {
        "pending",
        "partially_paid",
        "amber",
        "investigating",
        "acknowledged",
        "planned",
        "sending",
        "proposed",
        "reviewed",
        "special_mention",
        "in_progress",
        "queued",
    },
    "danger": {
        "overdue",
        "breached",
        "red",
        "failed",
        "undelivered",
        "written_off",
        "rejected",
        "loss",
        "doubtful",
        "open",
        "declined",
        "substandard",
        "no-answer",
        "no_answer",
        "busy",
        "critical",
        "high",
    },
    "info": {"restructured", "received", "escalated", "decided", "informed", "green", "reopened", "actioned"},
}


@register.filter
def cny(value):
    """Format a Decimal as ¥1,234.56."""
    return format_cny(value)


@register.filter
def provider_cost(value, unit=""):
    """A provider's price as reported ("0.0415 USD"), with a CNY view for US dollars ("0.0415 USD ≈ ¥0.30")."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value))
    unit = (unit or "").upper()
    text = f"{amount:.4f} {unit}".strip()
    if unit == "USD":
        return f"{text} ≈ {format_cny(amount * settings.USD_CNY_RATE)}"
    if unit == "CNY":
        return format_cny(amount)
    return text


@register.filter
def cny_view(value, unit=""):
    """The CNY view of a provider's USD amount (" ≈ ¥0.30"); "" for other currencies and no amount."""
    if value is None or value == "" or (unit or "").upper() != "USD":
        return ""
    return f" ≈ {format_cny(Decimal(str(value)) * settings.USD_CNY_RATE)}"


@register.filter
def person(user, default="—"):
    """A user's display name by the one name rule (王晓明, "Anna Schmidt", else the username); `default` for nobody."""
    return user_display(user) or default


@register.simple_tag
def badge(value, label=None):
    """A status badge with its text; colour from the status value."""
    key = str(value or "").lower()
    colour = next((c for c, values in BADGE_COLOURS.items() if key in values), "secondary")
    text_class = " text-dark" if colour == "warning" else ""
    return format_html(
        '<span class="badge text-bg-{}{}">{}</span>', colour, text_class, label if label is not None else value
    )


_FORM_HTML: dict[tuple, str] = {}
_FORM_HTML_MAX = 256


def _plain(value):
    """A fingerprint-friendly value: lazy translations as text in the active language, containers recursively."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _plain(v)) for k, v in value.items()))
    return value


@register.filter
def crispy_once(form):
    """`form|crispy`, rendered once per language for an unbound form whose fields are static.

    An empty form (no data, no database choices, no initial value computed at render time) renders the same
    markup for every request: the inquiry page shows three such forms on every visit, and rendering them
    through crispy's templates was a third of the page's server time. A bound form (with the user's input and
    errors) is always rendered afresh.
    """
    from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form

    fields = form.fields.values()
    # A crispy FormHelper may carry per-object settings (an action URL): such forms are not shared either.
    if form.is_bound or hasattr(form, "helper") or any(hasattr(f, "queryset") or callable(f.initial) for f in fields):
        return as_crispy_form(form)
    key = (
        type(form).__module__,
        type(form).__qualname__,
        form.prefix,
        get_language(),
        _plain(form.initial),
        tuple(
            (
                name,
                _plain(f.initial),
                _plain(f.label),
                _plain(f.help_text),
                f.required,
                f.disabled,
                _plain(f.widget.attrs),
                _plain(list(getattr(f, "choices", ()))),
            )
            for name, f in form.fields.items()
        ),
    )
    html = _FORM_HTML.get(key)
    if html is None:
        html = as_crispy_form(form)
        if len(_FORM_HTML) >= _FORM_HTML_MAX:
            _FORM_HTML.clear()
        _FORM_HTML[key] = html
    return html
