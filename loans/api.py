"""What apps above loans plug into the loans app (they register from their AppConfig.ready(); loans imports none of them).

- Loan-page panels: `register_loan_panel(fn)`; `fn(request, loan) -> list[aftersales.portal.Panel]` adds sections to the
  loan page (reminders shows the loan's reminders). Each must run a bounded number of queries.
- Review-queue risk signals: `register_review_signal_source(column, queryset_factory)`; see its docstring.
- Product admin inlines: `register_product_admin_inline(inline_class)` (reminders adds the product's reminder policy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # this module is imported from AppConfig modules, before the models are loaded
    from django.db.models import QuerySet
    from django.http import HttpRequest

    from aftersales.portal import Panel
    from loans.models import Loan

LoanPanelsFn = Callable[["HttpRequest", object], list["Panel"]]

loan_panels: list[LoanPanelsFn] = []


def register_loan_panel(fn: LoanPanelsFn) -> LoanPanelsFn:
    """Add a provider of loan-page panels (`fn(request, loan) -> list[Panel]`); registering twice adds it once."""
    if fn not in loan_panels:
        loan_panels.append(fn)
    return fn


def loan_panels_for(request: HttpRequest, loan: Loan) -> list[Panel]:
    """Every registered panel for the loan page, in `order`."""
    panels = [panel for fn in loan_panels for panel in fn(request, loan)]
    return sorted(panels, key=lambda panel: panel.order)


@dataclass(frozen=True)
class ReviewSignalSource:
    """Rows whose latest date per customer is copied onto the customer's open loans (`Loan.<column>`)."""

    column: str
    queryset_factory: Callable[[], QuerySet]


review_signal_sources: list[ReviewSignalSource] = []


def register_review_signal_source(column: str, queryset_factory: Callable[[], QuerySet]) -> None:
    """Feed a review-queue risk signal: `Loan.<column>` (a date field, e.g. "complained_on") becomes the date of the
    customer's latest row of `queryset_factory()`.

    The factory returns a fresh queryset of the source rows, already filtered to those that count (e.g. hardship
    inquiries); the model must have `customer_id` and `received_at` (a datetime). `review_signals_refresh` reads it
    set-based (one UPDATE … SET column = (SELECT MAX(received_at::date) …) per source). Registering the same column
    again replaces the earlier source.
    """
    review_signal_sources[:] = [source for source in review_signal_sources if source.column != column]
    review_signal_sources.append(ReviewSignalSource(column=column, queryset_factory=queryset_factory))


product_admin_inlines: list[type] = []


def register_product_admin_inline(inline: type) -> type:
    """Show an admin inline (an `InlineModelAdmin` subclass of a model with a relation to Product) on the product page."""
    if inline not in product_admin_inlines:
        product_admin_inlines.append(inline)
    return inline
