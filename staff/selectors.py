"""Reads of the staff app: who may see whose figures, and the records behind every KPI figure (drill-down)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import DurationField, ExpressionWrapper, F, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from aftersales import permissions as roles
from org.models import StaffProfile, Team
from staff import kpis
from staff.kpis import Period, _in, model_or_none
from staff.models import QaReview, Survey, TrainingAttendance


def visible_staff_ids(user) -> list[int] | None:
    """Staff whose figures the user may see: managers everyone (None), supervisors their teams, others themself."""
    if roles.has_role(user, roles.MANAGER):
        return None
    if roles.has_role(user, roles.SUPERVISOR):
        team_ids = set(Team.objects.filter(supervisor=user).values_list("id", flat=True))
        own_team = StaffProfile.objects.filter(user=user).values_list("team_id", flat=True).first()
        if own_team:
            team_ids.add(own_team)
        ids = set(StaffProfile.objects.filter(team_id__in=team_ids).values_list("user_id", flat=True))
        ids.add(user.pk)
        return sorted(ids)
    return [user.pk]


def visible_teams(user) -> QuerySet[Team]:
    ids = visible_staff_ids(user)
    teams = Team.objects.all()
    if ids is not None:
        teams = teams.filter(members__user_id__in=ids).distinct()
    return teams.order_by("name")


def may_see(user, staff_id: int) -> bool:
    ids = visible_staff_ids(user)
    return ids is None or staff_id in ids


def _url(name: str, pk: Any) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _dt(value) -> str:
    from django.utils import timezone

    if value is None:
        return "—"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@dataclass
class RecordSet:
    """The records behind one figure: a queryset, its column headings, and how to render one record."""

    title: str
    columns: list[str]
    queryset: QuerySet | None
    render: Any  # callable(obj) -> list[tuple[text, url]]
    outcomes: list[tuple[str, str]]  # (value, label) filters offered


OUTCOMES = {
    "sla": [("met", _("Met")), ("breached", _("Breached"))],
    "resolution": [("resolved", _("Resolved")), ("open", _("Not resolved"))],
    "complaint_timeliness": [("timely", _("On time")), ("late", _("Late"))],
}


def kpi_records(*, kpi: str, period: Period, staff_ids: list[int] | None, outcome: str = "") -> RecordSet:
    """The records a KPI figure counts, optionally only one outcome (e.g. the breached inquiries)."""
    from inquiries.models import Inquiry, InquiryMessage

    label = str(kpis.KPI_BY_CODE[kpi].label)
    outcomes = OUTCOMES.get(kpi, [])

    def scoped(qs, field_name):
        return qs.filter(**{f"{field_name}__in": staff_ids}) if staff_ids is not None else qs

    def person(user):
        return (user.get_full_name() or user.get_username(), "") if user else ("—", "")

    inquiry_columns = [
        _("Reference"),
        _("Subject"),
        _("Received"),
        _("First response due"),
        _("First responded"),
        _("SLA met"),
        _("Assigned to"),
        _("Status"),
    ]

    def inquiry_row(i):
        return [
            (i.reference, _url("inquiries:detail", i.pk)),
            (i.subject, ""),
            (_dt(i.received_at), ""),
            (_dt(i.first_response_due), ""),
            (_dt(i.first_responded_at), ""),
            ({True: _("Met"), False: _("Breached"), None: "—"}[i.sla_met], ""),
            person(i.assigned_to),
            (i.get_status_display(), ""),
        ]

    if kpi in ("sla", "frt", "resolution", "inquiries_handled"):
        if kpi == "inquiries_handled":
            qs = scoped(Inquiry.objects.filter(_in("resolved_at", period)), "resolved_by").order_by("-resolved_at")
        else:
            qs = scoped(Inquiry.objects.filter(_in("received_at", period)), "assigned_to")
        if kpi == "sla":
            qs = qs.filter(sla_met__isnull=False)
            if outcome == "met":
                qs = qs.filter(sla_met=True)
            elif outcome == "breached":
                qs = qs.filter(sla_met=False)
            qs = qs.order_by("received_at")
        elif kpi == "frt":
            duration = ExpressionWrapper(F("first_responded_at") - F("received_at"), output_field=DurationField())
            qs = qs.filter(first_responded_at__isnull=False).order_by(duration.desc())
        elif kpi == "resolution":
            qs = qs.filter(assigned_to__isnull=False)
            if outcome == "resolved":
                qs = qs.filter(resolved_at__isnull=False)
            elif outcome == "open":
                qs = qs.filter(resolved_at__isnull=True)
            qs = qs.order_by("received_at")
        return RecordSet(label, inquiry_columns, qs.select_related("assigned_to"), inquiry_row, outcomes)

    if kpi in ("complaint_timeliness", "complaints_handled", "complaint_rate"):
        Complaint = model_or_none("complaints.Complaint")
        columns = [
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
        if Complaint is None:
            return RecordSet(label, columns, None, None, outcomes)
        from django.utils import timezone

        if kpi == "complaint_timeliness":
            informed = _in("informed_at", period)
            overdue = Q(
                informed_at__isnull=True,
                decision_due__gte=period.start_dt,
                decision_due__lt=min(period.end_dt, timezone.now()),
            )
            timely = Q(informed_at__lte=F("decision_due")) & Q(acknowledged_at__lte=F("acknowledge_due"))
            qs = Complaint.objects.filter(informed | overdue)
            if outcome == "timely":
                qs = qs.filter(informed & timely)
            elif outcome == "late":
                qs = qs.exclude(informed & timely)
        elif kpi == "complaints_handled":
            qs = Complaint.objects.filter(_in("closed_at", period))
        else:
            qs = Complaint.objects.filter(_in("received_at", period))
        qs = scoped(qs, "assigned_to").select_related("assigned_to").order_by("decision_due", "id")

        def complaint_row(c):
            return [
                (c.reference, _url("complaints:detail", c.pk)),
                (_dt(c.received_at), ""),
                (_dt(c.acknowledge_due), ""),
                (_dt(c.acknowledged_at), ""),
                (_dt(c.decision_due), ""),
                (_dt(c.informed_at), ""),
                (_dt(c.closed_at), ""),
                person(c.assigned_to),
                (c.get_status_display(), ""),
            ]

        return RecordSet(label, columns, qs, complaint_row, outcomes)

    if kpi == "csat":
        qs = scoped(Survey.objects.filter(_in("answered_at", period), rating__isnull=False), "staff")
        qs = qs.select_related("staff").order_by("rating", "-answered_at")

        def survey_row(s):
            url = _url("inquiries:detail" if s.kind == Survey.Kind.INQUIRY else "complaints:detail", s.object_id)
            return [
                (s.get_kind_display(), ""),
                (s.reference, url),
                (str(s.rating), ""),
                (s.comment or "—", ""),
                (_dt(s.answered_at), ""),
                person(s.staff),
            ]

        return RecordSet(
            label,
            [_("Kind"), _("Reference"), _("Rating"), _("Comment"), _("Answered"), _("Staff member")],
            qs,
            survey_row,
            outcomes,
        )

    if kpi == "qa":
        qs = scoped(QaReview.objects.filter(_in("reviewed_at", period), score__isnull=False), "agent")
        qs = qs.select_related("agent").order_by("score")

        def qa_row(r):
            return [
                (f"{r.get_kind_display()} {r.reference}", reverse("staff:qa_review", args=[r.pk])),
                (str(r.score), ""),
                (str(r.accuracy), ""),
                (str(r.attitude), ""),
                (str(r.compliance), ""),
                (str(r.timeliness), ""),
                person(r.agent),
                (_dt(r.reviewed_at), ""),
            ]

        return RecordSet(
            label,
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
            qs,
            qa_row,
            outcomes,
        )

    if kpi == "cost_per_resolved":
        qs = scoped(
            InquiryMessage.objects.filter(_in("created_at", period), outbound_message__price__isnull=False), "author"
        )
        qs = qs.select_related("inquiry", "outbound_message", "author").order_by("-created_at")

        def cost_row(m):
            return [
                (m.inquiry.reference, _url("inquiries:detail", m.inquiry_id)),
                (_dt(m.created_at), ""),
                (m.outbound_message.get_channel_display(), ""),
                (f"{m.outbound_message.price} {m.outbound_message.price_unit}", ""),
                person(m.author),
            ]

        return RecordSet(
            label, [_("Inquiry"), _("Sent"), _("Channel"), _("Price"), _("Author")], qs, cost_row, outcomes
        )

    if kpi == "training_hours":
        qs = scoped(
            TrainingAttendance.objects.filter(session__held_on__gte=period.start, session__held_on__lt=period.end),
            "staff",
        )
        qs = qs.select_related("session", "staff").order_by("-session__held_on")

        def training_row(a):
            return [
                (a.session.title, ""),
                (a.session.get_topic_display(), ""),
                (a.session.held_on.isoformat(), ""),
                (str(a.session.hours), ""),
                (a.session.trainer, ""),
                person(a.staff),
            ]

        return RecordSet(
            label,
            [_("Course"), _("Topic"), _("Date"), _("Hours"), _("Trainer"), _("Staff member")],
            qs,
            training_row,
            outcomes,
        )

    if kpi == "reminder_effectiveness":
        Reminder = model_or_none("reminders.Reminder")
        columns = [_("Loan"), _("Installment"), _("Due date"), _("Status"), _("Fully paid")]
        if Reminder is None or staff_ids is not None:
            return RecordSet(label, columns, None, None, outcomes)
        from django.db.models import Exists, OuterRef

        from loans.models import Installment

        qs = (
            Installment.objects.filter(due_date__gte=period.start, due_date__lt=period.end, is_current=True)
            .filter(Exists(Reminder.objects.filter(installment=OuterRef("pk"), sent_at__isnull=False)))
            .select_related("loan")
            .order_by("due_date", "id")
        )

        def installment_row(i):
            return [
                (i.loan.contract_number, _url("loans:detail", i.loan_id)),
                (str(i.number), ""),
                (i.due_date.isoformat(), ""),
                (i.get_status_display(), ""),
                (_dt(i.paid_at), ""),
            ]

        return RecordSet(label, columns, qs, installment_row, outcomes)
    raise KeyError(kpi)


def staff_names(ids) -> dict[int, str]:
    users = get_user_model().objects.filter(pk__in=list(ids))
    return {u.pk: (u.get_full_name() or u.get_username()) for u in users}
