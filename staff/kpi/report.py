"""The KPI report: every KPI for a period, per staff member, per team and in total for the scope."""

from __future__ import annotations

from dataclasses import dataclass

from org.models import StaffProfile
from staff.kpi.formulas import Figures, add_components
from staff.kpi.medians import first_response_medians, overall_medians
from staff.kpi.periods import Period
from staff.kpi.sources import service_components_for, staff_components, staff_components_for

TABLE_ROLES = ("agent", "supervisor")  # listed even without figures; other roles only when they have some


@dataclass
class StaffRow:
    """One staff member's line of the report."""

    user_id: int
    name: str
    username: str
    team_id: int | None
    team_name: str
    role: str
    role_code: str
    figures: Figures


@dataclass
class Report:
    """The figures of a period: in total, per staff member, per team, and optionally the previous period's total."""

    period: Period
    total: Figures
    rows: list[StaffRow]
    teams: dict[int, Figures]
    previous: Figures | None = None


def _profiles(staff_ids: list[int] | None, team_ids: list[int] | None) -> list[StaffProfile]:
    profiles = StaffProfile.objects.select_related("user", "team").exclude(role="back_office")
    if staff_ids is not None:
        profiles = profiles.filter(user_id__in=staff_ids)
    if team_ids:
        profiles = profiles.filter(team_id__in=team_ids)
    return list(profiles)


def _totals(periods: list[Period], per_staff: list[dict], medians: list, *, service_wide: bool) -> list[Figures]:
    """The scope's total figures per period: sums of the members' components (+ the service-wide components)."""
    totals = []
    for index in range(len(periods)):
        figures = Figures(frt_seconds=medians[index], service_wide=service_wide)
        for values in per_staff[index].values():
            add_components(figures.components, values)
        totals.append(figures)
    if service_wide:
        for figures, values in zip(totals, service_components_for(periods=periods), strict=True):
            add_components(figures.components, values)
    return totals


def _row(profile: StaffProfile, components: dict, median: float | None) -> StaffRow:
    return StaffRow(
        user_id=profile.user_id,
        name=str(profile),
        username=profile.user.get_username(),
        team_id=profile.team_id,
        team_name=profile.team.name if profile.team else "",
        role=profile.get_role_display(),
        role_code=profile.role,
        figures=Figures(components=dict(components), frt_seconds=median),
    )


def kpi_report(
    *,
    period: Period,
    staff_ids: list[int] | None = None,
    team_ids: list[int] | None = None,
    team_medians: bool = False,
    with_previous: bool = False,
) -> Report:
    """All KPIs for a period: per staff member, per team, and in total for the scope.

    `staff_ids` limits the report to these members (an agent: themself; a supervisor: their team); the total is then
    the total of those members. Without it the total is the whole service, including unassigned records.
    """
    profiles = _profiles(staff_ids, team_ids)
    scope_ids = [p.user_id for p in profiles] if (staff_ids is not None or team_ids) else None
    periods = [period, period.previous()] if with_previous else [period]
    per_staff = staff_components_for(periods=periods, staff_ids=scope_ids)
    memo: dict = {}  # the histograms read once serve the staff, team and overall medians
    medians = first_response_medians(period=period, partition="assigned_to", staff_ids=scope_ids, memo=memo)
    team_median = (
        first_response_medians(
            period=period, partition="assigned_to__staff_profile__team", staff_ids=scope_ids, memo=memo
        )
        if team_medians
        else {}
    )
    service_medians = overall_medians(periods=periods, staff_ids=scope_ids, memo=memo)
    totals = _totals(periods, per_staff, service_medians, service_wide=scope_ids is None)
    rows = []
    teams: dict[int, Figures] = {}
    for profile in profiles:
        row = _row(profile, per_staff[0].get(profile.user_id, {}), medians.get(profile.user_id))
        rows.append(row)
        if profile.team_id:
            team = teams.setdefault(profile.team_id, Figures(frt_seconds=team_median.get(profile.team_id)))
            add_components(team.components, row.figures.components)
    rows = [r for r in rows if r.role_code in TABLE_ROLES or any(r.figures.components.values())]
    rows.sort(key=lambda r: (r.team_name, r.name))
    return Report(period=period, total=totals[0], rows=rows, teams=teams, previous=totals[1] if with_previous else None)


def kpi_totals(*, period: Period, staff_ids: list[int] | None = None) -> Figures:
    """Only the total figures of a scope (for the previous-period comparison)."""
    per_staff = staff_components(period=period, staff_ids=staff_ids)
    median = first_response_medians(period=period, partition=None, staff_ids=staff_ids).get(None)
    return _totals([period], [per_staff], [median], service_wide=staff_ids is None)[0]
