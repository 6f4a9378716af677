from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape as html_escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from aftersales.templatetags.portal import badge
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


def quote(value) -> str:
    """HTML-escape a plain string from the database (the standard library's escape: quotes included)."""
    return html_escape(str(value or ""))


def _markup(html: str) -> SafeString:
    """Markup built in this module from escaped values (quote(), escaped labels, numbers, dates): safe."""
    return mark_safe(html)  # noqa: S308 - callers escape every value they insert


def _escaped_labels(labels: dict) -> dict:
    return {key: (value if key == "now" else html_escape(str(value))) for key, value in labels.items()}


def sla_badge_html(s: SlaState, labels: dict) -> str:
    """The SLA badge's markup (as inquiries/_sla_badge.html gives it) from escaped labels, for the queue's rows."""
    prefix = (
        f'<span class="small text-body-secondary" data-clock="next">{labels["next"]}</span> '
        if s.clock == "next"
        else ""
    )
    if s.kind == "live":
        return (
            f'{prefix}<span class="countdown badge text-bg-secondary" data-due="{s.due_iso}" '
            f'data-label-green="{labels["green"]}" data-label-amber="{labels["amber"]}" '
            f'data-label-red="{labels["red"]}">{timezone.localtime(s.due):%H:%M}</span>'
        )
    if s.kind == "late":
        return (
            f'{prefix}<span class="badge text-bg-danger" data-state="red" '
            f'title="{timezone.localtime(s.due):%Y-%m-%d %H:%M}">{labels["red"]} · {quote(s.late)}</span>'
        )
    if s.kind == "met":
        return f'{prefix}<span class="badge text-bg-success" data-sla="met">{labels["met"]}</span>'
    if s.kind == "breached":
        return f'{prefix}<span class="badge text-bg-danger" data-sla="breached">{labels["breached"]}</span>'
    return f'{prefix}<span class="badge text-bg-secondary">{labels["none"]}</span>'


@register.simple_tag(takes_context=True)
def queue_rows(context, inquiries, category_labels) -> SafeString:
    """The queue table's rows in one pass, every value escaped (the queue renders 25 rows every 5 s per agent).

    A template partial for the rows measured 80% more Python time per page at 300,000 inquiries than this (#14:
    33.8 against 19.4 ms), so the rows stay here; the SLA state itself is the pure `sla_state`.
    """
    labels = _escaped_labels(_labels(context))
    esc = conditional_escape  # labels (lazy translations) and markup
    again = format_html(' <span class="badge text-bg-warning text-dark">{}</span>', _("Customer wrote again"))
    callback = format_html(
        ' <span class="badge text-bg-info text-dark" data-testid="callback-badge" title="{}">{}</span>',
        _("Callback owed after a missed call"),
        _("Callback"),
    )
    status_badges = {
        "escalated": " " + badge("escalated", Inquiry.Status.ESCALATED.label),
        "resolved": " " + badge("resolved", Inquiry.Status.RESOLVED.label),
    }
    check = esc(_("Check"))
    unknown = esc(_("unknown"))
    channels = {value: channel_badge(value, label) for value, label in Inquiry.Channel.choices}
    categories = {key: esc(label) for key, label in (category_labels or {}).items()}
    no_agent = '<span class="text-body-secondary">—</span>'
    open_button = '<a class="btn btn-sm btn-outline-secondary py-0" href="{url}">' + esc(_("Open")) + "</a>"
    claim_form = (
        '<form method="post" action="{url}claim/" class="d-inline">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(context.get("csrf_token", ""))}">'
        '<button type="submit" class="btn btn-sm btn-primary py-0 js-claim" data-testid="claim-{ref}">'
        + esc(_("Claim"))
        + "</button></form>"
    )
    now = labels["now"]
    rows = []
    for inquiry in inquiries:
        url = quote(inquiry.detail_url)
        ref = quote(inquiry.reference)
        state = sla_badge_html(sla_state(inquiry, now), labels)
        if inquiry.awaiting_agent:
            state += again
        if inquiry.callback_due_at and not inquiry.callback_done_at:
            state += callback
        state += status_badges.get(inquiry.status, "")
        flag = (
            f' <span class="badge text-bg-warning text-dark" title="{quote(inquiry.flag_reason)}">{check}</span>'
            if inquiry.flagged
            else ""
        )
        if inquiry.customer_id:
            who = (
                f'{quote(mask_name(inquiry.customer_name))} <span class="text-body-secondary small">'
                f"{quote(inquiry.customer_number)}</span>"
            )
        else:
            who = f'<span class="text-body-secondary">{quote(inquiry.contact_masked) or unknown}</span>'
        agent = quote(inquiry.agent_name) if inquiry.assigned_to_id else no_agent
        if inquiry.assigned_to_id or inquiry.status == Inquiry.Status.RESOLVED:
            action = open_button.format(url=url)
        else:
            action = claim_form.format(url=url, ref=ref)
        category = categories.get(inquiry.category) or quote(inquiry.category)
        received = timezone.localtime(inquiry.received_at).strftime("%m-%d %H:%M")
        rows.append(
            f'<tr class="queue-row" data-inquiry="{inquiry.pk}" data-href="{url}" tabindex="-1">'
            f'<td class="text-nowrap">{state}</td>'
            f'<td class="text-nowrap"><a href="{url}" class="font-monospace">{ref}</a>{flag}</td>'
            f"<td>{channels.get(inquiry.channel) or quote(inquiry.channel)}</td>"
            f'<td class="text-nowrap">{who}</td>'
            f'<td class="small">{category}</td>'
            f'<td class="text-truncate queue-subject">{quote(inquiry.subject)}</td>'
            f'<td class="text-nowrap small">{received}</td>'
            f'<td class="text-nowrap small">{agent}</td>'
            f'<td class="text-end text-nowrap">{action}</td>'
            "</tr>\n"
        )
    return _markup("".join(rows))


_PK_MARK = "987654321987"


@register.simple_tag(takes_context=True)
def watch_items(context, inquiries, agent_options, off_duty_label) -> SafeString:
    """The SLA watch's items (badge, reference, subject, a reassign form) in one pass, every value escaped.

    The agent list is built once per render: the watch lists up to five items for each agent, each with the whole
    list, and a template loop over it cost more than the page's queries at 300,000 inquiries (#15)."""
    labels = _escaped_labels(_labels(context))
    cache = context.render_context.setdefault("inquiry_watch_options", {})
    if "options" not in cache:
        off = f" ({quote(off_duty_label)})"
        cache["options"] = [
            (user_id, f'<option value="{user_id}"', f">{quote(name)}{'' if on_duty else off}</option>")
            for user_id, name, on_duty in agent_options
        ]
        cache["reassign"] = reverse("inquiries:reassign", args=[int(_PK_MARK)])
        cache["detail"] = reverse("inquiries:detail", args=[int(_PK_MARK)])
        cache["csrf"] = conditional_escape(context.get("csrf_token", ""))
        cache["words"] = {
            key: conditional_escape(value)
            for key, value in (("assign", _("Assign to")), ("unassigned", _("Unassigned")), ("reassign", _("Reassign")))
        }
    options, words, now = cache["options"], cache["words"], labels["now"]
    items = []
    for inquiry in inquiries:
        pk = str(inquiry.pk)
        chosen = inquiry.assigned_to_id
        select = "".join(f"{head}{' selected' if user_id == chosen else ''}{tail}" for user_id, head, tail in options)
        items.append(
            '<li class="d-flex flex-wrap align-items-center gap-2 py-1 border-bottom">'
            f"{sla_badge_html(sla_state(inquiry, now), labels)}"
            f' <a class="font-monospace" href="{cache["detail"].replace(_PK_MARK, pk)}">{quote(inquiry.reference)}</a>'
            f' <span class="small text-truncate watch-subject">{quote(inquiry.subject)}</span>'
            f' <form method="post" action="{cache["reassign"].replace(_PK_MARK, pk)}" class="d-flex gap-1 ms-auto">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{cache["csrf"]}">'
            '<input type="hidden" name="next" value="supervisor">'
            f'<label class="visually-hidden" for="agent-{pk}">{words["assign"]}</label>'
            f'<select id="agent-{pk}" name="agent" class="form-select form-select-sm">'
            f'<option value="">{words["unassigned"]}</option>{select}</select>'
            f'<button class="btn btn-sm btn-outline-primary py-0 text-nowrap">{words["reassign"]}</button></form></li>\n'
        )
    return _markup("".join(items))
