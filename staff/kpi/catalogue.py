"""The KPI catalogue: every KPI declared once — what it is, how it is computed from which components, whose data.

A component is a number summed per staff member (e.g. `sla_met`, the inquiries answered in time); the data source
that owns it (an app's `kpi_sources` module) declares which records it counts. A KPI is a formula over components:
the dashboard, the drill-down records, the roll-ups, the exports and the performance score all read this list.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PERCENT = "percent"
MINUTES = "minutes"
COUNT = "count"
RATING = "rating"
SCORE = "score"
PER_MILLE = "per_mille"
MONEY = "money"
HOURS = "hours"

# How a value is computed from its components (staff.kpi.formulas).
RATIO = "ratio"  # numerator * scale / denominator; no data when the denominator is zero
MEDIAN = "median"  # the median first response, from the response-time histograms
TOTAL = "total"  # the numerator itself (a count or a sum)

# Whose data: the module that declares the components (and gives the drill-down records).
INQUIRIES = "inquiries"
COMPLAINTS = "complaints"
REMINDERS = "reminders"
STAFF = "staff"


@dataclass(frozen=True)
class Kpi:
    """One KPI: label and definition for people, and the formula over components for the code."""

    code: str
    label: str | Promise
    definition: str | Promise
    unit: str
    formula: str
    numerator: str
    denominator: str = ""
    source: str = INQUIRIES
    records: str = ""  # the component whose records the drill-down lists (default: the denominator)
    count: str = ""  # the component shown beside the figure as "how many records" (empty: none)
    scale: int = 1
    quantum: str = "0.1"
    requires: str = ""  # a component that must be non-zero, else "no data"
    higher_is_better: bool = True
    staff_level: bool = True  # False: a service-wide figure that is not attributed to staff members
    scoreable: bool = False  # may carry a weight in the performance score (normalised to 0–100)
    outcomes: tuple[tuple[str, str | Promise, bool], ...] = ()  # (value, label, in the numerator?) drill-down filters

    @property
    def direction(self) -> str:
        """ "up" when a higher value is better, else "down"."""
        return "up" if self.higher_is_better else "down"

    @property
    def record_component(self) -> str:
        """The component whose records the drill-down lists."""
        return self.records or self.denominator or self.numerator


KPIS: list[Kpi] = [
    Kpi(
        "sla",
        _("First-response SLA"),
        _(
            "Share of inquiries received in the period whose first response reached the customer by the first-response "
            "deadline. Counts inquiries whose SLA outcome is known (answered, or deadline passed), by assigned agent."
        ),
        PERCENT,
        RATIO,
        "sla_met",
        "sla_total",
        count="sla_total",
        scale=100,
        scoreable=True,
        outcomes=(("met", _("Met"), True), ("breached", _("Breached"), False)),
    ),
    Kpi(
        "frt",
        _("Median first response"),
        _(
            "Median time in minutes from receipt to the first response that reached the customer, over inquiries "
            "received in the period that have been answered. Half were answered faster."
        ),
        MINUTES,
        MEDIAN,
        "",
        records="frt_answered",
        higher_is_better=False,
    ),
    Kpi(
        "resolution",
        _("Resolution rate"),
        _("Share of inquiries received in the period and assigned to the staff member that are resolved."),
        PERCENT,
        RATIO,
        "inq_resolved",
        "inq_assigned",
        count="inq_assigned",
        scale=100,
        scoreable=True,
        outcomes=(("resolved", _("Resolved"), True), ("open", _("Not resolved"), False)),
    ),
    Kpi(
        "complaint_timeliness",
        _("Complaint timeliness"),
        _(
            "Share of complaints recorded as decided and told to the customer by the decision deadline. Counts "
            "complaints informed in the period, and complaints whose decision deadline passed in the period without "
            "the customer being informed (recorded late)."
        ),
        PERCENT,
        RATIO,
        "cmp_timely",
        "cmp_due",
        source=COMPLAINTS,
        count="cmp_due",
        scale=100,
        scoreable=True,
        outcomes=(("timely", _("On time"), True), ("late", _("Late"), False)),
    ),
    Kpi(
        "csat",
        _("Customer satisfaction"),
        _(
            "Average rating (1–5) of the satisfaction surveys answered in the period, credited to the staff member "
            "who resolved the inquiry or handled the complaint, and of the online chats rated in the period, credited "
            "to the agent who held the chat; the number of answers is shown beside it."
        ),
        RATING,
        RATIO,
        "csat_sum",
        "csat_count",
        source=STAFF,
        count="csat_count",
        quantum="0.01",
        scoreable=True,
    ),
    Kpi(
        "inquiries_handled",
        _("Inquiries handled"),
        _("Number of inquiries the staff member resolved in the period."),
        COUNT,
        TOTAL,
        "inq_handled",
        quantum="1",
    ),
    Kpi(
        "complaints_handled",
        _("Complaints handled"),
        _("Number of complaints closed in the period, by the staff member they were assigned to."),
        COUNT,
        TOTAL,
        "cmp_handled",
        source=COMPLAINTS,
        quantum="1",
    ),
    Kpi(
        "qa",
        _("QA score"),
        _(
            "Average QA scorecard (mean of accuracy, attitude, compliance and timeliness, 0–100) of the sampled "
            "records reviewed in the period."
        ),
        SCORE,
        RATIO,
        "qa_sum",
        "qa_count",
        source=STAFF,
        count="qa_count",
        scoreable=True,
    ),
    Kpi(
        "reminder_effectiveness",
        _("Reminder effectiveness"),
        _(
            "Share of reminded installments that fell due in the period (due date over) that were fully paid by "
            "their due date. Counts current installments with at least one sent reminder. A service-wide figure "
            "(reminders are sent automatically)."
        ),
        PERCENT,
        RATIO,
        "rem_paid",
        "rem_due",
        source=REMINDERS,
        count="rem_due",
        scale=100,
        staff_level=False,
        outcomes=(("paid", _("Paid by the due date"), True), ("unpaid", _("Not paid in time"), False)),
    ),
    Kpi(
        "complaint_rate",
        _("Complaints per 1,000 active loans"),
        _("Complaints received in the period per 1,000 loans active now. A service-wide figure."),
        PER_MILLE,
        RATIO,
        "cmp_received",
        "active_loans",
        source=COMPLAINTS,
        records="cmp_received",
        scale=1000,
        quantum="0.01",
        higher_is_better=False,
        staff_level=False,
    ),
    Kpi(
        "cost_per_resolved",
        _("Communication cost per resolved inquiry"),
        _(
            "Provider price of the SMS and calls sent as inquiry replies in the period, divided by the inquiries "
            "resolved in the period (provider currency)."
        ),
        MONEY,
        RATIO,
        "cost_sum",
        "inq_handled",
        records="cost_count",
        count="cost_count",  # the priced replies listed behind the figure
        quantum="0.0001",
        requires="cost_count",  # no priced message: the provider reports no cost (e.g. the outbox backend)
        higher_is_better=False,
    ),
    Kpi(
        "escalation_sla",
        _("Escalations answered in time"),
        _(
            "Share of escalated inquiries whose department answered by the escalation deadline. Counts escalations "
            "whose deadline fell in the period and whose outcome is known (answered, or the deadline recorded as "
            "missed), by the agent who owns the inquiry; the department queues show the same figure per department."
        ),
        PERCENT,
        RATIO,
        "esc_met",
        "esc_total",
        count="esc_total",
        scale=100,
        outcomes=(("met", _("Answered in time"), True), ("late", _("Late or unanswered"), False)),
    ),
    Kpi(
        "training_hours",
        _("Training hours"),
        _("Hours of training sessions held in the period that the staff member attended."),
        HOURS,
        TOTAL,
        "training_hours",
        source=STAFF,
    ),
]
KPI_BY_CODE: dict[str, Kpi] = {k.code: k for k in KPIS}
SCOREABLE: list[Kpi] = [k for k in KPIS if k.scoreable]
STAFF_LEVEL: list[Kpi] = [k for k in KPIS if k.staff_level]

# Components summed per staff member; team and service figures are sums of these, never averages of ratios.
COMPONENTS: list[str] = [
    "sla_total",
    "sla_met",
    "inq_assigned",
    "inq_resolved",
    "inq_handled",
    "cmp_due",
    "cmp_timely",
    "cmp_handled",
    "cmp_received",
    "csat_sum",
    "csat_count",
    "qa_sum",
    "qa_count",
    "cost_sum",
    "cost_count",
    "training_hours",
    "esc_total",
    "esc_met",
]
# Service-wide components (only in the figures of the whole service).
SERVICE_COMPONENTS: list[str] = ["rem_paid", "rem_due", "active_loans"]
