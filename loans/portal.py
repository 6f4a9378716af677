"""The loans app's parts of the customer 360 page: a loans panel and timeline events (bounded queries)."""

from __future__ import annotations

from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import format_cny
from aftersales.portal import Panel, TimelineEvent
from loans.models import Repayment
from loans.selectors import customer_loans


def customer_panels(request, customer) -> list[Panel]:
    """The customer's loans: status, next due date and amount, DPD (two queries)."""
    loans = customer_loans(customer)
    return [
        Panel(
            title=_("Loans"),
            template="loans/_customer_panel.html",
            context={"loans": loans},
            order=20,
            count=len(loans),
        )
    ]


def customer_timeline(customer) -> list[TimelineEvent]:
    """Disbursements and repayments (two queries, the latest 50 repayments)."""
    events = []
    # customer_id too: the related manager sets each loan's customer, which would load a deferred field per loan.
    loans = list(customer.loans.only("id", "customer_id", "contract_number", "principal", "disbursement_date"))
    for loan in loans:
        at = timezone.make_aware(datetime.combine(loan.disbursement_date, time(9, 0)))
        events.append(
            TimelineEvent(
                at=at,
                kind="loan",
                text=_("Loan %(number)s disbursed: %(amount)s")
                % {"number": loan.contract_number, "amount": format_cny(loan.principal)},
                url=loan.get_absolute_url(),
                level="primary",
            )
        )
    if loans:
        repayments = (
            Repayment.objects.filter(loan__customer=customer).select_related("loan").order_by("-received_at")[:50]
        )
        for repayment in repayments:
            reversed_ = repayment.status == Repayment.Status.REVERSED
            text = _("Repayment %(amount)s on %(number)s") % {
                "amount": format_cny(repayment.amount),
                "number": repayment.loan.contract_number,
            }
            if reversed_:
                text += " " + _("(reversed)")
            events.append(
                TimelineEvent(
                    at=repayment.received_at,
                    kind="repayment",
                    text=text,
                    url=repayment.loan.get_absolute_url(),
                    level="secondary" if reversed_ else "success",
                )
            )
    return events
