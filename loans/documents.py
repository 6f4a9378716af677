"""The loans app's documents: the settlement certificate (结清证明) and the restructuring agreement.

Each is written in the customer's language, numbered, rendered and audited by `aftersales.documents`; the e-mail
variants send the same PDF to the customer's address on file. The figures come from the ledger (allocations) and the
restructuring preview, the same sources the loan page and the plan page show.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Sum
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftersales.documents import (
    DocumentError,
    DocumentSpec,
    Facts,
    Heading,
    IssuedDocument,
    Signatures,
    Table,
    Text,
    company_name,
    date_text,
    document_email,
    document_issue,
    money_text,
)
from aftersales.money import ZERO
from customers.api import mask_email
from customers.models import Customer
from loans import services
from loans.models import Allocation, Loan, Repayment, RestructurePlan
from loans.services.contracts import percent
from loans.services.restructuring import PlanLine

SETTLEMENT_PREFIX = "JQ"  # 结清
AGREEMENT_PREFIX = "CZ"  # 重组
TOTAL_KEYS = ("principal", "interest", "fees", "penalty", "total")


def customer_language(customer: Customer) -> str:
    """The language of a document addressed to the customer."""
    return customer.preferred_language or Customer.Language.ZH_HANS


@dataclass(frozen=True)
class SettlementFigures:
    """What the customer paid over the life of the loan, by component, from the ledger."""

    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalty: Decimal
    credit: Decimal
    repayments: int
    last_received_on: object

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalty


def settlement_figures(*, loan: Loan) -> SettlementFigures:
    """Amounts paid per component (reversals net out) and the repayments behind them, in two queries."""
    sums = dict(
        Allocation.objects.filter(loan=loan)
        .order_by()
        .values_list("income_type")
        .annotate(total=Sum("amount"))
        .values_list("income_type", "total")
    )
    posted = Repayment.objects.filter(loan=loan, status=Repayment.Status.POSTED).aggregate(
        count=Count("id"), last=Max("received_at")
    )
    kinds = Allocation.IncomeType
    return SettlementFigures(
        principal=sums.get(kinds.PRINCIPAL, ZERO) or ZERO,
        interest=sums.get(kinds.INTEREST, ZERO) or ZERO,
        fees=sums.get(kinds.FEE, ZERO) or ZERO,
        penalty=sums.get(kinds.PENALTY, ZERO) or ZERO,
        credit=sums.get(kinds.CREDIT, ZERO) or ZERO,
        repayments=posted["count"],
        last_received_on=timezone.localdate(posted["last"]) if posted["last"] else None,
    )


def settlement_refusal(loan: Loan) -> str:
    """Why a loan has no settlement certificate ('' when it may have one)."""
    if loan.status == Loan.Status.CLOSED:
        return ""
    if loan.status == Loan.Status.WRITTEN_OFF:
        return _("Loan %(contract)s was written off, not settled: there is no settlement certificate for it.") % {
            "contract": loan.contract_number
        }
    return _(
        "Loan %(contract)s is still open (%(status)s): a settlement certificate is issued only once everything "
        "is repaid."
    ) % {"contract": loan.contract_number, "status": loan.get_status_display()}


def _settlement_spec(loan: Loan) -> DocumentSpec:
    figures = settlement_figures(loan=loan)
    customer = loan.customer
    # The day the last money was received (a repayment may be posted days after it arrived), else the day it closed.
    settled_on = figures.last_received_on or (timezone.localdate(loan.closed_at) if loan.closed_at else None)
    facts = [
        (_("Borrower"), customer.name),
        (_("Customer number"), customer.customer_number),
        (_("Contract number"), loan.contract_number),
        (_("Product"), loan.product.name),
        (_("Principal"), money_text(loan.principal)),
        (_("Disbursement date"), date_text(loan.disbursement_date)),
        (_("Term"), ngettext("%(months)s month", "%(months)s months", loan.term_months) % {"months": loan.term_months}),
        (_("Settlement date"), date_text(settled_on)),
    ]
    paid = [
        [_("Principal repaid"), money_text(figures.principal)],
        [_("Interest paid"), money_text(figures.interest)],
        [_("Fees paid"), money_text(figures.fees)],
        [_("Penalty interest paid"), money_text(figures.penalty)],
    ]
    blocks = [
        Text(
            _(
                "This is to certify that the borrower named below has repaid in full the loan under contract "
                "%(contract)s. As of %(date)s no principal, interest, fee or penalty remains owed under this "
                "contract, and the contract is settled."
            )
            % {"contract": loan.contract_number, "date": date_text(settled_on)}
        ),
        Heading(_("The loan")),
        Facts(facts),
        Heading(_("Amounts paid")),
        Table(
            header=[_("Item"), _("Amount")],
            rows=paid,
            totals=[_("Total paid"), money_text(figures.total)],
            numeric=frozenset({1}),
            widths=(2, 1),
        ),
    ]
    if figures.credit > ZERO:
        blocks.append(
            Text(
                _("Overpayments of %(amount)s are held as customer credit and will be refunded on request.")
                % {"amount": money_text(figures.credit)}
            )
        )
    blocks.append(Signatures([company_name()]))
    return DocumentSpec(
        kind="settlement_certificate",
        prefix=SETTLEMENT_PREFIX,
        title=_("Settlement certificate"),
        stem=f"settlement-{loan.contract_number}",
        language=translation.get_language(),
        blocks=blocks,
    )


def settlement_certificate_issue(*, loan: Loan, actor, request: HttpRequest | None = None) -> IssuedDocument:
    """The settlement certificate of a closed loan, in the customer's language; refused for any other loan."""
    refusal = settlement_refusal(loan)
    if refusal:
        raise DocumentError(refusal)
    with translation.override(customer_language(loan.customer)):
        spec = _settlement_spec(loan)
    return document_issue(spec=spec, obj=loan, actor=actor, request=request)


def _lines_table(lines: list[PlanLine], totals: dict[str, Decimal]) -> Table:
    return Table(
        header=[_("No."), _("Due date"), _("Principal"), _("Interest"), _("Fees"), _("Penalty"), _("Total")],
        rows=[
            [
                str(line.number),
                date_text(line.due_date),
                money_text(line.principal),
                money_text(line.interest),
                money_text(line.fees),
                money_text(line.penalty),
                money_text(line.total),
            ]
            for line in lines
        ],
        totals=[_("Total"), ""] + [money_text(totals.get(k, ZERO)) for k in TOTAL_KEYS],
        numeric=frozenset({2, 3, 4, 5, 6}),
        widths=(0.6, 1.6, 1.4, 1.2, 1, 1, 1.4),
    )


def agreement_refusal(plan: RestructurePlan) -> str:
    """Why a plan has no agreement to sign ('' when it has one): only an approved plan goes to the customer."""
    if plan.status == RestructurePlan.Status.APPROVED:
        return ""
    return _(
        "This plan is “%(status)s”: the restructuring agreement is issued once a manager has approved the plan "
        "and before the customer accepts it."
    ) % {"status": plan.get_status_display()}


def _agreement_spec(plan: RestructurePlan) -> DocumentSpec:
    loan = plan.loan
    preview = services.plan_preview(plan)
    options = [
        (_("Borrower"), loan.customer.name),
        (_("Customer number"), loan.customer.customer_number),
        (_("Contract number"), loan.contract_number),
        (_("Outstanding principal"), money_text(preview.principal)),
        (
            _("Term extension"),
            ngettext("%(months)s month", "%(months)s months", plan.extension_months)
            % {"months": plan.extension_months},
        ),
        (
            _("Payment holiday"),
            ngettext("%(count)s installment", "%(count)s installments", plan.holiday_installments)
            % {"count": plan.holiday_installments},
        ),
        (_("Annual rate"), percent(preview.rate)),
        (_("Penalty interest waived"), money_text(preview.penalty_waived)),
    ]
    if preview.new_apr is not None:
        options.append((_("New comprehensive annual cost"), percent(preview.new_apr)))
    blocks = [
        Text(
            _(
                "%(company)s (the lender) and %(name)s (the borrower) agree to change the repayment of loan "
                "contract %(contract)s as set out below, because of the borrower's financial difficulty. The new "
                "schedule replaces the remaining installments of the current schedule from the day the borrower "
                "accepts this agreement; every other term of the contract stays in force."
            )
            % {"company": company_name(), "name": loan.customer.name, "contract": loan.contract_number}
        ),
        Heading(_("What changes")),
        Facts(options),
        Heading(_("Current schedule (remaining installments)")),
        _lines_table(preview.current, preview.current_totals),
        Heading(_("New schedule")),
        _lines_table(preview.proposed, preview.proposed_totals),
        Signatures(
            [
                _("Lender: %(company)s") % {"company": company_name()},
                _("Borrower: %(name)s") % {"name": loan.customer.name},
            ]
        ),
    ]
    return DocumentSpec(
        kind="restructuring_agreement",
        prefix=AGREEMENT_PREFIX,
        title=_("Restructuring agreement"),
        stem=f"restructuring-{loan.contract_number}",
        language=translation.get_language(),
        blocks=blocks,
    )


def restructuring_agreement_issue(
    *, plan: RestructurePlan, actor, request: HttpRequest | None = None
) -> IssuedDocument:
    """The agreement of an approved plan with both schedules, in the customer's language."""
    refusal = agreement_refusal(plan)
    if refusal:
        raise DocumentError(refusal)
    with translation.override(customer_language(plan.loan.customer)):
        spec = _agreement_spec(plan)
    return document_issue(spec=spec, obj=plan, actor=actor, request=request)


def _email_check(customer: Customer) -> None:
    """Refuse before a number is spent when the customer has no e-mail address on file."""
    if not customer.email:
        raise DocumentError(
            _("Customer %(number)s has no e-mail address on file: the document was not sent.")
            % {"number": customer.customer_number}
        )


def _send(document: IssuedDocument, customer: Customer, obj, actor, request) -> str:
    masked = mask_email(customer.email)
    document_email(
        document=document,
        to=customer.email,
        to_masked=masked,
        recipient_name=customer.name,
        obj=obj,
        actor=actor,
        request=request,
    )
    return masked


def settlement_certificate_email(*, loan: Loan, actor, request: HttpRequest | None = None) -> str:
    """Issue the settlement certificate and e-mail it to the customer; the masked address."""
    _email_check(loan.customer)
    document = settlement_certificate_issue(loan=loan, actor=actor, request=request)
    return _send(document, loan.customer, loan, actor, request)


def restructuring_agreement_email(*, plan: RestructurePlan, actor, request: HttpRequest | None = None) -> str:
    """Issue the restructuring agreement and e-mail it to the customer; the masked address."""
    _email_check(plan.loan.customer)
    document = restructuring_agreement_issue(plan=plan, actor=actor, request=request)
    return _send(document, plan.loan.customer, plan, actor, request)
