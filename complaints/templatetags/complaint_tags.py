from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

register = template.Library()


@register.simple_tag
def due_badge(due, now=None):
    """A deadline as a coloured badge with words: overdue (red), due today (amber), days left (green)."""
    if due is None:
        return ""
    now = now or timezone.now()
    due_day = timezone.localdate(due)
    today = timezone.localdate(now)
    stamp = due_day.isoformat()
    if due < now:
        days = (today - due_day).days
        text = (
            ngettext("Overdue %(days)s day", "Overdue %(days)s days", days) % {"days": days}
            if days
            else pgettext("complaint deadline", "Overdue")
        )
        colour = "danger"
    elif due_day == today:
        text, colour = _("Due today"), "warning text-dark"
    else:
        days = (due_day - today).days
        text = ngettext("%(days)s day left", "%(days)s days left", days) % {"days": days}
        colour = "warning text-dark" if days <= 2 else "success"
    return format_html('<span class="badge text-bg-{}" title="{}">{}</span>', colour, stamp, text)


@register.filter
def local_date(value):
    return timezone.localtime(value).date().isoformat() if value else ""


@register.filter
def staff_name(user, empty="—"):
    """A staff member's full name, else the username; `empty` when there is nobody."""
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()
