"""KPI pages: the manager dashboard, an agent's own figures, the records behind a figure, and the export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.exports import Sheet, csv_response, xlsx_response
from aftersales.permissions import role_required
from complaints import kpi_sources as complaint_kpi
from complaints.models import Complaint
from loans import selectors as loan_selectors
from org.models import StaffProfile
from staff import kpi as kpis
from staff import selectors
from staff.forms import PeriodForm, RecordsForm
from staff.models import QaReview
from staff.views.common import ATTENTION_OUTCOME, fmt, fmt_delta, period_params, records_url

TABLE_KPIS = kpis.STAFF_LEVEL


def _scope(request, form: PeriodForm) -> tuple[list[int] | None, int | None]:
    """The staff ids the request may and asked to see (None: the whole service)."""
    ids = selectors.visible_staff_ids(request.user)
    team = form.get_team() if "team" in form.fields else None
    if team:
        members = list(StaffProfile.objects.filter(team_id=team).values_list("user_id", flat=True))
        ids = members if ids is None else [i for i in ids if i in set(members)]
    return ids, team


def _cards(report: kpis.Report, previous: kpis.Figures, *, staff: int | None, team: int | None) -> list[dict]:
    cards = []
    for kpi in kpis.KPIS:
        value = report.total.value(kpi.code)
        prev = previous.value(kpi.code)
        delta, tone = fmt_delta(kpi, value, prev)
        cards.append(
            {
                "kpi": kpi,
                "value": value,
                "display": fmt(kpi, value),
                "previous": fmt(kpi, prev),
                "delta": delta,
                "tone": tone,
                "count": report.total.count(kpi.code),
                "url": records_url(
                    kpi.code,
                    report.period,
                    staff=staff,
                    team=team,
                    outcome=ATTENTION_OUTCOME.get(kpi.code, "") if value is not None else "",
                ),
                "all_url": records_url(kpi.code, report.period, staff=staff, team=team),
            }
        )
    return cards


def _table(report: kpis.Report, sort: str, descending: bool) -> list[dict]:
    rows = []
    for row in report.rows:
        cells = []
        for kpi in TABLE_KPIS:
            value = row.figures.value(kpi.code)
            outcome = ATTENTION_OUTCOME.get(kpi.code, "")
            cells.append(
                {
                    "kpi": kpi,
                    "value": value,
                    "display": fmt(kpi, value),
                    "count": row.figures.count(kpi.code),
                    "url": records_url(kpi.code, report.period, staff=row.user_id),
                    "attention_url": records_url(kpi.code, report.period, staff=row.user_id, outcome=outcome)
                    if outcome and value is not None and value < 100
                    else "",
                }
            )
        rows.append({"row": row, "cells": cells})
    if sort in kpis.KPI_BY_CODE and kpis.KPI_BY_CODE[sort].staff_level:
        index = [k.code for k in TABLE_KPIS].index(sort)
        with_value = [r for r in rows if r["cells"][index]["value"] is not None]
        without = [r for r in rows if r["cells"][index]["value"] is None]
        with_value.sort(key=lambda r: r["cells"][index]["value"], reverse=descending)
        rows = with_value + without
    elif sort == "name":
        rows.sort(key=lambda r: r["row"].name, reverse=descending)
    return rows


def last_full_month_start(today: dt.date) -> dt.date:
    """The first day of the last full month before `today` (on 2 Dec: 1 Nov; on 1 Jan 2027: 1 Dec 2026)."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _period_data(request, *, own_only: bool):
    """The period parameters: as asked, or on the dashboard the last full month (compared with the month before it:
    like with like; the current month would compare a few days with a whole month)."""
    if own_only or request.GET.get("period") or request.GET.get("date"):
        return request.GET or None
    data = request.GET.copy()
    data["period"] = "month"
    data["date"] = last_full_month_start(timezone.localdate()).isoformat()
    return data


def _build(request, *, own_only: bool) -> dict:
    leader = roles.has_role(request.user, roles.MANAGER, roles.SUPERVISOR) and not own_only
    teams = selectors.visible_teams(request.user) if leader else None
    form = PeriodForm(_period_data(request, own_only=own_only), teams=teams)
    period = form.get_period()
    if own_only:
        ids, team = [request.user.pk], None
    else:
        ids, team = _scope(request, form)
    report = kpis.kpi_report(period=period, staff_ids=ids, with_previous=True)
    previous = report.previous
    trend_bucket = form.get_trend()
    trend = kpis.kpi_trend(period=period, bucket=trend_bucket, staff_ids=ids)
    trend["names"] = {
        "handled": _("Inquiries handled"),
        "complaints": _("Complaints received"),
        "sla": _("First-response SLA %"),
        "csat": _("CSAT (1–5)"),
    }
    sort = request.GET.get("sort", "")
    descending = request.GET.get("dir", "desc") == "desc"
    return {
        "form": form,
        "period": period,
        "previous_period": period.previous(),
        "report": report,
        "cards": _cards(report, previous, staff=request.user.pk if own_only else None, team=team),
        "table_kpis": TABLE_KPIS,
        "rows": _table(report, sort, descending),
        "sort": sort,
        "descending": descending,
        "trend": trend,
        "trend_bucket": trend_bucket,
        "team": team,
        "period_query": period_params(period),
    }


REVENUE_CHART_MONTHS = 6  # the period's month and the five before it


def _months_back(start: dt.date, count: int) -> list[dt.date]:
    months = [start.replace(day=1)]
    while len(months) < count:
        months.insert(0, last_full_month_start(months[0]))
    return months


def dashboard_charts(period: kpis.Period, staff_ids: list[int] | None) -> dict:
    """Complaints by category and by timeliness for the period (the complaint KPI's own filters), and income by
    month and type for the months up to the period's (the revenue report's figures)."""
    received = Complaint.objects.filter(complaint_kpi.component_filter("cmp_received", period))
    counted = Complaint.objects.filter(complaint_kpi.component_filter("cmp_due", period))
    if staff_ids is not None:
        received = received.filter(assigned_to__in=staff_ids)
        counted = counted.filter(assigned_to__in=staff_ids)
    by_category = dict(received.order_by().values_list("category").annotate(n=Count("id")))
    timeliness = counted.aggregate(
        total=Count("id"), timely=Count("id", filter=complaint_kpi.component_filter("cmp_timely", period))
    )
    charts = {
        "complaints": {
            "labels": [str(label) for value, label in Complaint.Category.choices],
            "counts": [by_category.get(value, 0) for value, _label in Complaint.Category.choices],
            "name": _("Complaints received"),
        },
        "timeliness": {
            "labels": [_("On time"), _("Late")],
            "counts": [timeliness["timely"], timeliness["total"] - timeliness["timely"]],
        },
    }
    if staff_ids is None:  # income is the company's, not a team's
        months = _months_back(period.start, REVENUE_CHART_MONTHS)
        totals = [loan_selectors.revenue_report(year=m.year, month=m.month)[1] for m in months]
        charts["revenue"] = {
            "labels": [f"{m:%Y-%m}" for m in months],
            "series": [
                {"name": _("Interest"), "data": [float(t.interest) for t in totals]},
                {"name": _("Penalty interest"), "data": [float(t.penalty) for t in totals]},
                {"name": _("Fees"), "data": [float(t.fee + t.upfront_fee) for t in totals]},
            ],
        }
    return charts


@role_required(*roles.LEADERS)
def dashboard(request):
    """Managers: the whole service and every team; supervisors: their team."""
    context = _build(request, own_only=False)
    form = context["form"]
    ids, _team = _scope(request, form)
    context["charts"] = dashboard_charts(context["period"], ids)
    return render(request, "staff/dashboard.html", context)


@role_required(*roles.STAFF_ROLES)
def my_kpis(request):
    """A staff member's own figures and QA scorecards, never anyone else's."""
    context = _build(request, own_only=True)
    context["scorecards"] = (
        QaReview.objects.filter(agent=request.user, reviewed_at__isnull=False)
        .select_related("reviewed_by")
        .order_by("-reviewed_at")[:20]
    )
    context["profile"] = StaffProfile.objects.filter(user=request.user).first()
    context["reviews"] = request.user.reviews.order_by("-month")[:6]
    return render(request, "staff/my_kpis.html", context)


@role_required(*roles.STAFF_ROLES)
def records(request):
    """The records behind one figure: a KPI for a period, for one staff member, a team or the whole visible scope."""
    kpi = request.GET.get("kpi", "")
    if kpi not in kpis.KPI_BY_CODE:
        raise Http404
    form = PeriodForm(request.GET or None, teams=None)
    period = form.get_period()
    visible = selectors.visible_staff_ids(request.user)
    params = RecordsForm(request.GET)
    if not params.is_valid():
        messages.warning(request, _("A filter of this link is not valid; showing all the records you may see."))
    staff_id, team_id = params.value("staff"), params.value("team")
    subject = ""
    if staff_id:
        if not selectors.may_see(request.user, staff_id):
            raise PermissionDenied
        ids = [staff_id]
        subject = selectors.staff_names([staff_id]).get(staff_id, "")
    elif team_id:
        members = set(StaffProfile.objects.filter(team_id=team_id).values_list("user_id", flat=True))
        ids = sorted(members if visible is None else members & set(visible))
        subject = selectors.visible_teams(request.user).filter(pk=team_id).values_list("name", flat=True).first() or ""
    else:
        ids = visible
    definition = kpis.KPI_BY_CODE[kpi]
    if not definition.staff_level and ids is not None:
        raise PermissionDenied  # service-wide figures are for managers
    outcome = params.value("outcome") or ""
    record_set = selectors.kpi_records(kpi=kpi, period=period, staff_ids=ids, outcome=outcome)
    page = None
    rows = []
    if record_set.queryset is not None:
        page = Paginator(record_set.queryset, 50).get_page(request.GET.get("page"))
        rows = [record_set.render(obj) for obj in page.object_list]
    base = {k: v for k, v in request.GET.items() if k not in ("outcome", "page")}
    return render(
        request,
        "staff/records.html",
        {
            "kpi": definition,
            "period": period,
            "record_set": record_set,
            "rows": rows,
            "page": page,
            "subject": subject,
            "outcome": outcome,
            "base_query": base,
            "back_url": (
                reverse("staff:dashboard") if roles.has_role(request.user, *roles.LEADERS) else reverse("staff:my_kpis")
            )
            + "?"
            + urlencode(period_params(period)),
        },
    )


def _export_rows(report: kpis.Report) -> tuple[list[str], list[list]]:
    header = [_("Staff member"), _("Username"), _("Team")]
    header += [str(k.label) for k in TABLE_KPIS]
    header += [_("CSAT responses")]

    def number(value):
        return float(value) if isinstance(value, Decimal) else value

    body = []
    for row in report.rows:
        values = [number(row.figures.value(k.code)) for k in TABLE_KPIS]
        body.append([row.name, row.username, row.team_name, *values, row.figures.count("csat")])
    total = [_("Total"), "", "", *[number(report.total.value(k.code)) for k in TABLE_KPIS], report.total.count("csat")]
    body.append(total)
    return header, body


def _totals_sheet(report: kpis.Report) -> Sheet:
    """Every KPI of the dashboard's cards for the scope, service-wide figures included (the XLSX second sheet)."""
    rows = []
    for kpi in kpis.KPIS:
        value = report.total.value(kpi.code)
        rows.append([str(kpi.label), float(value) if value is not None else None, report.total.count(kpi.code)])
    return Sheet(title=_("Totals"), header=[_("KPI"), _("Value"), _("Records")], rows=rows)


@role_required(*roles.LEADERS)
def export(request):
    """The staff table as CSV or XLSX (numbers, empty where there is no data)."""
    form = PeriodForm(request.GET or None, teams=selectors.visible_teams(request.user))
    period = form.get_period()
    ids, _team = _scope(request, form)
    report = kpis.kpi_report(period=period, staff_ids=ids)
    header, body = _export_rows(report)
    filename = f"staff-kpis-{period.start.isoformat()}-{period.last_day.isoformat()}"
    if request.GET.get("format") == "csv":
        return csv_response(filename=filename, header=header, rows=body)
    sheet = Sheet(title=_("KPIs"), header=header, rows=body, preamble=[[_("Period"), period.label()]], freeze_columns=3)
    return xlsx_response(filename=filename, sheets=[sheet, _totals_sheet(report)])
