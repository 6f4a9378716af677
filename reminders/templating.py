"""Reminder texts: `{placeholder}` templates checked against an allow-list and rendered from safe values only.

The render context is built here from the installment and contains exactly the allowed names, each a value
meant for the customer's eyes (the masked contract number, never an ID or account number).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from reminders.models import TEMPLATE_PLACEHOLDERS

PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
# Long runs of digits could only come from a typed-in number (an ID or a card): refuse them in template text.
DIGIT_RUN_RE = re.compile(r"\d{8,}")


def validate_template_body(body: str) -> None:
    """Raise ValidationError unless every `{…}` is an allowed placeholder and braces are balanced."""
    unknown = sorted({name for name in PLACEHOLDER_RE.findall(body) if name not in TEMPLATE_PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholder(s): %(names)s. Allowed: %(allowed)s.")
            % {"names": ", ".join(unknown), "allowed": ", ".join(sorted(TEMPLATE_PLACEHOLDERS))},
            code="placeholder",
        )
    stripped = PLACEHOLDER_RE.sub("", body)
    if "{" in stripped or "}" in stripped:
        raise ValidationError(_("Braces must enclose a placeholder, e.g. {customer_name}."), code="braces")
    if DIGIT_RUN_RE.search(body):
        raise ValidationError(
            _("The text must not contain long numbers (ID or account numbers are never sent)."), code="digits"
        )


def render_body(body: str, context: dict[str, str]) -> str:
    """Replace each allowed placeholder with its value; unknown ones are left out (never looked up)."""
    return PLACEHOLDER_RE.sub(
        lambda m: context.get(m.group(1), "") if m.group(1) in TEMPLATE_PLACEHOLDERS else "", body
    )


def format_amount(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def reminder_context(
    *, customer_name: str, amount_due: Decimal, due_date: date, loan_number_masked: str, offset_days: int = 0
) -> dict[str, str]:
    """The only values a template can show, already formatted as text."""
    return {
        "customer_name": customer_name,
        "amount_due": format_amount(amount_due),
        "due_date": due_date.isoformat(),
        "loan_number": loan_number_masked,
        "days": str(abs(offset_days)),
    }


def context_for_installment(installment, offset_days: int = 0) -> dict[str, str]:
    """Safe context for a loans.Installment (with its loan and customer loaded)."""
    loan = installment.loan
    return reminder_context(
        customer_name=loan.customer.name,
        amount_due=installment.outstanding,
        due_date=installment.due_date,
        loan_number_masked=loan.contract_number_masked,
        offset_days=offset_days,
    )


# Texts used when a step has no template in the customer's language (and for reminders sent by hand).
DEFAULT_BODIES = {
    "zh-hans": "【客户服务】{customer_name}您好，您的借款（合同{loan_number}）本期应还{amount_due}元，"
    "到期日{due_date}。如已还款请忽略。",
    "en": "Dear {customer_name}, your loan {loan_number} has an installment of CNY {amount_due} due on "
    "{due_date}. Please ignore this if you have paid.",
}


def say_language(language: str) -> str:
    """The TwiML <Say> language for a customer language."""
    return "en-US" if language == "en" else "zh-CN"
