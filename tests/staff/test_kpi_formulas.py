"""KPI formulas on plain numbers: no database (no django_db mark)."""

from datetime import date
from decimal import Decimal

import pytest

from staff.kpi import catalogue, formulas
from staff.kpi.formulas import Figures
from staff.kpi.periods import Period


def test_every_kpi_is_declared_once_with_its_components():
    codes = [k.code for k in catalogue.KPIS]
    assert len(codes) == len(set(codes))
    known = set(catalogue.COMPONENTS) | set(catalogue.SERVICE_COMPONENTS)
    for kpi in catalogue.KPIS:
        assert kpi.numerator in known or kpi.formula == catalogue.MEDIAN, kpi.code
        assert not kpi.denominator or kpi.denominator in known, kpi.code
        assert kpi.direction in ("up", "down")
        assert kpi.record_component


def test_ratio_rounds_half_up_and_zero_denominator_is_no_data():
    assert formulas.ratio(7, 8, 100) == Decimal("87.5")
    assert formulas.ratio(2, 3, 100) == Decimal("66.7")
    assert formulas.ratio(1, 8, 100, "0.01") == Decimal("12.50")
    assert formulas.ratio(5, 0, 100) is None


def test_sla_and_resolution_from_components():
    figures = Figures(components={"sla_met": Decimal(7), "sla_total": Decimal(8), "inq_resolved": 3, "inq_assigned": 4})
    assert figures.value("sla") == Decimal("87.5")
    assert figures.count("sla") == 8
    assert figures.value("resolution") == Decimal("75.0")


def test_empty_figures_are_no_data_except_counts():
    values = Figures().values()
    for code in ("sla", "frt", "resolution", "csat", "qa", "cost_per_resolved", "complaint_timeliness"):
        assert values[code] is None, code
    assert values["inquiries_handled"] == 0
    assert values["training_hours"] == Decimal("0.0")


def test_csat_qa_cost_and_training():
    figures = Figures(
        components={
            "csat_sum": 12,
            "csat_count": 3,
            "qa_sum": 170,
            "qa_count": 2,
            "cost_sum": Decimal("0.08"),
            "cost_count": 2,
            "inq_handled": 4,
            "training_hours": Decimal("4"),
        }
    )
    assert figures.value("csat") == Decimal("4.00")
    assert figures.value("qa") == Decimal("85.0")
    assert figures.value("cost_per_resolved") == Decimal("0.0200")
    assert figures.value("training_hours") == Decimal("4.0")


def test_cost_without_priced_messages_is_no_data():
    assert Figures(components={"inq_handled": 4}).value("cost_per_resolved") is None


def test_median_first_response_in_minutes():
    assert Figures(frt_seconds=330.0).value("frt") == Decimal("5.5")
    assert Figures().value("frt") is None


def test_service_wide_figures_only_for_the_whole_service():
    components = {"rem_paid": 19, "rem_due": 24, "cmp_received": 3, "active_loans": 1200}
    assert Figures(components=components, service_wide=True).value("reminder_effectiveness") == Decimal("79.2")
    assert Figures(components=components, service_wide=True).value("complaint_rate") == Decimal("2.50")
    assert Figures(components=components).value("reminder_effectiveness") is None
    assert Figures(components=components).value("complaint_rate") is None


def test_team_figures_are_sums_of_components_not_averages():
    team: dict = {}
    formulas.add_components(team, {"sla_met": 1, "sla_total": 1})
    formulas.add_components(team, {"sla_met": 1, "sla_total": 3})
    assert Figures(components=team).value("sla") == Decimal("50.0")


@pytest.mark.parametrize(
    ("counts", "median"),
    [({60: 1, 120: 1, 600: 1}, 120), ({60: 2, 120: 2}, 90), ({}, None), ({5: 1}, 5)],
)
def test_median_from_histogram(counts, median):
    assert formulas.median_from_histogram(counts) == median


def test_performance_score_drops_missing_kpis():
    weights = {"sla": Decimal(50), "csat": Decimal(25), "qa": Decimal(25)}
    assert formulas.performance_score({"sla": Decimal(80), "csat": Decimal(4), "qa": None}, weights) == Decimal("78.33")
    assert formulas.performance_score({"sla": None, "csat": None, "qa": None}, weights) is None
    assert formulas.normalised_score("csat", Decimal(1)) == 0
    assert formulas.normalised_score("sla", Decimal(120)) == 100


def test_periods():
    assert Period.week(date(2026, 11, 26)).start == date(2026, 11, 23)
    assert Period.month(date(2026, 11, 26)).previous() == Period.month(date(2026, 10, 1))
    assert Period.custom(date(2026, 11, 10), date(2026, 11, 1)).days == 10
    assert Period.spanning([Period.month(date(2026, 11, 1)), Period.month(date(2026, 10, 1))]).days == 61
