from datetime import timedelta
from html import escape as html_escape

from django import template
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
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


def _markup(html: str) -> str:
    """Markup built in this module from escaped values (quote(), escaped labels, numbers, dates): safe."""
    return mark_safe(html)  # noqa: S308 - callers escape every value they insert


def _labels(context) -> dict:
    """Translated, escaped labels, made once per template render (the queue shows 25 rows every 5 seconds)."""
    labels = context.render_context.get("inquiry_sla_labels")
    if labels is None:
        texts = {
            "green": _("On time"),
            "amber": _("Due soon"),
            "red": _("Breached"),
            "met": _("SLA met"),
            "breached": _("SLA breached"),
            "none": _("No response"),
        }
        labels = {key: html_escape(str(text)) for key, text in texts.items()}
        labels["now"] = timezone.now()
        context.render_context["inquiry_sla_labels"] = labels
    return labels


@register.simple_tag(takes_context=True)
def sla_countdown(context, inquiry, labels=None):
    """A live countdown for an unanswered inquiry (portal.js updates it every second), else the SLA result."""
    labels = labels or _labels(context)
    if inquiry.first_responded_at is None and inquiry.status != "resolved":
        due = inquiry.first_response_due
        overdue = labels["now"] - due
        if overdue > LIVE_COUNTDOWN_LIMIT:
            # Long breached: a ticking "+3967:10" says nothing; show how late it is in days and hours.
            return _markup(
                f'<span class="badge text-bg-danger" data-state="red" '
                f'title="{timezone.localtime(due):%Y-%m-%d %H:%M}">{labels["red"]} · {html_escape(_late(overdue))}</span>'
            )
        return _markup(
            f'<span class="countdown badge text-bg-secondary" data-due="{due.isoformat()}" '
            f'data-label-green="{labels["green"]}" data-label-amber="{labels["amber"]}" '
            f'data-label-red="{labels["red"]}">{timezone.localtime(due):%H:%M}</span>'
        )
    if inquiry.sla_met is True:
        return _markup(f'<span class="badge text-bg-success" data-sla="met">{labels["met"]}</span>')
    if inquiry.sla_met is False:
        return _markup(f'<span class="badge text-bg-danger" data-sla="breached">{labels["breached"]}</span>')
    return _markup(f'<span class="badge text-bg-secondary">{labels["none"]}</span>')


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
    return html_escape(value or "")


@register.simple_tag(takes_context=True)
def queue_rows(context, inquiries, category_labels):
    """The queue table's rows in one pass (the queue renders 25 rows every 5 seconds per agent).

    The same markup a template loop would give, every value escaped; a template loop spent most of the
    page's server time resolving variables, tags and lazy translations row by row. Labels, badges and the
    CSRF field are made once per render.
    """
    labels = _labels(context)
    esc = conditional_escape  # labels (lazy translations) and markup
    again = format_html(' <span class="badge text-bg-warning text-dark">{}</span>', _("Customer wrote again"))
    escalated = " " + badge("escalated", Inquiry.Status.ESCALATED.label)
    check = esc(_("Check"))
    unknown = esc(_("unknown"))
    channels = {value: channel_badge(value, label) for value, label in Inquiry.Channel.choices}
    categories = {key: esc(label) for key, label in category_labels.items()}
    no_agent = '<span class="text-body-secondary">—</span>'
    open_button = '<a class="btn btn-sm btn-outline-secondary py-0" href="{url}">' + esc(_("Open")) + "</a>"
    claim_form = (
        '<form method="post" action="{url}claim/" class="d-inline">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(context.get("csrf_token", ""))}">'
        '<button type="submit" class="btn btn-sm btn-primary py-0 js-claim" data-testid="claim-{ref}">'
        + esc(_("Claim"))
        + "</button></form>"
    )
    rows = []
    for inquiry in inquiries:
        url = quote(inquiry.detail_url)
        ref = quote(inquiry.reference)
        state = sla_countdown(context, inquiry, labels)
        if inquiry.awaiting_agent:
            state += again
        if inquiry.status == Inquiry.Status.ESCALATED:
            state += escalated
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
        if inquiry.assigned_to_id:
            agent = quote(inquiry.agent_name)
            action = open_button.format(url=url)
        else:
            agent = no_agent
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
