"""Builders for reminder tests: customers, loans and installments written directly (read-only models for us)."""

from __future__ import annotations

import itertools
from datetime import date, time
from decimal import Decimal

from customers.crypto import pii_hash
from customers.models import Customer
from customers.validators import resident_id_check_digit
from loans.models import Installment, Loan, Product
from reminders.models import MessageTemplate, ProductReminderPolicy, ReminderPolicy, ReminderStep

_seq = itertools.count(1)

ZH_BODY = "{customer_name}您好，合同{loan_number}本期应还{amount_due}元，到期日{due_date}。"
EN_BODY = "Dear {customer_name}, CNY {amount_due} is due on {due_date} for loan {loan_number}."
NATIONAL_ID = "11010519491231002X"


def valid_national_id(n: int) -> str:
    """A resident ID number with a correct check digit, different for each n (born 1980–2005)."""
    born = date(1980, 1, 1).toordinal() + (n // 1000) % 9000
    first17 = "110105" + date.fromordinal(born).strftime("%Y%m%d") + f"{n % 1000:03d}"
    return first17 + resident_id_check_digit(first17)


def luhn_complete(digits: str) -> str:
    """Append the Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


def make_policy(steps=((-3, "sms"), (-1, "voice"), (1, "sms"), (3, "voice")), send_time=time(10, 0), name=None):
    """A policy with the given (offset, channel) steps and zh-hans + en templates for each."""
    policy = ReminderPolicy.objects.create(name=name or f"policy {next(_seq)}")
    for offset, channel in steps:
        step = ReminderStep.objects.create(policy=policy, offset_days=offset, channel=channel, send_time=send_time)
        MessageTemplate.objects.create(step=step, language="zh-hans", body=ZH_BODY, provider_template_code="SMS_1")
        MessageTemplate.objects.create(step=step, language="en", body=EN_BODY)
    return policy


def make_product(policy=None, code: str | None = None) -> Product:
    n = next(_seq)
    product = Product.objects.create(
        code=code or f"p{n}",
        name=f"Product {n}",
        method="equal_installment",
        min_rate=Decimal("0.10"),
        max_rate=Decimal("0.20"),
    )
    if policy is not None:
        ProductReminderPolicy.objects.create(product=product, policy=policy)
    return product


def make_customer(*, mobile: str | None = None, language: str = "en", **extra) -> Customer:
    n = next(_seq)
    mobile = mobile or f"+86138{n:08d}"
    national_id = valid_national_id(n)
    return Customer.objects.create(
        customer_number=f"C{n:08d}",
        name=extra.pop("name", f"Customer {n}"),
        national_id=national_id,
        national_id_hash=pii_hash(national_id),
        mobile=mobile,
        mobile_hash=pii_hash(mobile),
        bank_card=luhn_complete("622202020011223344"),
        preferred_language=language,
        **extra,
    )


def make_installment(*, customer=None, product=None, due_date: date, amount=Decimal("1234.56"), status="pending"):
    """One loan with one current installment due on `due_date` (principal `amount`)."""
    customer = customer or make_customer()
    product = product or make_product()
    n = next(_seq)
    loan = Loan.objects.create(
        contract_number=f"HT2026{n:08d}",
        customer=customer,
        product=product,
        principal=Decimal("10000.00"),
        annual_rate=Decimal("0.18"),
        term_months=12,
        method="equal_installment",
        disbursement_date=date(2026, 1, 1),
        first_due_date=due_date,
        grace_days=3,
        penalty_markup=Decimal("0.5"),
        late_fee=Decimal("0"),
        early_repayment_fee_rate=Decimal("0"),
    )
    return Installment.objects.create(
        loan=loan, number=1, due_date=due_date, principal_due=amount, interest_due=Decimal("0"), status=status
    )


def bulk_installments(n: int, *, product, due_date: date, start: int = 0) -> list[int]:
    """n customers, each with one loan and one unpaid installment due on `due_date` (bulk inserts); their ids."""
    customers = []
    for i in range(start, start + n):
        mobile = f"+86137{i:08d}"
        national_id = valid_national_id(10_000_000 + i)
        customers.append(
            Customer(
                customer_number=f"B{i:09d}",
                name=f"客户{i}",
                national_id=national_id,
                national_id_hash=pii_hash(national_id),
                mobile=mobile,
                mobile_hash=pii_hash(mobile),
                preferred_language="zh-hans" if i % 3 else "en",
            )
        )
    customers = Customer.objects.bulk_create(customers, batch_size=2000)
    loans = Loan.objects.bulk_create(
        [
            Loan(
                contract_number=f"BL{product.pk:04d}{c.pk:010d}",
                customer=c,
                product=product,
                principal=Decimal("10000.00"),
                annual_rate=Decimal("0.18"),
                term_months=12,
                method="equal_installment",
                disbursement_date=date(2026, 1, 1),
                first_due_date=due_date,
                grace_days=3,
                penalty_markup=Decimal("0.5"),
                late_fee=Decimal("0"),
                early_repayment_fee_rate=Decimal("0"),
            )
            for c in customers
        ],
        batch_size=2000,
    )
    installments = Installment.objects.bulk_create(
        [
            Installment(
                loan=loan,
                number=1,
                due_date=due_date,
                principal_due=Decimal("800.00") + loan.pk % 100,
                interest_due=Decimal("150.00"),
            )
            for loan in loans
        ],
        batch_size=2000,
    )
    return [i.pk for i in installments]
