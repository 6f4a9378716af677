"""The records behind each KPI figure (drill-down): the source's own queryset for the KPI's record component,
so the rows listed are exactly the rows the figure counts; an outcome filter splits them by the numerator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import DurationField, ExpressionWrapper, F, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staff.kpi import sources
from staff.kpi.catalogue import KPI_BY_CODE
from staff.kpi.periods import Period
from staff.models import Survey

Cell = tuple[str, str]  # (text, url)


@dataclass
class RecordSet:
    """The records behind one figure: a queryset, its column headings, and how to render one record."""

    title: str
    columns: list[str]
    queryset: QuerySet | None
    render: Callable[[Any], list[Cell]] | None
    outcomes: list[tuple[str, str]]  # (value, label) filters offered


def _url(name: str, pk: Any) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _dt(value) -> str:
    if value is None:
        return "—"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _person(user) -> Cell:
    return (user.get_full_name() or user.get_username(), "") if user else ("—", "")


INQUIRY_COLUMNS = [
    _("Reference"),
    _("Subject"),
    _("Received"),
    _("First response due"),
    _("First responded"),
    _("SLA met"),
    _("Assigned to"),
    _("Status"),
]


def _inquiry_row(i) -> list[Cell]:
    return [
        (i.reference, _url("inquiries:detail", i.pk)),
        (i.subject, ""),
        (_dt(i.received_at), ""),
        (_dt(i.first_response_due), ""),
        (_dt(i.first_responded_at), ""),
        ({True: _("Met"), False: _("Breached"), None: "—"}[i.sla_met], ""),
        _person(i.assigned_to),
        (i.get_status_display(), ""),
    ]


COMPLAINT_COLUMNS = [
    _("Reference"),
    _("Received"),
    _("Acknowledgement due"),
    _("Acknowledged"),
    _("Decision due"),
    _("Customer informed"),
    _("Closed"),
    _("Handled by"),
    _("Status"),
]


def _complaint_row(c) -> list[Cell]:
    return [
        (c.reference, _url("complaints:detail", c.pk)),
        (_dt(c.received_at), ""),
        (_dt(c.acknowledge_due), ""),
        (_dt(c.acknowledged_at), ""),
        (_dt(c.decision_due), ""),
        (_dt(c.informed_at), ""),
        (_dt(c.closed_at), ""),
        _person(c.assigned_to),
        (c.get_status_display(), ""),
    ]


def _survey_row(s) -> list[Cell]:
    url = _url("inquiries:detail" if s.kind == Survey.Kind.INQUIRY else "complaints:detail", s.object_id)
    return [
        (s.get_kind_display(), ""),
        (s.reference, url),
        (str(s.rating), ""),
        (s.comment or "—", ""),
        (_dt(s.answered_at), ""),
        _person(s.staff),
    ]


def _qa_row(r) -> list[Cell]:
    return [
        (f"{r.get_kind_display()} {r.reference}", reverse("staff:qa_review", args=[r.pk])),
        (str(r.score), ""),
        (str(r.accuracy), ""),
        (str(r.attitude), ""),
        (str(r.compliance), ""),
        (str(r.timeliness), ""),
        _person(r.agent),
        (_dt(r.reviewed_at), ""),
    ]


def _cost_row(m) -> list[Cell]:
    return [
        (m.inquiry.reference, _url("inquiries:detail", m.inquiry_id)),
        (_dt(m.created_at), ""),
        (m.outbound_message.get_channel_display(), ""),
        (f"{m.outbound_message.price} {m.outbound_message.price_unit}", ""),
        _person(m.author),
    ]


def _training_row(a) -> list[Cell]:
    return [
        (a.session.title, ""),
        (a.session.get_topic_display(), ""),
        (a.session.held_on.isoformat(), ""),
        (str(a.session.hours), ""),
        (a.session.trainer, ""),
        _person(a.staff),
    ]


ESCALATION_COLUMNS = [
    _("Reference"),
    _("Department"),
    _("Escalated at"),
    _("Answer deadline"),
    _("Department answered"),
    _("Deadline missed"),
    _("Assigned to"),
    _("Status"),
]


def _escalation_row(i) -> list[Cell]:
    return [
        (i.reference, _url("inquiries:detail", i.pk)),
        (i.escalated_to.name if i.escalated_to else "—", ""),
        (_dt(i.escalated_at), ""),
        (_dt(i.escalation_due), ""),
        (_dt(i.escalation_answered_at), ""),
        (_dt(i.escalation_breached_at), ""),
        _person(i.assigned_to),
        (i.get_status_display(), ""),
    ]


def _installment_row(i) -> list[Cell]:
    return [
        (i.loan.contract_number, _url("loans:detail", i.loan_id)),
        (str(i.number), ""),
        (i.due_date.isoformat(), ""),
        (i.get_status_display(), ""),
        (_dt(i.paid_at), ""),
    ]


_RESPONSE = ExpressionWrapper(F("first_responded_at") - F("received_at"), output_field=DurationField())
_COMPLAINTS = (COMPLAINT_COLUMNS, _complaint_row, ("assigned_to",), ("decision_due", "id"))
# record component -> (columns, row renderer, select_related, ordering)
PRESENTATION: dict[str, tuple] = {
    "sla_total": (INQUIRY_COLUMNS, _inquiry_row, ("assigned_to",), ("received_at",)),
    "frt_answered": (INQUIRY_COLUMNS, _inquiry_row, ("assigned_to",), (_RESPONSE.desc(),)),
    "inq_assigned": (INQUIRY_COLUMNS, _inquiry_row, ("assigned_to",), ("received_at",)),
    "inq_handled": (INQUIRY_COLUMNS, _inquiry_row, ("assigned_to",), ("-resolved_at",)),
    "esc_total": (ESCALATION_COLUMNS, _escalation_row, ("assigned_to", "escalated_to"), ("escalation_due", "id")),
    "cmp_due": _COMPLAINTS,
    "cmp_handled": _COMPLAINTS,
    "cmp_received": _COMPLAINTS,
    "csat_count": (
        [_("Kind"), _("Reference"), _("Rating"), _("Comment"), _("Answered"), _("Staff member")],
        _survey_row,
        ("staff",),
        ("rating", "-answered_at"),
    ),
    "qa_count": (
        [
            _("Record"),
            _("Score"),
            _("Accuracy"),
            _("Attitude"),
            _("Compliance"),
            _("Timeliness"),
            _("Agent"),
            _("Reviewed"),
        ],
        _qa_row,
        ("agent",),
        ("score",),
    ),
    "cost_count": (
        [_("Inquiry"), _("Sent"), _("Channel"), _("Price"), _("Author")],
        _cost_row,
        ("inquiry", "outbound_message", "author"),
        ("-created_at",),
    ),
    "training_hours": (
        [_("Course"), _("Topic"), _("Date"), _("Hours"), _("Trainer"), _("Staff member")],
        _training_row,
        ("session", "staff"),
        ("-session__held_on",),
    ),
    "rem_due": (
        [_("Loan"), _("Installment"), _("Due date"), _("Status"), _("Fully paid")],
        _installment_row,
        ("loan",),
        ("due_date", "id"),
    ),
}


def kpi_record_queryset(*, kpi: str, period: Period, staff_ids: list[int] | None, outcome: str = "") -> QuerySet:
    """The records a KPI figure counts (unordered), optionally only one outcome (in or out of the numerator)."""
    definition = KPI_BY_CODE[kpi]
    qs = sources.records(definition, period=period, staff_ids=staff_ids)
    for value, _label, positive in definition.outcomes:
        if outcome == value:
            numerator = sources.numerator_filter(definition, period=period)
            qs = qs.filter(numerator) if positive else qs.exclude(numerator)
    return qs


def kpi_records(*, kpi: str, period: Period, staff_ids: list[int] | None, outcome: str = "") -> RecordSet:
    """The records a KPI figure counts, ordered and renderable, optionally only one outcome (e.g. the breached)."""
    definition = KPI_BY_CODE[kpi]
    columns, render, related, ordering = PRESENTATION[definition.record_component]
    outcomes = [(value, label) for value, label, _positive in definition.outcomes]
    if not definition.staff_level and staff_ids is not None:
        return RecordSet(str(definition.label), columns, None, None, outcomes)
    qs = kpi_record_queryset(kpi=kpi, period=period, staff_ids=staff_ids, outcome=outcome)
    return RecordSet(str(definition.label), columns, qs.select_related(*related).order_by(*ordering), render, outcomes)
