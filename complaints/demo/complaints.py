"""Demo complaints (about one per 20 customers) in every state, with their notes, notices, extensions and
callback visits, and one mass-complaint incident. Bulk inserts; skipped when complaints exist."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from complaints import deadlines
from complaints.demo.data import (
    AGENTS,
    BATCH,
    CATEGORIES,
    CUSTOMERS_PER_COMPLAINT,
    SOURCE_ZH,
    SOURCES,
    STATES,
    SUMMARIES,
    _reference,
    _weighted,
)
from complaints.models import (
    CallbackVisit,
    Complaint,
    ComplaintNote,
    ComplaintNotice,
    DeadlineExtension,
    Incident,
    IncidentEntry,
    RootCause,
)
from complaints.selectors import calendar_load
from customers.models import Customer
from loans.models import Loan


def _customers(ctx, count: int) -> list[tuple]:
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

    _seed_incidents(mass_rows=mass_rows, now=now, manager=manager, supervisor=supervisor)
    return len(all_rows)


def _seed_incidents(*, mass_rows: list[Complaint], now: datetime, manager, supervisor) -> None:
    """The open mass-complaint incident over the six reminder complaints, and a resolved SMS provider outage."""
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
