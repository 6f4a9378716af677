"""Reads of the staff app: who may see whose figures; the records behind every KPI figure (drill-down) come from
staff.kpi.records and are re-exported here."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from aftersales import permissions as roles
from org.models import StaffProfile, Team
from staff.kpi.records import RecordSet, kpi_record_queryset, kpi_records

__all__ = ["RecordSet", "kpi_record_queryset", "kpi_records", "may_see", "staff_names", "visible_staff_ids"]
__all__ += ["visible_teams"]

User = AbstractBaseUser | AnonymousUser


def visible_staff_ids(user: User) -> list[int] | None:
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


def visible_teams(user: User) -> QuerySet[Team]:
    """The teams whose members' figures the user may see, by name."""
    ids = visible_staff_ids(user)
    teams = Team.objects.all()
    if ids is not None:
        teams = teams.filter(members__user_id__in=ids).distinct()
    return teams.order_by("name")


def may_see(user: User, staff_id: int) -> bool:
    """Whether the user may see this staff member's figures."""
    ids = visible_staff_ids(user)
    return ids is None or staff_id in ids


def staff_names(ids: Iterable[int]) -> dict[int, str]:
    """{user id: full name (or username)} of these users."""
    users = get_user_model().objects.filter(pk__in=list(ids))
    return {u.pk: (u.get_full_name() or u.get_username()) for u in users}
