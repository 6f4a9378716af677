"""Formatting and period helpers shared by the staff views."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from staff import kpi as kpis


def fmt(kpi: kpis.Kpi, value: Decimal | None) -> str:
    """A KPI value for display ("no data" when there is none)."""
    if value is None:
        return _("no data")
    if kpi.unit == kpis.PERCENT:
        return f"{value:.1f}%"
    if kpi.unit == kpis.MINUTES:
        return _("%(value)s min") % {"value": f"{value:.1f}"}
    if kpi.unit == kpis.RATING:
        return f"{value:.2f}"
    if kpi.unit == kpis.SCORE:
        return f"{value:.1f}"
    if kpi.unit == kpis.MONEY:
        return f"{value:.4f}"
    if kpi.unit == kpis.HOURS:
        return _("%(value)s h") % {"value": f"{value:.1f}"}
    if kpi.unit == kpis.PER_MILLE:
        return f"{value:.2f}‰"
    return f"{int(value):,}"


def fmt_delta(kpi: kpis.Kpi, current: Decimal | None, previous: Decimal | None) -> tuple[str, str]:
    """The change against the previous period, and whether it is good (success), bad (danger) or flat."""
    if current is None or previous is None:
        return "", "secondary"
    delta = Decimal(current) - Decimal(previous)
    if delta == 0:
        return "±0", "secondary"
    sign = "+" if delta > 0 else "−"
    magnitude = abs(delta)
    if kpi.unit == kpis.PERCENT:
        text = _("%(sign)s%(value)s pts") % {"sign": sign, "value": f"{magnitude:.1f}"}
    elif kpi.unit == kpis.COUNT:
        text = f"{sign}{int(magnitude):,}"
    elif kpi.unit in (kpis.RATING, kpis.PER_MILLE):
        text = f"{sign}{magnitude:.2f}"
    elif kpi.unit == kpis.MONEY:
        text = f"{sign}{magnitude:.4f}"
    else:
        text = f"{sign}{magnitude:.1f}"
    better = (delta > 0) == kpi.higher_is_better
    if kpi.unit in (kpis.COUNT, kpis.HOURS):
        return text, "secondary"  # volumes are neither good nor bad in themselves
    return text, "success" if better else "danger"


def period_params(period: kpis.Period) -> dict[str, str]:
    """Query parameters that reproduce exactly this period."""
    if period.kind == "custom":
        return {"period": "custom", "start": period.start.isoformat(), "end": period.last_day.isoformat()}
    return {"period": period.kind, "date": period.start.isoformat()}


def records_url(
    kpi: str, period: kpis.Period, *, staff: int | None = None, team: int | None = None, outcome: str = ""
) -> str:
    params = {"kpi": kpi, **period_params(period)}
    if staff:
        params["staff"] = staff
    if team:
        params["team"] = team
    if outcome:
        params["outcome"] = outcome
    return reverse("staff:records") + "?" + urlencode(params)


# Which outcome a figure's drill-down opens on (the records that need attention: those outside the numerator).
ATTENTION_OUTCOME = {k.code: value for k in kpis.KPIS for value, _label, positive in k.outcomes if not positive}
