"""What the complaints app adds to every page (incident banners) and to the customer 360 page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.portal import Banner, Panel, TimelineEvent, once_per_object
from complaints.models import Complaint, Incident
from complaints.selectors import incidents_for_banner

CUSTOMER_PANEL_LIMIT = 20


def banners(request) -> list[Banner]:
    """One banner per open incident (at most three; the list is shared for a few seconds) while it stays open."""
    open_incidents = incidents_for_banner()
    can_open = roles.has_role(request.user, roles.SUPERVISOR, roles.MANAGER, roles.BACK_OFFICE)
    result = []
    for incident in open_incidents:
        text = _(
            "Incident %(ref)s open: %(title)s (%(kind)s). Follow the contingency plan; tell customers who ask."
        ) % {
            "ref": incident.reference,
            "title": incident.title,
            "kind": incident.get_kind_display(),
        }
        level = "danger" if incident.severity in (Incident.Severity.HIGH, Incident.Severity.CRITICAL) else "warning"
        result.append(
            Banner(level, text, reverse("complaints:incident_detail", args=[incident.pk]) if can_open else "")
        )
    return result


def _customer_complaints(customer) -> list[Complaint]:
    return once_per_object(customer, "complaints", lambda: _read_customer_complaints(customer))


def _read_customer_complaints(customer) -> list[Complaint]:
    return list(
        Complaint.objects.filter(customer=customer)
        .only(
            "pk",
            "reference",
            "received_at",
            "category",
            "status",
            "decision_due",
            "on_time",
            "customer_satisfaction",
            "closed_at",
            "customer_id",
        )
        .order_by("-received_at", "-id")[:CUSTOMER_PANEL_LIMIT]
    )


def customer_panels(request, customer) -> list[Panel]:
    """The customer's complaints (newest first, one query)."""
    complaints = _customer_complaints(customer)
    open_count = sum(1 for c in complaints if c.status != Complaint.Status.CLOSED)
    return [
        Panel(
            title=_("Complaints"),
            template="complaints/_customer_panel.html",
            context={
                "complaints": complaints,
                "open_count": open_count,
                "can_view": roles.has_role(request.user, *roles.FRONT_LINE),
            },
            order=40,
            count=len(complaints),
        )
    ]


def customer_timeline(customer) -> list[TimelineEvent]:
    """Each complaint's receipt and, when closed, its closing (one query)."""
    events = []
    for c in _customer_complaints(customer):
        url = reverse("complaints:detail", args=[c.pk])
        events.append(
            TimelineEvent(
                at=c.received_at,
                kind=_("complaint"),
                text=_("Complaint %(ref)s received (%(category)s)")
                % {"ref": c.reference, "category": c.get_category_display()},
                url=url,
                level="danger",
            )
        )
        if c.closed_at:
            events.append(
                TimelineEvent(
                    at=c.closed_at,
                    kind=_("complaint"),
                    text=_("Complaint %(ref)s closed") % {"ref": c.reference},
                    url=url,
                    level="success",
                )
            )
    return events
