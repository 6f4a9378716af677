"""Demo inquiries: about three per customer over the last 60 days, across channels, ~8 % breached.

Some open ones were received in the last minutes so the live queue shows green, amber and red countdowns.
Idempotent: when the inquiries are already there, nothing is added.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone, translation

from customers.api import decrypt, mask_mobile, pii_hash
from customers.fields import Ciphertext
from customers.models import Customer
from inquiries.models import CannedReply, Category, Inquiry, InquiryMessage, ResolutionCategory
from inquiries.services.calls import call_summary
from inquiries.sla import first_response_due
from org.models import Department

PER_CUSTOMER = 3
DAYS = 60
BATCH = 5000  # inquiries per bulk insert: bounded memory at 300,000
BREACH_SHARE = 0.08
AGENTS = ["agent", "agent2", "agent3", "agent4", "agent5"]
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
MASK_CACHE: dict = {}
DEPARTMENTS: list = []
ON_DUTY: list = []

CHANNELS = [
    (Inquiry.Channel.HOTLINE, 40),
    (Inquiry.Channel.SMS, 25),
    (Inquiry.Channel.EMAIL, 20),
    (Inquiry.Channel.ONLINE, 15),
]
TOPICS = {
    Category.REPAYMENT: (30, ["这期还款日是哪天？", "我已经还款了，为什么显示未还？", "可以修改每月还款日吗？"]),
    Category.FEES: (15, ["为什么多扣了一笔服务费？", "逾期罚息是怎么计算的？", "请说明一下利息的计算方式"]),
    Category.EARLY_SETTLEMENT: (10, ["提前还清需要多少钱？", "提前还款有没有手续费？"]),
    Category.HARDSHIP: (
        8,
        ["最近失业了，这个月还不上，怎么办？", "家里有人住院，能否延期还款？", "收入减少，想申请分期还款计划"],
    ),
    Category.ACCOUNT: (10, ["我换了手机号码，怎么修改？", "银行卡换了，如何更改扣款卡？"]),
    Category.COLLECTION: (8, ["催收电话太多了，请减少打扰", "提醒短信发错人了"]),
    Category.CERTIFICATE: (7, ["请开具结清证明", "需要一份还款明细"]),
    Category.LOAN_APPLICATION: (5, ["我的贷款申请审核到哪一步了？", "还能再申请一笔贷款吗？"]),
    Category.OTHER: (7, ["你们的营业时间是？", "怎么投诉服务态度？"]),
}
REPLIES = [
    "您好，已为您查询，具体情况如下，请您核对。如有疑问请随时联系我们。",
    "您好，感谢来电/来信。我们已记录您的问题，稍后会有专人与您联系。",
    "您好，您的还款已入账，系统显示将在1个工作日内更新。",
    "您好，我们已将您的困难情况转交相关部门评估，会尽快答复您。",
]
CANNED = [
    ("zh-hans", "问候与确认", "您好，我们已收到您的问题（编号见主题），正在为您处理，请稍候。"),
    ("zh-hans", "还款已入账", "您好，您的还款已入账，系统将在1个工作日内更新还款状态。"),
    ("zh-hans", "困难客户", "您好，我们理解您目前的困难，已为您转交还款计划评估，专人会在24小时内联系您。"),
    ("en", "Greeting and acknowledgement", "Hello, we received your question and are looking into it now."),
    (
        "en",
        "Repayment received",
        "Hello, your repayment has been received; your account updates within one working day.",
    ),
    (
        "en",
        "Financial hardship",
        "Hello, we understand your situation and have asked our team to review a repayment plan; they will contact you within 24 hours.",
    ),
]


def _weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def seed(ctx) -> None:
    """Seed ~3 inquiries per customer (bulk inserts, deterministic with ctx.rng); skip when already seeded."""
    _seed_canned()
    target = ctx.customers * PER_CUSTOMER
    if Inquiry.objects.count() >= target:
        ctx.say("inquiries: already seeded")
        _seed_inbound_calls(ctx)
        return
    rng = ctx.rng
    User = get_user_model()
    agents = list(User.objects.filter(username__in=AGENTS).select_related("staff_profile").order_by("username"))
    ON_DUTY[:] = [a for a in agents if getattr(getattr(a, "staff_profile", None), "on_duty", False)] or agents
    customers = _customers(Customer, ctx.customers)
    DEPARTMENTS[:] = list(Department.objects.filter(code__in=["risk", "legal", "finance"]).order_by("code"))
    now = timezone.now()
    topic_pairs = [(k, v[0]) for k, v in TOPICS.items()]
    used_refs = set(Inquiry.objects.values_list("reference", flat=True))
    created = 0
    with transaction.atomic():
        for start in range(0, target, BATCH):
            size = min(BATCH, target - start)
            rows, plans = [], []
            for i in range(size):
                n = start + i
                inquiry, plan = _one(rng, n, target, now, customers, agents, topic_pairs, used_refs)
                rows.append(inquiry)
                plans.append(plan)
            Inquiry.objects.bulk_create(rows, batch_size=1000)
            messages = []
            for inquiry, plan in zip(rows, plans, strict=True):
                messages.extend(_thread(rng, inquiry, plan))
            InquiryMessage.objects.bulk_create(messages, batch_size=2000)
            created += len(rows)
    ctx.say(f"inquiries: {created} new ({int(BREACH_SHARE * 100)}% breached, some open in the live queue)")
    _seed_inbound_calls(ctx)


def _customers(Customer, limit: int) -> list[tuple[int, Ciphertext, str]]:
    """(id, mobile ciphertext, mobile hash): the stored token is reused, so 300,000 rows need no encryption."""
    table = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, mobile, mobile_hash FROM {table} ORDER BY id LIMIT %s", [limit])  # noqa: S608
        return [(pk, Ciphertext(token), digest) for pk, token, digest in cursor.fetchall()]


def _masked(token: Ciphertext, cache: dict) -> str:
    if token not in cache:
        cache[token] = mask_mobile(decrypt(token))
    return cache[token]


def _seed_canned() -> None:
    for position, (language, title, body) in enumerate(CANNED):
        CannedReply.objects.get_or_create(
            language=language, title=title, defaults={"body": body, "position": position * 10}
        )


def _reference(rng, at, used: set) -> str:
    day = timezone.localtime(at).strftime("%y%m%d")
    while True:
        ref = f"INQ-{day}-" + "".join(rng.choice(ALPHABET) for _ in range(5))
        if ref not in used:
            used.add(ref)
            return ref


def _one(rng, n, target, now, customers, agents, topic_pairs, used_refs):
    live = n < max(12, target // 2000)  # a handful received in the last minutes: the live queue
    if live:
        received = now - timedelta(seconds=rng.randint(20, 14 * 60))
    else:
        # Weighted toward recent days; calls cluster in the daytime.
        age_days = min(DAYS - 1, int(rng.expovariate(1 / 20)))
        hour = rng.choice([8, 9, 9, 10, 10, 11, 11, 13, 14, 14, 15, 15, 16, 17, 18, 19, 20, 21, 22, 7])
        day = timezone.localtime(now - timedelta(days=age_days)).replace(
            hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0
        )
        # A time later today than now: spread it over the last day instead of piling it up at one moment.
        received = day if day < now - timedelta(minutes=15) else now - timedelta(minutes=rng.uniform(15, 24 * 60))
    channel = _weighted(rng, CHANNELS)
    category = _weighted(rng, topic_pairs)
    text = rng.choice(TOPICS[category][1])
    customer = customers[rng.randrange(len(customers))] if customers and rng.random() < 0.92 else None
    if customer:
        customer_id, mobile, mobile_hash = customer
        masked = _masked(mobile, MASK_CACHE)
    else:
        customer_id, mobile = None, "+861" + str(rng.choice([3, 5, 7, 8, 9])) + f"{rng.randint(0, 999999999):09d}"
        mobile_hash = pii_hash(mobile)
        masked = mask_mobile(mobile)
    email = f"kehu{n}@example.com" if channel == Inquiry.Channel.EMAIL else ""
    due = first_response_due(received)
    age = now - received
    recent = age < timedelta(days=3)
    if live:
        state = "unanswered"
    elif age < timedelta(hours=2) and rng.random() < 0.5:
        state = "unanswered"  # breached a while ago, still waiting: what the supervisor chases
    elif recent and rng.random() < 0.3:
        state = rng.choice(["open", "open", "open", "escalated"])
    else:
        state = "resolved"
    breached = rng.random() < BREACH_SHARE
    agent = rng.choice(agents) if agents else None
    responded = None
    if state != "unanswered":
        delay = rng.uniform(11, 90) if breached else rng.uniform(0.5, 9.5)
        responded = min(received + timedelta(minutes=delay), now)
    elif rng.random() < 0.5:
        agent = None  # half the unanswered ones are still unassigned
    else:
        agent = rng.choice(ON_DUTY) if ON_DUTY else None  # the others sit with agents at work now
    inquiry = Inquiry(
        reference=_reference(rng, received, used_refs),
        channel=channel,
        customer_id=customer_id,
        contact_phone=mobile if channel != Inquiry.Channel.EMAIL else "",
        contact_phone_hash=mobile_hash if channel != Inquiry.Channel.EMAIL else "",
        contact_email=email,
        contact_email_hash=pii_hash(email),
        contact_masked=masked if channel != Inquiry.Channel.EMAIL else "k***@example.com",
        subject=text[:200],
        category=category,
        status={
            "unanswered": Inquiry.Status.OPEN if agent else Inquiry.Status.NEW,
            "open": Inquiry.Status.OPEN,
            "escalated": Inquiry.Status.ESCALATED,
            "resolved": Inquiry.Status.RESOLVED,
        }[state],
        assigned_to=agent,
        assigned_at=received + timedelta(minutes=rng.uniform(0.2, 3)) if agent else None,
        received_at=received,
        first_response_due=due,
        first_responded_at=responded,
        first_responded_by=agent if responded else None,
        sla_met=(responded <= due) if responded else (False if due < now else None),
        language="zh-hans",
    )
    if state == "resolved":
        inquiry.resolved_at = min(responded + timedelta(minutes=rng.uniform(3, 60 * 30)), now)
        inquiry.resolved_by = agent
        inquiry.resolution_category = rng.choice(ResolutionCategory.values[:5])
        inquiry.resolution_note = "已答复客户，客户表示满意。"
    if state == "escalated":
        inquiry.escalated_to = rng.choice(DEPARTMENTS) if DEPARTMENTS else None
        inquiry.escalated_at = responded
        inquiry.escalation_due = responded + timedelta(hours=24)
    return inquiry, {"state": state, "text": text, "agent": agent}


def _thread(rng, inquiry: Inquiry, plan) -> list[InquiryMessage]:
    channel = inquiry.channel
    out = [
        InquiryMessage(
            inquiry=inquiry,
            kind=InquiryMessage.Kind.CUSTOMER,
            channel=channel,
            body=plan["text"],
            created_at=inquiry.received_at,
        )
    ]
    if inquiry.first_responded_at:
        reply_channel = Inquiry.Channel.HOTLINE if channel in (Inquiry.Channel.HOTLINE,) else channel
        if channel == Inquiry.Channel.ONLINE:
            reply_channel = Inquiry.Channel.SMS
        out.append(
            InquiryMessage(
                inquiry=inquiry,
                kind=InquiryMessage.Kind.CALL
                if reply_channel == Inquiry.Channel.HOTLINE
                else InquiryMessage.Kind.REPLY,
                channel=reply_channel,
                body=rng.choice(REPLIES),
                author=plan["agent"],
                created_at=inquiry.first_responded_at,
                reached_customer=True,
            )
        )
        if rng.random() < 0.3:
            follow = inquiry.first_responded_at + timedelta(minutes=rng.uniform(2, 60))
            out.append(
                InquiryMessage(
                    inquiry=inquiry,
                    kind=InquiryMessage.Kind.CUSTOMER,
                    channel=channel,
                    body="好的，谢谢。还有一个问题：什么时候能处理好？",
                    created_at=follow,
                )
            )
            out.append(
                InquiryMessage(
                    inquiry=inquiry,
                    kind=InquiryMessage.Kind.NOTE,
                    body="已核实客户账户，无异常。",
                    author=plan["agent"],
                    created_at=follow + timedelta(minutes=1),
                )
            )
    if inquiry.resolved_at:
        out.append(
            InquiryMessage(
                inquiry=inquiry,
                kind=InquiryMessage.Kind.EVENT,
                body="已解决：" + inquiry.resolution_note,
                author=plan["agent"],
                created_at=inquiry.resolved_at,
            )
        )
    return out


DEMO_CALL_PREFIX = "CADEMO"  # the demo's inbound calls (#16): marked so a second run changes nothing


def _seed_inbound_calls(ctx) -> None:
    """Two seeded hotline inquiries become inbound calls (#16): one answered (3 min 12 s), one missed with a
    callback owed (its countdown running on the inquiry page, the 回电 badge in the queue). Idempotent."""
    if Inquiry.objects.filter(call_sid__startswith=DEMO_CALL_PREFIX).exists():
        return
    hotline = Inquiry.objects.filter(channel=Inquiry.Channel.HOTLINE, customer__isnull=False)
    answered = hotline.filter(first_responded_at__isnull=False).order_by("-received_at", "-id").first()
    missed = hotline.filter(first_responded_at__isnull=True, status__in=["new", "open"])
    missed = missed.order_by("-received_at", "-id").first()
    now = timezone.now()
    rows = []
    with translation.override("zh-hans"), transaction.atomic():
        if answered is not None:
            Inquiry.objects.filter(pk=answered.pk).update(
                call_sid=DEMO_CALL_PREFIX + "ANSWERED", call_status="completed", call_duration_seconds=192
            )
            body = call_summary(answered=True, seconds=192, status="completed")
            rows.append((answered, body, answered.first_responded_at, True))
        if missed is not None:
            missed_at = max(missed.received_at, now - timedelta(minutes=10))
            Inquiry.objects.filter(pk=missed.pk).update(
                call_sid=DEMO_CALL_PREFIX + "MISSED",
                call_status="no-answer",
                call_duration_seconds=25,
                callback_due_at=missed_at + timedelta(minutes=30),
            )
            rows.append((missed, call_summary(answered=False, seconds=25, status="no-answer"), missed_at, False))
        InquiryMessage.objects.bulk_create(
            InquiryMessage(
                inquiry=inquiry,
                kind=InquiryMessage.Kind.CALL,
                channel=Inquiry.Channel.HOTLINE,
                body=body,
                created_at=at,
                reached_customer=reached,
                author=inquiry.assigned_to if reached else None,
            )
            for inquiry, body, at, reached in rows
        )
    ctx.say(f"inquiries: {len(rows)} inbound calls (answered, missed with a callback owed)")
