"""The agent's side panel (the inquiry page, the hotline lookup): what an agent on a call needs about the customer,
read from the other apps' public faces in a fixed number of queries. Reached as `inquiries.selectors.side_panel`.

Complaints sit a layer above inquiries: they provide a customer's open complaints by registering a source
(`inquiries.api.register_side_panel_complaints`, from complaints' AppConfig.ready()).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from aftersales.money import ZERO
from customers.selectors import ConsentState, customer_consent_summary
from inquiries.api import side_panel_complaints_sources
from inquiries.models import Inquiry
from loans.models import Loan
from loans.selectors import loan_balances
from reminders.selectors import reminder_contacts_for_customer

SIDE_PANEL_ROWS = 5  # rows per section; "more" links to the customer 360 page


@dataclass(frozen=True, slots=True)
class Contact:
    """One recent contact with the customer: an inquiry from them or a reminder to them."""

    at: datetime
    kind: str  # inquiry | reminder
    channel: str
    text: str
    status: str
    url: str = ""


@dataclass
class SidePanel:
    """What an agent on a call needs about the customer, read in a fixed number of queries."""

    customer: Any
    loans: list[LoanSummary]
    complaints: list[Any]
    consents: list[ConsentState]
    contacts: list[Contact]
    limit: int = SIDE_PANEL_ROWS

    @property
    def overdue_loans(self) -> int:
        """Loans shown with days past due."""
        return sum(1 for loan in self.loans[: self.limit] if loan.dpd > 0)


def side_panel(*, customer: Any, exclude_inquiry_id: int | None = None, limit: int = SIDE_PANEL_ROWS) -> SidePanel:
    """The side panel of one customer: active loans with balances, open complaints, consent and opt-outs, and the
    latest contacts (six queries whatever the customer's history; `limit` + 1 rows per section to show "more")."""
    complaints: list[Any] = []
    for source in side_panel_complaints_sources():
        complaints.extend(source(customer_id=customer.pk, limit=limit))
    inquiries = (
        Inquiry.objects.filter(customer_id=customer.pk)
        .exclude(pk=exclude_inquiry_id)
        .only("id", "reference", "channel", "subject", "status", "received_at")
        .order_by("-received_at", "-id")[:limit]
    )
    contacts = [
        Contact(
            i.received_at, "inquiry", i.get_channel_display(), i.subject, i.get_status_display(), i.get_absolute_url()
        )
        for i in inquiries
    ]
    for planned_for, channel, status, contract in reminder_contacts_for_customer(customer_id=customer.pk, limit=limit):
        contacts.append(Contact(planned_for, "reminder", str(channel), contract, str(status)))
    contacts.sort(key=lambda c: c.at, reverse=True)
    return SidePanel(
        customer=customer,
        loans=customer_active_loans(customer_id=customer.pk, limit=limit),
        complaints=complaints,
        consents=customer_consent_summary(customer_id=customer.pk),
        contacts=contacts[:limit],
        limit=limit,
    )


@dataclass(frozen=True, slots=True)
class LoanSummary:
    """One active loan as the side panel shows it: balance, next due date and days past due."""

    pk: int
    contract_number: str
    status: str
    dpd: int
    next_due_date: date | None
    balance: Decimal
    overdue: Decimal


def customer_active_loans(*, customer_id: int, limit: int) -> list[LoanSummary]:
    """The customer's loans still being repaid, most overdue first, with balances (two queries; `limit` + 1 rows)."""
    loans = list(
        Loan.objects.filter(customer_id=customer_id, status__in=Loan.Status.open_statuses())
        .order_by("-dpd", "next_due_date", "-id")
        .values_list("pk", "contract_number", "status", "dpd", "next_due_date")[: limit + 1]
    )
    balances = loan_balances([row[0] for row in loans])
    return [
        LoanSummary(
            *row,
            balance=balances.get(row[0], {}).get("balance", ZERO),
            overdue=balances.get(row[0], {}).get("overdue", ZERO),
        )
        for row in loans
    ]
