"""`{{ message.body|mask_links }}`: message texts with their one-time links masked."""

from django import template

from aftersales.one_time_links import mask_one_time_links

register = template.Library()


@register.filter
def mask_links(text):
    """The text with one-time link tokens masked (aftersales/one_time_links.py)."""
    return mask_one_time_links(text)
