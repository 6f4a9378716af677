"""Admin changelists never answer 500 for a hostile date-hierarchy parameter.

Django's ChangeList turns `?<field>__year=99999999999999999999` into `datetime(...)` and `year + 1`, which raise
OverflowError (and ValueError at year 9999) outside its own try block. The guard checks the year, month and day
first and raises IncorrectLookupParameters, which the admin shows as its "invalid filter" page.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


def date_hierarchy_valid(params, field: str) -> bool:
    """Whether the year/month/day parameters of a date hierarchy name a real day between years 1 and 9998."""
    parts = []
    for key, low, high in (("year", 1, 9998), ("month", 1, 12), ("day", 1, 31)):
        raw = params.get(f"{field}__{key}")
        if raw is None:
            parts.append(1)
            continue
        if not raw.isascii() or not raw.isdigit() or len(raw) > 4 or not low <= int(raw) <= high:
            return False
        parts.append(int(raw))
    try:
        dt.date(*parts)
    except ValueError:
        return False
    return True


class SafeChangeList(ChangeList):
    def get_filters(self, request):
        if self.date_hierarchy and not date_hierarchy_valid(request.GET, self.date_hierarchy):
            raise IncorrectLookupParameters("invalid date hierarchy")
        return super().get_filters(request)


def _get_changelist(self, request, **kwargs):
    return SafeChangeList


def install() -> None:
    """Every ModelAdmin of the project (and of Django's own apps) uses the guarded changelist."""
    admin.ModelAdmin.get_changelist = _get_changelist
