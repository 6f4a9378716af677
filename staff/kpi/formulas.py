"""KPI formulas: pure functions on plain numbers (no database), so every figure can be unit-tested by hand.

`Figures` holds the components of one staff member, team or the whole service; its `value(code)` applies the
catalogue's formula. Team and service figures are sums of the same components, never averages of ratios.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from staff.kpi.catalogue import KPI_BY_CODE, KPIS, MEDIAN, RATING, RATIO, TOTAL, Kpi

Number = Decimal | int | float


def quantize(value: Number, quantum: str = "0.1") -> Decimal:
    """Round half-up to the quantum ("0.1", "0.01", "1", ...)."""
    return Decimal(value).quantize(Decimal(quantum), rounding=ROUND_HALF_UP)


def ratio(numerator: Number, denominator: Number, scale: int = 1, quantum: str = "0.1") -> Decimal | None:
    """numerator × scale / denominator, rounded; None ("no data") when the denominator is zero."""
    if not denominator:
        return None
    return quantize(Decimal(numerator) * scale / Decimal(denominator), quantum)


def median_from_histogram(counts: Mapping[int, int]) -> float | None:
    """The median of a {value: count} histogram (the mean of the two middle values for an even total)."""
    total = sum(counts.values())
    if not total:
        return None
    low_rank, high_rank = (total + 1) // 2, (total + 2) // 2
    low = high = None
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if low is None and seen >= low_rank:
            low = value
        if seen >= high_rank:
            high = value
            break
    return (low + high) / 2


def kpi_value(
    kpi: Kpi, components: Mapping[str, Number], *, frt_seconds: float | None = None, service_wide: bool = False
) -> Decimal | None:
    """The value of one KPI from its components (None: no data)."""
    if not kpi.staff_level and not service_wide:
        return None

    def get(name: str) -> Decimal:
        return Decimal(components.get(name) or 0)

    if kpi.requires and not get(kpi.requires):
        return None
    if kpi.formula == MEDIAN:
        return None if frt_seconds is None else quantize(Decimal(frt_seconds) / 60, kpi.quantum)
    if kpi.formula == TOTAL:
        return quantize(get(kpi.numerator), kpi.quantum)
    if kpi.formula == RATIO:
        return ratio(get(kpi.numerator), get(kpi.denominator), kpi.scale, kpi.quantum)
    raise ValueError(kpi.formula)


def add_components(target: dict[str, Decimal], source: Mapping[str, Number]) -> None:
    """Add the components of `source` into `target` (in place)."""
    for key, value in source.items():
        if value:
            target[key] = target.get(key, Decimal(0)) + Decimal(value)


@dataclass
class Figures:
    """The KPI figures of one staff member, team or the whole service."""

    components: dict[str, Decimal] = field(default_factory=dict)
    frt_seconds: float | None = None
    service_wide: bool = False  # the whole service: the service-wide KPIs have a value

    def get(self, name: str) -> Decimal:
        """One component (0 when absent)."""
        return Decimal(self.components.get(name) or 0)

    def value(self, code: str) -> Decimal | None:
        """The KPI value, or None ("no data") when its denominator is zero."""
        return kpi_value(
            KPI_BY_CODE[code], self.components, frt_seconds=self.frt_seconds, service_wide=self.service_wide
        )

    def count(self, code: str) -> int:
        """How many records the figure rests on (shown beside averages)."""
        name = KPI_BY_CODE[code].count
        return int(self.get(name)) if name else 0

    def values(self) -> dict[str, Decimal | None]:
        """Every KPI's value."""
        return {k.code: self.value(k.code) for k in KPIS}


def normalised_score(code: str, value: Number | None) -> Decimal | None:
    """A KPI value on a 0–100 scale for the performance score (None: no data)."""
    if value is None:
        return None
    if KPI_BY_CODE[code].unit == RATING:
        return (Decimal(value) - 1) * 25  # 1 → 0, 5 → 100
    return min(max(Decimal(value), Decimal(0)), Decimal(100))


def performance_score(values: Mapping[str, Number | None], weights: Mapping[str, Number]) -> Decimal | None:
    """Weighted score 0–100. KPIs without data drop out and the remaining weights are scaled back to 100%."""
    used = Decimal(0)
    total = Decimal(0)
    for code, weight in weights.items():
        if not weight:
            continue
        score = normalised_score(code, values.get(code))
        if score is None:
            continue
        used += Decimal(weight)
        total += Decimal(weight) * score
    if not used:
        return None
    return quantize(total / used, "0.01")
