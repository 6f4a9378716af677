"""KPIs: each declared once (catalogue), computed by pure formulas from components that the owning apps'
`kpi_sources` modules aggregate per staff member; read by the dashboard, drill-down, roll-ups, exports and scoring.
"""

from staff.kpi.catalogue import (
    COMPONENTS,
    COUNT,
    HOURS,
    KPI_BY_CODE,
    KPIS,
    MINUTES,
    MONEY,
    PER_MILLE,
    PERCENT,
    RATING,
    SCORE,
    SCOREABLE,
    STAFF_LEVEL,
    Kpi,
)
from staff.kpi.formulas import Figures, add_components, normalised_score, performance_score
from staff.kpi.periods import Period
from staff.kpi.report import Report, StaffRow, kpi_report, kpi_totals
from staff.kpi.trend import kpi_trend

__all__ = [
    "COMPONENTS",
    "COUNT",
    "HOURS",
    "KPIS",
    "KPI_BY_CODE",
    "MINUTES",
    "MONEY",
    "PERCENT",
    "PER_MILLE",
    "RATING",
    "SCORE",
    "SCOREABLE",
    "STAFF_LEVEL",
    "Figures",
    "Kpi",
    "Period",
    "Report",
    "StaffRow",
    "add_components",
    "kpi_report",
    "kpi_totals",
    "kpi_trend",
    "normalised_score",
    "performance_score",
]
