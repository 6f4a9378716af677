"""Template helpers of the inbound-call panel and pop (#16): the call status and length in words."""

from django import template

from inquiries.services.calls import call_status_label, duration_text

register = template.Library()


@register.filter
def call_status(value: str) -> str:
    """The stored call status (no-answer, abandoned, …) as the page says it."""
    return call_status_label(value or "")


@register.filter
def call_duration(seconds) -> str:
    """A call's length as 3分12秒 / "3 min 12 s"; "" when unknown."""
    return duration_text(seconds if isinstance(seconds, int) else None)
