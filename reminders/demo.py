"""Demo data: the standard reminder policy for every product, and a month of reminder history for the dashboard.

Runs after loans (products and installments exist). Idempotent: the policy is found by name, and the history
is only written when no reminder from before today exists. At the end the planner runs once, so the worker
(with beat in `make run`) sends today's due reminders to the outbox by itself.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from customers.api import mask_mobile
from loans.models import Installment, Product
from messaging.models import OutboundMessage
from reminders import templating
from reminders.models import (
    ContactDataTask,
    MessageTemplate,
    ProductReminderPolicy,
    Reminder,
    ReminderPolicy,
    ReminderStep,
)
from reminders.planning import reminders_plan

POLICY_NAME = "标准还款提醒 (T−3 短信, T−1 电话, T+1 短信, T+3 电话)"
STEPS = [(-3, "sms"), (-1, "voice"), (1, "sms"), (3, "voice")]
BODIES = {
    ("sms", False, "zh-hans"): "【客户服务】{customer_name}您好，您的借款（合同{loan_number}）本期应还{amount_due}元，"
    "将于{due_date}到期，请按时还款。如已还款请忽略。",
    ("sms", False, "en"): "Dear {customer_name}, CNY {amount_due} on loan {loan_number} is due on {due_date}. "
    "Please ignore this if you have paid.",
    ("voice", False, "zh-hans"): "{customer_name}您好，这里是客户服务中心。您的借款本期应还{amount_due}元，"
    "将于{due_date}到期，请按时还款。",
    ("voice", False, "en"): "Hello {customer_name}, this is customer service. Your installment of {amount_due} yuan "
    "is due on {due_date}. Thank you.",
    ("sms", True, "zh-hans"): "【客户服务】{customer_name}您好，您的借款（合同{loan_number}）{due_date}到期的"
    "{amount_due}元尚未还清，请尽快还款；如有困难请致电客服协商还款方案。",
    ("sms", True, "en"): "Dear {customer_name}, CNY {amount_due} on loan {loan_number} due on {due_date} is still "
    "unpaid. Please pay soon, or call us to agree a repayment plan.",
    ("voice", True, "zh-hans"): "{customer_name}您好，您{due_date}到期的{amount_due}元尚未还清，请尽快还款，"
    "如有困难请联系客服。",
    ("voice", True, "en"): "Hello {customer_name}, your installment of {amount_due} yuan due on {due_date} is "
    "still unpaid. Please pay soon or call us.",
}
HISTORY_DAYS = 30
HISTORY_MAX_INSTALLMENTS = 1500
SMS_PRICE = Decimal("0.04150")  # what Twilio reports for an SMS to a mainland number (USD)
VOICE_PRICE = Decimal("0.09300")


@transaction.atomic
def seed_policy() -> ReminderPolicy:
    """The standard policy with zh-hans and en templates for every step (found, not duplicated)."""
    policy, _ = ReminderPolicy.objects.get_or_create(name=POLICY_NAME)
    for offset, channel in STEPS:
        step, _ = ReminderStep.objects.get_or_create(
            policy=policy,
            offset_days=offset,
            channel=channel,
            defaults={"send_time": time(10, 0) if channel == "sms" else time(14, 0), "overdue_only": offset > 0},
        )
        for language in ("zh-hans", "en"):
            MessageTemplate.objects.get_or_create(
                step=step,
                language=language,
                defaults={
                    "body": BODIES[(channel, offset > 0, language)],
                    "provider_template_code": f"SMS_{'OVERDUE' if offset > 0 else 'DUE'}_{language.upper()[:2]}"
                    if channel == "sms"
                    else "",
                },
            )
    return policy


def _outcome(rng, channel: str) -> tuple[str, str]:
    """(message status, error code) for a historical message."""
    roll = rng.random()
    if channel == "sms":
        if roll < 0.86:
            return "delivered", ""
        if roll < 0.94:
            return "undelivered", "30003"
        if roll < 0.97:
            return "sent", ""
        return "failed", "21211"
    if roll < 0.62:
        return "completed", ""
    if roll < 0.85:
        return "no-answer", ""
    if roll < 0.95:
        return "busy", ""
    return "failed", "21211"


def seed_history(ctx, policy: ReminderPolicy) -> int:
    """A month of sent reminders with outcomes and prices, so the dashboard and outbox have something to show."""
    now = timezone.now()
    today = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    if Reminder.objects.filter(created_at__lt=datetime.combine(today, time(0), tzinfo=tz)).exists():
        return 0
    steps = list(policy.steps.prefetch_related("templates"))
    installments = list(
        Installment.objects.filter(
            is_current=True,
            due_date__gte=today - timedelta(days=HISTORY_DAYS),
            due_date__lt=today + timedelta(days=3),
            loan__product__reminder_policy_link__policy=policy,
        )
        .select_related("loan__customer")
        .order_by("id")[:HISTORY_MAX_INSTALLMENTS]
    )
    plans = []
    for installment in installments:
        customer = installment.loan.customer
        for step in steps:
            step_date = installment.due_date + timedelta(days=step.offset_days)
            if not (today - timedelta(days=HISTORY_DAYS) <= step_date < today):
                continue
            if step.offset_days > 0 and installment.status == "paid" and installment.paid_at:
                if timezone.localdate(installment.paid_at) <= step_date:
                    continue  # paid before the overdue reminder: nothing was sent
            plans.append((installment, customer, step, step_date))
    if not plans:
        return 0
    mobiles = {}
    messages, outcomes = [], []
    for installment, customer, step, step_date in plans:
        if customer.pk not in mobiles:
            mobiles[customer.pk] = customer.mobile
        mobile = mobiles[customer.pk]
        language = customer.preferred_language or "zh-hans"
        template = next((t for t in step.templates.all() if t.language == language), None)
        body = templating.render_body(
            template.body if template else templating.DEFAULT_BODIES[language],
            templating.context_for_installment(installment, step.offset_days),
        )
        status, error = _outcome(ctx.rng, step.channel)
        sent_at = datetime.combine(step_date, step.send_time, tzinfo=tz) + timedelta(seconds=ctx.rng.randint(0, 1800))
        price = None
        if status != "failed":
            price = SMS_PRICE if step.channel == "sms" else VOICE_PRICE * (1 if status == "completed" else 0)
        sid = ("SM" if step.channel == "sms" else "CA") + hashlib.md5(  # noqa: S324 (a demo id, not security)
            f"{installment.pk}-{step.pk}".encode()
        ).hexdigest()
        messages.append(
            OutboundMessage(
                channel=step.channel,
                purpose=OutboundMessage.Purpose.REMINDER,
                customer=customer,
                to_number=mobile,
                to_hash=customer.mobile_hash,
                to_masked=mask_mobile(mobile),
                body=body,
                body_hash=hashlib.sha256(body.encode()).hexdigest(),
                language=language,
                template_code=template.provider_template_code if template else "",
                provider="twilio",
                provider_id=sid if error != "21211" else None,
                status=status,
                error_code=error,
                error_message="The 'To' number is not a valid phone number." if error == "21211" else "",
                price=price,
                price_unit="USD",
                status_changed_at=sent_at + timedelta(minutes=2),
            )
        )
        outcomes.append(sent_at)
    with transaction.atomic():
        created = OutboundMessage.objects.bulk_create(messages, batch_size=500)
        # created_at is auto_now_add: put each message on its historical day (one UPDATE per day).
        by_day: dict = {}
        for message, sent_at in zip(created, outcomes, strict=True):
            by_day.setdefault(sent_at.replace(minute=0, second=0), []).append(message.pk)
        for moment, ids in by_day.items():
            OutboundMessage.objects.filter(pk__in=ids).update(created_at=moment)
        reminders = []
        tasks = []
        status_map = {"no-answer": "no_answer"}
        for (installment, customer, step, _day), message, sent_at in zip(plans, created, outcomes, strict=True):
            reminder_status = status_map.get(message.status, message.status)
            reminders.append(
                Reminder(
                    installment=installment,
                    loan_id=installment.loan_id,
                    customer=customer,
                    step=step,
                    channel=step.channel,
                    status=reminder_status,
                    planned_for=sent_at,
                    outbound_message=message,
                    attempts=1,
                    created_at=sent_at - timedelta(days=1),
                    dispatched_at=sent_at,
                    attempt_started_at=sent_at,
                    sent_at=sent_at if message.provider_id else None,
                    finished_at=sent_at + timedelta(minutes=2),
                    status_changed_at=sent_at + timedelta(minutes=2),
                    last_error=message.error_message,
                )
            )
        # History is only written when no earlier reminder exists, so there is nothing to conflict with.
        Reminder.objects.bulk_create(reminders, batch_size=500)
        for reminder in reminders:
            if reminder.outbound_message.error_code == "21211" and reminder.customer_id not in {
                t.customer_id for t in tasks
            }:
                tasks.append(
                    ContactDataTask(
                        customer_id=reminder.customer_id,
                        reminder=reminder,
                        reason=ContactDataTask.Reason.INVALID_NUMBER,
                        error_code="21211",
                        number_masked=reminder.outbound_message.to_masked,
                    )
                )
        ContactDataTask.objects.bulk_create(tasks, ignore_conflicts=True)
    return len(reminders)


def seed(ctx) -> None:
    """Policy for every product, reminder history, then plan today's reminders (the worker sends them)."""
    policy = seed_policy()
    unlinked = Product.objects.filter(reminder_policy_link__isnull=True).order_by("id")
    linked = len(
        ProductReminderPolicy.objects.bulk_create(
            [ProductReminderPolicy(product=product, policy=policy) for product in unlinked], ignore_conflicts=True
        )
    )
    history = seed_history(ctx, policy)
    planned = reminders_plan()
    ctx.say(f"reminders: policy linked to {linked} products, {history} past reminders, {planned} planned now")
