"""Demo complaints (about one per 20 customers) in every state, one mass-complaint incident, suggestions,
improvement actions, contingency plans and drills. Idempotent: parts already there are left alone. Bulk inserts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from complaints import deadlines
from complaints.models import (
    CalendarDay,
    CallbackVisit,
    Complaint,
    ComplaintNote,
    ComplaintNotice,
    ContingencyPlan,
    DeadlineExtension,
    Drill,
    ImprovementAction,
    Incident,
    IncidentEntry,
    RootCause,
    Suggestion,
    SuggestionCategory,
)
from complaints.selectors import calendar_load

CUSTOMERS_PER_COMPLAINT = 20
BATCH = 2000  # rows per bulk insert: bounded memory at 100,000 customers
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
AGENTS = ["agent", "agent2", "agent3", "agent4", "agent5"]

# The 2026 public holidays and worked weekend days (调休) as announced by the State Council; the admin keeps them up to date.
HOLIDAYS_2026 = [
    ("2026-01-01", "2026-01-03", "元旦"),
    ("2026-02-15", "2026-02-23", "春节"),
    ("2026-04-04", "2026-04-06", "清明节"),
    ("2026-05-01", "2026-05-05", "劳动节"),
    ("2026-06-19", "2026-06-21", "端午节"),
    ("2026-09-25", "2026-09-27", "中秋节"),
    ("2026-10-01", "2026-10-07", "国庆节"),
    ("2027-01-01", "2027-01-03", "元旦"),
]
WORKDAYS_2026 = [
    ("2026-01-04", "元旦调休"),
    ("2026-02-14", "春节调休"),
    ("2026-02-28", "春节调休"),
    ("2026-05-09", "劳动节调休"),
    ("2026-09-20", "国庆节调休"),
    ("2026-10-10", "国庆节调休"),
]
ROOT_CAUSES = [
    ("fee-rule", "收费规则执行错误", 10),
    ("disclosure", "合同条款告知不充分", 20),
    ("collector-conduct", "催收人员行为不当", 30),
    ("reminder-policy", "提醒频次设置过高", 40),
    ("staff-attitude", "服务人员态度问题", 50),
    ("system-error", "系统故障或数据错误", 60),
    ("customer-misunderstanding", "客户误解（无过错）", 70),
    ("third-party", "第三方（银行/支付）原因", 80),
]
SUGGESTION_CATEGORIES = [
    ("app", "App 与线上服务"),
    ("repayment", "还款方式"),
    ("communication", "沟通与提醒"),
    ("product", "产品设计"),
    ("service", "服务流程"),
]
SUMMARIES = {
    "fees": ["重复扣收服务费", "逾期费用计算有误", "提前还款手续费不合理"],
    "collection_conduct": ["催收人员致电单位同事", "催收用语不文明", "夜间催收电话"],
    "reminder_frequency": ["一天内收到多次提醒短信", "还款后仍收到提醒", "提醒电话过于频繁"],
    "service_attitude": ["客服态度冷淡", "热线长时间无人接听", "门店人员推诿"],
    "privacy": ["个人信息被泄露给第三方", "未经同意收到营销短信"],
    "product_disclosure": ["综合年化利率未明确告知", "合同条款与宣传不符"],
    "other": ["还款渠道故障", "证明材料开具缓慢"],
}
# (status, share of complaints, days ago received: min, max)
STATES = [
    (Complaint.Status.RECEIVED, 10, 0, 1),
    (Complaint.Status.ACKNOWLEDGED, 10, 1, 6),
    (Complaint.Status.INVESTIGATING, 25, 2, 20),
    (Complaint.Status.DECIDED, 8, 6, 14),
    (Complaint.Status.INFORMED, 10, 10, 30),
    (Complaint.Status.CLOSED, 32, 16, 90),
    (Complaint.Status.REOPENED, 5, 20, 40),
]
SOURCE_ZH = {
    "hotline": "热线",
    "online": "线上",
    "email": "电子邮件",
    "letter": "信函",
    "in_person": "现场",
    "regulator": "监管转办",
    "social_media": "社交媒体",
}
SOURCES = [
    ("hotline", 40),
    ("online", 20),
    ("email", 10),
    ("letter", 5),
    ("in_person", 8),
    ("regulator", 7),
    ("social_media", 10),
]
CATEGORIES = [
    ("fees", 25),
    ("collection_conduct", 15),
    ("reminder_frequency", 12),
    ("service_attitude", 20),
    ("privacy", 8),
    ("product_disclosure", 10),
    ("other", 10),
]


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def _reference(rng, day: date) -> str:
    return f"TS{day:%y%m%d}-" + "".join(rng.choice(ALPHABET) for _ in range(5))


def seed_reference_data() -> None:
    """Holiday calendar, root causes and suggestion categories (existing rows are kept)."""
    days = []
    for start, end, name in HOLIDAYS_2026:
        day, last = date.fromisoformat(start), date.fromisoformat(end)
        while day <= last:
            days.append(CalendarDay(date=day, kind=CalendarDay.Kind.HOLIDAY, name=name))
            day += timedelta(days=1)
    days += [CalendarDay(date=date.fromisoformat(d), kind=CalendarDay.Kind.WORKDAY, name=n) for d, n in WORKDAYS_2026]
    CalendarDay.objects.bulk_create(days, ignore_conflicts=True)
    RootCause.objects.bulk_create(
        [RootCause(code=c, name=n, order=o) for c, n, o in ROOT_CAUSES], ignore_conflicts=True
    )
    SuggestionCategory.objects.bulk_create(
        [SuggestionCategory(code=c, name=n) for c, n in SUGGESTION_CATEGORIES], ignore_conflicts=True
    )


def _customers(ctx, count: int) -> list[tuple]:
    from customers.models import Customer
    from loans.models import Loan

    ids = list(Customer.objects.order_by("id").values_list("id", "name", "preferred_language"))
    if not ids:
        return [(None, "", "zh-hans", None, None)] * count
    chosen = ctx.rng.sample(ids, min(count, len(ids)))
    loans: dict[int, tuple[int, int]] = {}
    chosen_ids = [c[0] for c in chosen]
    for i in range(0, len(chosen_ids), 900):
        for customer_id, loan_id, product_id in Loan.objects.filter(
            customer_id__in=chosen_ids[i : i + 900]
        ).values_list("customer_id", "id", "product_id"):
            loans.setdefault(customer_id, (loan_id, product_id))
    result = [(cid, name, lang, *loans.get(cid, (None, None))) for cid, name, lang in chosen]
    while len(result) < count:
        result.append(ctx.rng.choice(result))
    return result


def _complaint_row(ctx, *, state, days_ago, customer, now, calendar, tz, users, root_causes, category=None):
    rng = ctx.rng
    customer_id, name, language, loan_id, product_id = customer
    received_at = now - timedelta(days=days_ago, hours=rng.randint(0, 9), minutes=rng.randint(0, 59))
    received_day = timezone.localtime(received_at, tz).date()
    category = category or _weighted(rng, CATEGORIES)
    source = _weighted(rng, SOURCES)
    agent = users[rng.choice(AGENTS)]
    c = Complaint(
        reference=_reference(rng, received_day),
        customer_id=customer_id,
        loan_id=loan_id,
        product_id=product_id,
        source=source,
        category=category,
        severity="high" if source == "regulator" else _weighted(rng, [("low", 25), ("medium", 55), ("high", 20)]),
        status=state,
        contact_name=name,
        reply_channel="sms",
        language=language or "zh-hans",
        summary=rng.choice(SUMMARIES[category]),
        description="客户来电反映：" + rng.choice(SUMMARIES[category]) + "，要求核实处理。",
        customer_demand=rng.choice(["退还多收费用", "书面道歉", "停止此类行为", "解释清楚并更正记录"]),
        received_at=received_at,
        acknowledge_due=deadlines.end_of_day(deadlines.acknowledge_due_date(received_day, calendar), tz),
        decision_due=deadlines.end_of_day(deadlines.decision_due_date(received_day, calendar), tz),
        assigned_to=agent,
        created_by=agent,
    )
    extensions = []
    if state != Complaint.Status.RECEIVED:
        c.acknowledged_at = received_at + timedelta(hours=rng.randint(1, 20))
    if state == Complaint.Status.INVESTIGATING and days_ago > 12 and rng.random() < 0.4:
        level_due = deadlines.end_of_day(deadlines.decision_due_date(received_day, calendar, 1), tz)
        extensions.append((1, c.decision_due, level_due, "案情复杂，需调取通话录音并与合作机构核实"))
        c.decision_due, c.extension_level = level_due, 1
    if state in (
        Complaint.Status.DECIDED,
        Complaint.Status.INFORMED,
        Complaint.Status.CLOSED,
        Complaint.Status.REOPENED,
    ):
        late = rng.random() < 0.1
        decided_days = min(days_ago, 16 if late else rng.randint(3, 13))
        c.decided_at = min(received_at + timedelta(days=decided_days, hours=2), now - timedelta(hours=4))
        c.root_cause_id = rng.choice(root_causes) if root_causes else None
        c.remedy = rng.choice(["apology", "apology", "fee_refund", "waiver", "repayment_plan", "none"])
        if c.remedy in ("fee_refund", "waiver"):
            c.remedy_amount = Decimal(rng.choice(["30.00", "50.00", "120.00", "200.00"]))
        c.decision_text = "经核实，" + rng.choice(
            ["情况属实，我司已更正并致歉。", "费用按合同收取，已向客户解释。", "已对相关人员进行培训和处理。"]
        )
        c.responsible_staff = users[rng.choice(AGENTS)] if rng.random() < 0.3 else None
        if state != Complaint.Status.DECIDED:
            c.informed_at = c.decided_at + timedelta(hours=3)
            c.on_time = c.informed_at <= c.decision_due
        elif c.decided_at > c.decision_due:
            c.on_time = False
    if state in (Complaint.Status.CLOSED,):
        c.closed_at = c.informed_at + timedelta(days=rng.randint(1, 3))
        c.customer_satisfaction = _weighted(rng, [(5, 35), (4, 35), (3, 15), (2, 10), (1, 5)])
    if (
        state in (Complaint.Status.ACKNOWLEDGED, Complaint.Status.INVESTIGATING, Complaint.Status.REOPENED)
        and c.decision_due < now
    ):
        c.on_time = False
    return c, extensions


@transaction.atomic
def seed_complaints(ctx) -> int:
    if Complaint.objects.exists():
        return 0
    rng = ctx.rng
    tz = timezone.get_current_timezone()
    now = timezone.now()
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=[*AGENTS, "supervisor", "manager", "legal"])
    }
    if not all(a in users for a in AGENTS):
        ctx.say("complaints: demo staff missing, skipped")
        return 0
    calendar = calendar_load(timezone.localdate(now) - timedelta(days=100), days=200)
    root_causes = list(RootCause.objects.values_list("id", flat=True))
    count = max(14, ctx.customers // CUSTOMERS_PER_COMPLAINT)
    customers = _customers(ctx, count + 6)
    rows, extension_specs = [], []
    # Every state at least once, then by share.
    states = [s[0] for s in STATES] + [
        _weighted(rng, [(s[0], s[1]) for s in STATES]) for _ in range(count - len(STATES))
    ]
    spans = {s[0]: (s[2], s[3]) for s in STATES}
    for i, state in enumerate(states):
        lo, hi = spans[state]
        c, ext = _complaint_row(
            ctx,
            state=state,
            days_ago=rng.randint(lo, hi),
            customer=customers[i],
            now=now,
            calendar=calendar,
            tz=tz,
            users=users,
            root_causes=root_causes,
        )
        rows.append(c)
        extension_specs.append(ext)
    # The mass complaint: six complaints about reminder frequency in the last ten hours.
    mass_rows = []
    for j in range(6):
        c, _ = _complaint_row(
            ctx,
            state=Complaint.Status.RECEIVED if j >= 3 else Complaint.Status.ACKNOWLEDGED,
            days_ago=0,
            customer=customers[count + j],
            now=now - timedelta(hours=j),
            calendar=calendar,
            tz=tz,
            users=users,
            root_causes=root_causes,
            category="reminder_frequency",
        )
        c.summary = "一天内收到多次还款提醒短信"
        mass_rows.append(c)
    # A few escalated to legal.
    legal = users.get("legal")
    for c in rows[:: max(1, len(rows) // 5)]:
        if legal and c.status not in (Complaint.Status.CLOSED, Complaint.Status.RECEIVED):
            c.legal_advisor, c.legal_escalated_at = legal, c.received_at + timedelta(days=1)
    seen = set()
    for c in rows + mass_rows:
        while c.reference in seen:
            c.reference = _reference(rng, timezone.localdate(c.received_at))
        seen.add(c.reference)
    Complaint.objects.bulk_create(rows + mass_rows, batch_size=BATCH)
    created = {c.reference: c for c in Complaint.objects.only("id", "reference")}
    all_rows = rows + mass_rows
    for c in all_rows:
        c.pk = created[c.reference].pk

    notes, notices, visits, extensions = [], [], [], []
    supervisor, manager = users.get("supervisor"), users.get("manager")
    if supervisor is None:
        extension_specs = [[] for _ in rows]
    for c, ext in zip(rows, extension_specs, strict=True):
        _records_for(c, ext, notes, notices, visits, extensions, supervisor, now, rng)
    for c in mass_rows:
        _records_for(c, [], notes, notices, visits, extensions, supervisor, now, rng)
    ComplaintNote.objects.bulk_create(notes, batch_size=BATCH)
    ComplaintNotice.objects.bulk_create(notices, batch_size=BATCH)
    CallbackVisit.objects.bulk_create(visits, batch_size=BATCH)
    DeadlineExtension.objects.bulk_create(extensions, batch_size=BATCH)

    incident = Incident.objects.create(
        reference=f"INC{timezone.localdate(mass_rows[2].received_at):%y%m%d}-D001",
        kind=Incident.Kind.MASS_COMPLAINT,
        title="群体性投诉：提醒频次",
        severity=Incident.Severity.HIGH,
        owner=manager,
        opened_at=mass_rows[2].received_at,
        summary="10 小时内 6 件关于提醒短信过多的投诉，疑似提醒策略配置错误。",
        trigger_key="category:reminder_frequency",
    )
    Incident.complaints.through.objects.bulk_create(
        [Incident.complaints.through(incident_id=incident.pk, complaint_id=c.pk) for c in mass_rows]
    )
    IncidentEntry.objects.bulk_create(
        [
            IncidentEntry(incident=incident, at=incident.opened_at, text="系统自动识别群体性投诉，已通知经理。"),
            IncidentEntry(
                incident=incident,
                at=incident.opened_at + timedelta(minutes=40),
                author=manager,
                text="暂停“逾期前 3 天”提醒步骤，排查策略配置。",
            ),
        ]
    )
    outage = Incident.objects.create(
        reference=f"INC{timezone.localdate(now - timedelta(days=20)):%y%m%d}-D002",
        kind=Incident.Kind.SMS_PROVIDER_FAILURE,
        title="短信服务商接口超时",
        severity=Incident.Severity.MEDIUM,
        status=Incident.Status.RESOLVED,
        owner=supervisor,
        opened_at=now - timedelta(days=20, hours=3),
        resolved_at=now - timedelta(days=20),
        summary="短信发送失败率升至 35%。",
    )
    IncidentEntry.objects.bulk_create(
        [
            IncidentEntry(
                incident=outage,
                at=outage.opened_at,
                author=supervisor,
                text="发现短信失败率异常，启动应急预案，改为电话提醒。",
            ),
            IncidentEntry(incident=outage, at=outage.resolved_at, author=supervisor, text="服务商恢复，补发失败短信。"),
        ]
    )
    return len(all_rows)


def _records_for(c, ext, notes, notices, visits, extensions, supervisor, now, rng):
    S = Complaint.Status
    notes.append(
        ComplaintNote(
            complaint_id=c.pk,
            kind="event",
            body=f"受理投诉（{SOURCE_ZH[c.source]}）。",
            author=c.created_by,
            created_at=c.received_at,
        )
    )
    if c.acknowledged_at:
        notes.append(
            ComplaintNote(
                complaint_id=c.pk,
                kind="event",
                body=f"已确认受理，已告知客户编号 {c.reference}。",
                author=c.assigned_to,
                created_at=c.acknowledged_at,
            )
        )
        notices.append(
            ComplaintNotice(
                complaint_id=c.pk,
                kind="acknowledgement",
                channel="sms",
                language=c.language,
                to_masked="138****0000",
                body=f"【售后服务】您好，我们已受理您的投诉，编号{c.reference}。",
                status="sent",
                sent_by=c.assigned_to,
                sent_at=c.acknowledged_at,
            )
        )
    if c.status in (S.INVESTIGATING, S.DECIDED, S.INFORMED, S.CLOSED, S.REOPENED):
        notes.append(
            ComplaintNote(
                complaint_id=c.pk,
                kind="note",
                body=rng.choice(["已调取通话录音。", "已联系门店核实情况。", "已查询扣款流水，确认金额。"]),
                author=c.assigned_to,
                created_at=c.acknowledged_at + timedelta(hours=6),
            )
        )
    for level, previous_due, new_due, reason in ext:
        extensions.append(
            DeadlineExtension(
                complaint_id=c.pk,
                level=level,
                previous_due=previous_due,
                new_due=new_due,
                reason=reason,
                granted_by=supervisor,
                granted_at=previous_due - timedelta(days=2),
            )
        )
    if c.informed_at:
        notices.append(
            ComplaintNotice(
                complaint_id=c.pk,
                kind="decision",
                channel="sms",
                language=c.language,
                to_masked="138****0000",
                body=f"【售后服务】关于您的投诉{c.reference}，处理结果如下：{c.decision_text}",
                status="sent",
                sent_by=c.assigned_to,
                sent_at=c.informed_at,
            )
        )
    if c.closed_at:
        scheduled = timezone.localtime(c.closed_at).date() + timedelta(days=3)
        done = (
            datetime.combine(scheduled, time(15), tzinfo=timezone.get_current_timezone())
            if scheduled < timezone.localdate(now)
            else None
        )
        visits.append(
            CallbackVisit(
                complaint_id=c.pk,
                scheduled_for=scheduled,
                assigned_to=supervisor,
                completed_at=done,
                outcome="客户确认已收到处理结果，表示认可。" if done else "",
                customer_satisfied=((c.customer_satisfaction or 3) >= 3) if done else None,
            )
        )
    if c.status == S.REOPENED:
        notes.append(
            ComplaintNote(
                complaint_id=c.pk,
                kind="event",
                body="重新处理：客户对处理结果有异议，提供了新的银行流水。",
                author=c.assigned_to,
                created_at=c.informed_at + timedelta(days=2),
            )
        )


@transaction.atomic
def seed_feedback(ctx) -> int:
    """Suggestions, improvement actions, contingency plans and drills."""
    if Suggestion.objects.exists():
        return 0
    rng = ctx.rng
    now = timezone.now()
    categories = {c.code: c for c in SuggestionCategory.objects.all()}
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["agent", "agent2", "supervisor", "manager", "backoffice"]
        )
    }
    if "manager" not in users or not categories:
        return 0
    texts = {
        "app": ["希望 App 增加还款日历提醒", "希望能在线下载结清证明"],
        "repayment": ["希望支持更多银行卡自动扣款", "希望可以自选每月还款日"],
        "communication": ["提醒短信希望只在白天发送", "希望客服热线增加回拨功能"],
        "product": ["希望提前还款手续费更透明", "希望提供更灵活的分期期数"],
        "service": ["门店等候时间较长，建议预约办理", "希望投诉处理进度可以查询"],
    }
    count = max(10, ctx.customers // 50)
    suggestions = []
    for i in range(count):
        code = rng.choice(list(categories))
        received = now - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 12))
        suggestions.append(
            Suggestion(
                reference=f"JY{timezone.localdate(received):%y%m%d}-D{i:03d}",
                channel=rng.choice(["hotline", "online", "email", "in_person"]),
                category=categories[code],
                text=rng.choice(texts[code]),
                status=rng.choice(["new", "new", "reviewed", "actioned", "declined"]),
                received_at=received,
                recorded_by=users.get("agent"),
            )
        )
    Suggestion.objects.bulk_create(suggestions, batch_size=BATCH)
    saved = list(Suggestion.objects.order_by("id"))
    actions = [
        ImprovementAction(
            title="提醒短信发送时间限制在 9:00–20:00",
            owner=users["manager"],
            status="done",
            due_date=now.date() - timedelta(days=10),
            completed_at=now - timedelta(days=12),
        ),
        ImprovementAction(
            title="App 增加还款日历与结清证明下载",
            owner=users.get("backoffice", users["manager"]),
            status="in_progress",
            due_date=now.date() + timedelta(days=30),
        ),
        ImprovementAction(
            title="门店推出线上预约",
            owner=users.get("supervisor", users["manager"]),
            status="planned",
            due_date=now.date() + timedelta(days=45),
        ),
        ImprovementAction(
            title="提前还款费用说明页改版",
            owner=users["manager"],
            status="planned",
            due_date=now.date() + timedelta(days=20),
        ),
    ]
    ImprovementAction.objects.bulk_create(actions)
    actions = list(ImprovementAction.objects.order_by("id"))
    wanted = {0: "communication", 1: "app", 2: "service", 3: "product"}
    Through = ImprovementAction.suggestions.through
    links = [
        Through(improvementaction_id=actions[a].pk, suggestion_id=s.pk)
        for a, code in wanted.items()
        for s in saved
        if s.category.code == code and s.status in ("actioned", "reviewed")
    ]
    Through.objects.bulk_create(links, ignore_conflicts=True)

    plans = [
        ContingencyPlan(
            title="核心系统宕机应急预案",
            kind="system_outage",
            version="2.1",
            summary="1. 值班经理确认故障范围；2. 切换只读模式；3. 热线播报公告；4. 恢复后核对当日还款。",
            owner=users["manager"],
            approved_on=date(2026, 3, 1),
            next_review_on=date(2027, 3, 1),
        ),
        ContingencyPlan(
            title="短信服务商故障应急预案",
            kind="sms_provider_failure",
            version="1.3",
            summary="1. 失败率超过 20% 启动；2. 改为电话提醒；3. 联系备用服务商；4. 恢复后补发。",
            owner=users.get("supervisor"),
            approved_on=date(2026, 5, 10),
            next_review_on=date(2027, 5, 10),
        ),
        ContingencyPlan(
            title="群体性投诉处置预案",
            kind="mass_complaint",
            version="1.0",
            summary="1. 经理牵头成立处置小组；2. 统一答复口径；3. 排查共性原因；4. 必要时向监管报告。",
            owner=users["manager"],
            approved_on=date(2026, 4, 15),
            next_review_on=date(2027, 4, 15),
        ),
        ContingencyPlan(
            title="客户信息泄露应急预案",
            kind="data_breach",
            version="1.2",
            summary="1. 立即隔离受影响系统；2. 评估泄露范围；3. 72 小时内报告；4. 告知受影响客户。",
            owner=users["manager"],
            approved_on=date(2026, 2, 20),
            next_review_on=date(2027, 2, 20),
        ),
    ]
    ContingencyPlan.objects.bulk_create(plans)
    plan_by_kind = {p.kind: p for p in ContingencyPlan.objects.all()}
    Drill.objects.bulk_create(
        [
            Drill(
                held_on=date(2026, 6, 18),
                scenario="模拟短信服务商中断 2 小时",
                plan=plan_by_kind["sms_provider_failure"],
                participants="客服部 12 人、运营部 3 人、经理 1 人",
                findings="切换电话提醒耗时 25 分钟，超过 15 分钟目标；备用服务商账号未预充值。",
                follow_up="预充值备用账号；电话提醒脚本放入知识库。",
                recorded_by=users["manager"],
            ),
            Drill(
                held_on=date(2026, 9, 10),
                scenario="模拟一小时内 20 件同类投诉",
                plan=plan_by_kind["mass_complaint"],
                participants="客服部 8 人、法务 1 人、经理 1 人",
                findings="系统自动识别并告警；统一答复口径在 30 分钟内发布。",
                follow_up="答复模板加入中英文两版。",
                recorded_by=users["manager"],
            ),
        ]
    )
    return len(saved)


def seed(ctx) -> None:
    seed_reference_data()
    complaints = seed_complaints(ctx)
    suggestions = seed_feedback(ctx)
    ctx.say(f"complaints: {complaints} new complaints, {suggestions} new suggestions")
