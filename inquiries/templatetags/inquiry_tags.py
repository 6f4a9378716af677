from dataclasses import dataclass
from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from inquiries.models import Inquiry

register = template.Library()


@register.filter
def mask_name(value: str) -> str:
    """王** : the family name and one star per further character."""
    value = (value or "").strip()
    if not value:
        return ""
    if value.isascii():
        return value.split()[0][:1] + "***"
    return value[0] + "*" * max(1, len(value) - 1)


LIVE_COUNTDOWN_LIMIT = timedelta(hours=1)


def _late(overdue: timedelta) -> str:
    hours = int(overdue.total_seconds() // 3600)
    if hours >= 24:
        return _("%(days)s d %(hours)s h late") % {"days": hours // 24, "hours": hours % 24}
    return _("%(hours)s h %(minutes)s min late") % {"hours": hours, "minutes": int(overdue.total_seconds() // 60) % 60}


def _labels(context) -> dict:
    """Translated SLA labels and the render's clock, made once per template render (the queue re-renders every 5 s)."""
    labels = context.render_context.get("inquiry_sla_labels")
    if labels is None:
        labels = {
            "green": _("On time"),
            "amber": _("Due soon"),
            "red": _("Breached"),
            "met": _("SLA met"),
            "breached": _("SLA breached"),
            "none": _("No response"),
            "next": _("Next answer"),
            "now": timezone.now(),
        }
        context.render_context["inquiry_sla_labels"] = labels
    return labels


@dataclass(frozen=True, slots=True)
class SlaState:
    """What the SLA badge shows: a live countdown, "late" (long breached), or the recorded result."""

    kind: str  # live | late | met | breached | none
    due: datetime | None = None
    due_iso: str = ""
    late: str = ""
    clock: str = "first"  # first | next: the first response, or the next response to a follow-up


def sla_state(inquiry, now: datetime) -> SlaState:
    """The SLA badge's state of an inquiry (or queue row) at `now`; values only, the markup is in _sla_badge.html.

    The clock that runs: a follow-up's next-response deadline while the customer waits again, else the first."""
    if inquiry.status == "resolved":
        due, clock = None, "first"
    elif inquiry.awaiting_agent and inquiry.next_response_due is not None:
        due, clock = inquiry.next_response_due, "next"
    elif inquiry.first_responded_at is None:
        due, clock = inquiry.first_response_due, "first"
    else:
        due, clock = None, "first"
    if due is not None:
        overdue = now - due
        if overdue > LIVE_COUNTDOWN_LIMIT:
            # Long breached: a ticking "+3967:10" says nothing; show how late it is in days and hours.
            return SlaState("late", due=due, late=_late(overdue), clock=clock)
        return SlaState("live", due=due, due_iso=due.isoformat(), clock=clock)
    if inquiry.sla_met is True:
        return SlaState("met")
    if inquiry.sla_met is False:
        return SlaState("breached")
    return SlaState("none")


@register.simple_tag(takes_context=True, name="sla_state")
def sla_state_tag(context, inquiry) -> SlaState:
    """`{% sla_state inquiry as s %}`: the state for _sla_badge.html, at this render's clock."""
    return sla_state(inquiry, _labels(context)["now"])


@register.inclusion_tag("inquiries/_sla_badge.html", takes_context=True)
def sla_countdown(context, inquiry) -> dict:
    """A live countdown for an unanswered inquiry (portal.js updates it every second), else the SLA result."""
    labels = _labels(context)
    return {"s": sla_state(inquiry, labels["now"]), "sla_labels": labels}


CHANNEL_CLASSES = {
    "sms": "text-bg-info",
    "email": "text-bg-primary",
    "hotline": "text-bg-dark",
    "online": "text-bg-light border",
}


@register.simple_tag
def channel_badge(value, label):
    return format_html('<span class="badge {}">{}</span>', CHANNEL_CLASSES.get(value, "text-bg-secondary"), label)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.inclusion_tag("inquiries/_queue_rows.html", takes_context=True)
def queue_rows(context, inquiries, category_labels) -> dict:
    """The queue table's rows (the markup is in inquiries/_queue_rows.html; labels and the clock made once)."""
    return {
        "rows": inquiries,
        "category_labels": category_labels,
        "channel_classes": CHANNEL_CLASSES,
        "channel_labels": dict(Inquiry.Channel.choices),
        "escalated_label": Inquiry.Status.ESCALATED.label,
        "resolved_label": Inquiry.Status.RESOLVED.label,
        "sla_labels": _labels(context),
        "csrf_token": context.get("csrf_token", ""),
    }
