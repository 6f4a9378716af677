"""Contracts: the preview (schedule + comprehensive cost on actual dates), signing, and fee lines bound to clauses."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit import audit_log
from aftersales.money import ZERO, money
from customers.models import Customer
from loans.apr import CashFlow, comprehensive_cost, schedule_cash_flows
from loans.models import ContractClause, FeeCharge, Installment, Loan, Product
from loans.schedule import ScheduleLine, generate_schedule, schedule_totals
from loans.services.common import ContractRefused, FeeNotInContract

# Clause numbers in the contract's fee section.
CLAUSE_REFERENCES = {
    ContractClause.Kind.UPFRONT_FEE: "5.1",
    ContractClause.Kind.LATE_FEE: "5.2",
    ContractClause.Kind.EARLY_REPAYMENT_FEE: "5.3",
    ContractClause.Kind.PENALTY_INTEREST: "5.4",
}


def apr_cap() -> Decimal:
    """The comprehensive annual cost cap (setting LOAN_APR_CAP, default 24%)."""
    return Decimal(settings.LOAN_APR_CAP)


def percent(value: Decimal) -> str:
    """0.2431 → '24.31%'."""
    return f"{Decimal(value) * 100:.2f}%"


def cost_cap_message(*, cost: Decimal, cap: Decimal) -> str:
    """Why a contract, a fee or a restructuring above the cap is refused, with both figures."""
    return _(
        "Refused: the comprehensive annual cost of this contract would be %(apr)s, above the cap of %(cap)s. "
        "Lower the rate or the fees, lengthen the term, or give the first period a full month."
    ) % {"apr": percent(cost), "cap": percent(cap)}


def loan_cash_flows(*, rows: list[Installment]) -> list[CashFlow]:
    """Every current scheduled payment (principal + interest + fees, not penalty) on its due date."""
    return [
        CashFlow(row.due_date, row.principal_due + row.interest_due + row.fees_due)
        for row in rows
        if row.is_current and row.principal_due + row.interest_due + row.fees_due > ZERO
    ]


def loan_cost(*, loan: Loan, rows: list[Installment], extra: list[CashFlow] = ()) -> Decimal:
    """The contract's comprehensive cost: net amount received on disbursement vs. its current schedule."""
    return comprehensive_cost(
        received=loan.principal - loan.upfront_fee,
        received_on=loan.disbursement_date,
        payments=[*loan_cash_flows(rows=rows), *extra],
    )


@dataclass
class ContractPreview:
    lines: list[ScheduleLine]
    upfront_fee: Decimal
    amount_received: Decimal
    apr: Decimal
    cap: Decimal
    totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def exceeds_cap(self) -> bool:
        return self.apr > self.cap


def contract_preview(
    *,
    product: Product,
    principal: Decimal,
    annual_rate: Decimal,
    term_months: int,
    disbursement_date: date,
    first_due_date: date,
) -> ContractPreview:
    """The schedule and the comprehensive cost (on the actual dates) a contract on these terms would have."""
    lines = generate_schedule(
        principal=principal,
        annual_rate=annual_rate,
        term_months=term_months,
        method=product.method,
        first_due_date=first_due_date,
    )
    upfront_fee = money(principal * product.upfront_fee_rate)
    received = principal - upfront_fee
    apr = comprehensive_cost(received=received, received_on=disbursement_date, payments=schedule_cash_flows(lines))
    return ContractPreview(lines, upfront_fee, received, apr, apr_cap(), schedule_totals(lines))


def contract_terms_check(
    *, product: Product, principal: Decimal, annual_rate: Decimal, term_months: int, extra_fees: list[str] = ()
) -> None:
    """Refuse terms outside the product's ranges and any fee the product's contract does not name."""
    errors = []
    if not product.min_rate <= annual_rate <= product.max_rate:
        errors.append(
            _("The annual rate must be between %(low)s and %(high)s for this product.")
            % {"low": percent(product.min_rate), "high": percent(product.max_rate)}
        )
    if not product.min_term <= term_months <= product.max_term:
        errors.append(
            _("The term must be between %(low)s and %(high)s months for this product.")
            % {"low": product.min_term, "high": product.max_term}
        )
    if not product.min_principal <= principal <= product.max_principal:
        errors.append(
            _("The principal must be between %(low)s and %(high)s for this product.")
            % {"low": product.min_principal, "high": product.max_principal}
        )
    for name in extra_fees:
        errors.append(
            _(
                "The fee “%(name)s” is not a term of this product's contract and cannot be charged. "
                "Only the contract's own fee clauses (upfront fee, late fee, early-repayment fee, penalty interest) apply."
            )
            % {"name": name}
        )
    if errors:
        raise ContractRefused(errors)


def _clauses_for(loan: Loan, product: Product) -> list[ContractClause]:
    clauses = []

    def add(kind, **values):
        clauses.append(ContractClause(loan=loan, kind=kind, reference=CLAUSE_REFERENCES[kind], **values))

    if loan.upfront_fee > 0:
        add(ContractClause.Kind.UPFRONT_FEE, amount=loan.upfront_fee, rate=product.upfront_fee_rate)
    if loan.late_fee > 0:
        add(ContractClause.Kind.LATE_FEE, amount=loan.late_fee)
    if loan.early_repayment_fee_rate > 0:
        add(
            ContractClause.Kind.EARLY_REPAYMENT_FEE,
            rate=loan.early_repayment_fee_rate,
            waived_after_months=loan.early_repayment_fee_waived_after_months,
        )
    add(ContractClause.Kind.PENALTY_INTEREST, rate=loan.penalty_markup)
    return clauses


def schedule_term_months(*, first_due_date: date, last_due_date: date) -> int:
    """The term in months a schedule spans: from the first due date's month to the last one's, both counted.

    Derived from dates, not from installment numbers: a settlement row added by a partial prepayment is not a
    month of the term (a 36-month loan stays 36 months, never "37").
    """
    months = (last_due_date.year - first_due_date.year) * 12 + last_due_date.month - first_due_date.month + 1
    return max(months, 1)


def new_contract_number(on: date) -> str:
    """LN + yyyymmdd + 6 random hex digits (unique constraint backs it)."""
    return f"LN{on:%Y%m%d}{secrets.token_hex(3).upper()}"


def _terms_of(product: Product) -> dict:
    """The product's fee and overdue terms, copied onto a contract when it is signed (later product edits never reach it)."""
    return {
        "method": product.method,
        "grace_days": product.grace_days,
        "day_count": product.day_count,
        "penalty_markup": product.penalty_markup,
        "late_fee": product.late_fee,
        "early_repayment_fee_rate": product.early_repayment_fee_rate,
        "early_repayment_fee_waived_after_months": product.early_repayment_fee_waived_after_months,
    }


def _schedule_and_fees_write(*, loan: Loan, product: Product, preview: ContractPreview) -> None:
    """A new contract's clauses, installments and the upfront fee deducted at disbursement."""
    clauses = ContractClause.objects.bulk_create(_clauses_for(loan, product))
    Installment.objects.bulk_create(
        Installment(
            loan=loan,
            number=line.number,
            due_date=line.due_date,
            principal_due=line.principal,
            interest_due=line.interest,
        )
        for line in preview.lines
    )
    upfront = next((c for c in clauses if c.kind == ContractClause.Kind.UPFRONT_FEE), None)
    if upfront is not None:
        FeeCharge.objects.create(
            loan=loan,
            clause=upfront,
            amount=loan.upfront_fee,
            charged_on=loan.disbursement_date,
            note=_("Deducted at disbursement"),
        )


@transaction.atomic
def loan_create(
    *,
    customer: Customer,
    product: Product,
    principal: Decimal,
    annual_rate: Decimal,
    term_months: int,
    disbursement_date: date,
    first_due_date: date,
    purpose: str = "",
    created_by: AbstractBaseUser | None = None,
    extra_fees: list[str] = (),
    contract_number: str = "",
    request: HttpRequest | None = None,
) -> Loan:
    """Sign a contract: copy the product's fee terms onto it, write the schedule, refuse it above the APR cap."""
    principal = money(principal)
    contract_terms_check(
        product=product, principal=principal, annual_rate=annual_rate, term_months=term_months, extra_fees=extra_fees
    )
    if first_due_date <= disbursement_date:
        raise ContractRefused(_("The first due date must be after the disbursement date."))
    preview = contract_preview(
        product=product,
        principal=principal,
        annual_rate=annual_rate,
        term_months=term_months,
        disbursement_date=disbursement_date,
        first_due_date=first_due_date,
    )
    if preview.exceeds_cap:
        # Keyed by the contract field, so the form shows it next to the rate.
        raise ContractRefused({"annual_rate": [cost_cap_message(cost=preview.apr, cap=preview.cap)]})
    loan = Loan(
        contract_number=contract_number or new_contract_number(disbursement_date),
        customer=customer,
        product=product,
        principal=principal,
        annual_rate=annual_rate,
        term_months=term_months,
        disbursement_date=disbursement_date,
        first_due_date=first_due_date,
        purpose=purpose,
        upfront_fee=preview.upfront_fee,
        comprehensive_apr=preview.apr,
        next_due_date=first_due_date,
        created_by=created_by,
        **_terms_of(product),
    )
    loan.full_clean()
    loan.save()
    _schedule_and_fees_write(loan=loan, product=product, preview=preview)
    audit_log(
        actor=created_by,
        action="loan_create",
        obj=loan,
        changes={
            "principal": str(principal),
            "annual_rate": str(annual_rate),
            "term_months": term_months,
            "comprehensive_apr": str(preview.apr),
        },
        request=request,
    )
    return loan


def clause_for(*, loan: Loan, kind: str) -> ContractClause:
    """The loan's contract clause of this kind; a fee the contract does not name raises FeeNotInContract."""
    clause = ContractClause.objects.filter(loan=loan, kind=kind).first()
    if clause is None:
        label = dict(ContractClause.Kind.choices).get(kind, kind)
        raise FeeNotInContract(
            _("Contract %(number)s has no clause for “%(fee)s”: this fee cannot be charged.")
            % {"number": loan.contract_number, "fee": label}
        )
    return clause


@transaction.atomic
def fee_charge(
    *,
    loan: Loan,
    kind: str,
    amount: Decimal,
    installment: Installment | None = None,
    charged_on: date | None = None,
    note: str = "",
) -> FeeCharge:
    """Charge a fee under the contract clause that allows it (on an installment's fees when given).

    The contract's comprehensive cost is computed again with the fee on its date (the installment's due date, or
    the day it is charged); a fee that would take it above the cap is refused, otherwise the new cost is stored.
    """
    clause = clause_for(loan=loan, kind=kind)
    amount = money(amount)
    if amount <= ZERO:
        raise FeeNotInContract(_("A fee must be a positive amount."))
    charged_on = charged_on or timezone.localdate()
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    rows = list(loan.installments.filter(is_current=True))
    cost = loan_cost(
        loan=loan,
        rows=rows,
        extra=[CashFlow(max(installment.due_date if installment else charged_on, loan.disbursement_date), amount)],
    )
    cap = apr_cap()
    if cost > cap:
        raise FeeNotInContract({"amount": [cost_cap_message(cost=cost, cap=cap)]})
    charge = FeeCharge(
        loan=loan,
        installment=installment,
        clause=clause,
        amount=amount,
        charged_on=charged_on,
        note=note,
    )
    charge.full_clean()
    charge.save()
    if installment is not None:
        installment.fees_due += amount
        installment.save(update_fields=["fees_due"])
    loan.comprehensive_apr = cost
    loan.save(update_fields=["comprehensive_apr"])
    return charge
