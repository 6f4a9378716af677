"""Inquiries on the customer 360 page and the header."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftersales import permissions as roles
from aftersales.portal import Banner, Panel, TimelineEvent
from inquiries import selectors
from inquiries.models import Category, Inquiry

PANEL_ROWS = 20


def customer_panels(request, customer) -> list[Panel]:
    """The customer's inquiries, newest first (two queries)."""
    qs = Inquiry.objects.filter(customer=customer)
    inquiries = list(
        qs.select_related("assigned_to")
        .only(*[c for c in selectors.QUEUE_COLUMNS if not c.startswith("customer__")], "resolved_at")
        .order_by("-received_at", "-id")[:PANEL_ROWS]
    )
    count = len(inquiries) if len(inquiries) < PANEL_ROWS else qs.count()
    return [
        Panel(
            title=_("Inquiries"),
            template="inquiries/_customer_panel.html",
            context={"inquiries": inquiries, "category_labels": dict(Category.choices), "total": count},
            order=30,
            count=count,
        )
    ]


def customer_timeline(customer) -> list[TimelineEvent]:
    """One event per inquiry received (latest 50)."""
    rows = (
        Inquiry.objects.filter(customer=customer)
        .only("id", "reference", "subject", "channel", "received_at", "sla_met")
        .order_by("-received_at")[:50]
    )
    return [
        TimelineEvent(
            at=row.received_at,
            kind="inquiry",
            text=f"{row.reference} · {row.get_channel_display()} · {row.subject}",
            url=row.get_absolute_url(),
            level="danger" if row.sla_met is False else "info",
        )
        for row in rows
    ]


def banners(request) -> list[Banner]:
    """Supervisors and managers see on every page when inquiries are breached or about to breach unanswered."""
    user = getattr(request, "user", None)
    if user is None or not roles.has_role(user, *roles.LEADERS):
        return []
    count = selectors.sla_at_risk_count()
    if not count:
        return []
    text = ngettext(
        "%(count)s unanswered inquiry is breached or within 2 minutes of breach.",
        "%(count)s unanswered inquiries are breached or within 2 minutes of breach.",
        count,
    ) % {"count": count}
    return [Banner("danger", text, reverse("inquiries:supervisor"))]


def header_counts(request) -> dict[str, int]:
    """For supervisors and managers: unanswered inquiries breached or about to breach."""
    if not roles.has_role(request.user, *roles.LEADERS):
        return {}
    return {"inquiries_at_risk": selectors.sla_at_risk_count()}
