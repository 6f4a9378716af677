from django import template
from django.utils.html import format_html

from aftersales.money import format_cny

register = template.Library()

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


@register.simple_tag
def badge(value, label=None):
    """A status badge with its text; colour from the status value."""
    key = str(value or "").lower()
    colour = next((c for c, values in BADGE_COLOURS.items() if key in values), "secondary")
    text_class = " text-dark" if colour == "warning" else ""
    return format_html(
        '<span class="badge text-bg-{}{}">{}</span>', colour, text_class, label if label is not None else value
    )
