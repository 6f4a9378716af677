"""Demo data of the staff app (runs last): training, scoring, QA reviews, surveys, last month's reviews, assets.

Idempotent: each part checks what exists and adds only what is missing. Bulk inserts; deterministic with ctx.rng
(except survey tokens, which must stay unguessable).
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from inquiries.models import Inquiry
from org.models import StaffProfile
from staff import qa, reviews, rollup
from staff.models import (
    Asset,
    AssetAssignment,
    AssetMaintenance,
    GradeBand,
    KpiWeight,
    PerformanceReview,
    QaReview,
    Survey,
    TrainingAttendance,
    TrainingSession,
)
from staff.surveys import new_token

AGENTS = ["agent", "agent2", "agent3", "agent4", "agent5"]
SURVEY_SHARE = 0.35  # of resolved inquiries with a customer, a survey was sent
ANSWER_SHARE = 0.6  # of those, the customer answered
BATCH = 5000

TRAININGS = [
    ("征信与贷后管理基础", "finance", 30, "3.0", "王老师"),
    ("《消费者权益保护法》要点", "law", 55, "2.5", "法务部 刘强"),
    ("投诉处理流程与监管要求", "complaint_handling", 80, "4.0", "外部讲师 孙敏"),
    ("客户沟通技巧：情绪安抚", "communication", 110, "2.0", "培训中心"),
    ("信息安全与个人信息保护", "information_security", 140, "1.5", "信息安全部"),
    ("催收合规话术", "law", 190, "2.0", "法务部 刘强"),
    ("提前还款与费用计算", "finance", 230, "1.5", "财务部"),
    ("电话沟通实战演练", "communication", 270, "3.0", "培训中心"),
]


def seed(ctx) -> None:
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=[*AGENTS, "supervisor", "manager"])}
    if "manager" not in users:
        ctx.say("staff: demo users missing, skipped")
        return
    _training(ctx, users)
    _scoring(ctx)
    _qa(ctx, users)
    _surveys(ctx)
    _reviews(ctx, users)
    _assets(ctx, users)
    ctx.say(f"staff: KPI roll-ups for {rollup.rollup_rebuild()} days")  # recomputed from scratch: idempotent


@transaction.atomic
def _training(ctx, users) -> None:
    if TrainingSession.objects.exists():
        ctx.say("staff: training already seeded")
        return
    today = timezone.localdate()
    start_of_year = today.replace(month=1, day=1)
    staff = [u for name, u in users.items() if name != "manager"]
    sessions = []
    for title, topic, day, hours, trainer in TRAININGS:
        held = start_of_year + timedelta(days=day)
        if held > today:
            held = today - timedelta(days=ctx.rng.randint(1, 20))
        sessions.append(TrainingSession(title=title, topic=topic, held_on=held, hours=Decimal(hours), trainer=trainer))
    TrainingSession.objects.bulk_create(sessions)
    attendance = []
    for session in sessions:
        for user in staff:
            if ctx.rng.random() < 0.8:
                attendance.append(TrainingAttendance(session=session, staff=user))
    TrainingAttendance.objects.bulk_create(attendance)
    infosec = next(s for s in sessions if s.topic == "information_security")
    attended = {a.staff_id for a in attendance if a.session_id == infosec.id}
    StaffProfile.objects.filter(user_id__in=attended).update(infosec_training_due=infosec.held_on + timedelta(days=365))
    # One agent missed it: their due date is close, so supervisors get the reminder.
    StaffProfile.objects.filter(user__username="agent5").update(infosec_training_due=today + timedelta(days=12))
    ctx.say(f"staff: {len(sessions)} training sessions, {len(attendance)} attendances")


@transaction.atomic
def _scoring(ctx) -> None:
    if not KpiWeight.objects.exists():
        KpiWeight.objects.bulk_create([KpiWeight(kpi=k, weight=w) for k, w in reviews.DEFAULT_WEIGHTS.items()])
    if not GradeBand.objects.exists():
        GradeBand.objects.bulk_create(
            [GradeBand(grade=g, min_score=m, pay_coefficient=c) for g, (m, c) in reviews.DEFAULT_BANDS.items()]
        )


def _qa(ctx, users) -> None:
    this_week = qa.week_start(timezone.localdate())
    created = 0
    for weeks_back in range(1, 7):
        created += qa.qa_week_sample(week=this_week - timedelta(days=7 * weeks_back))
    # Supervisors have reviewed everything older than last week; last week's sample waits in the queue.
    pending = list(
        QaReview.objects.filter(reviewed_at__isnull=True, week__lt=this_week - timedelta(days=7)).order_by("id")
    )
    supervisor = users.get("supervisor")
    for review in pending:
        scores = [min(100, max(40, int(ctx.rng.gauss(85, 9)))) for _ in range(4)]
        review.accuracy, review.attitude, review.compliance, review.timeliness = scores
        review.score = (Decimal(sum(scores)) / 4).quantize(Decimal("0.01"))
        review.comments = ctx.rng.choice(
            ["", "答复准确，语气友好。", "未按规定核实身份。", "回复及时，建议补充还款渠道说明。"]
        )
        review.reviewed_by = supervisor
        review.reviewed_at = timezone.make_aware(
            timezone.datetime.combine(review.week + timedelta(days=8), timezone.datetime.min.time())
        ) + timedelta(hours=ctx.rng.randint(9, 17))
    QaReview.objects.bulk_update(
        pending,
        ["accuracy", "attitude", "compliance", "timeliness", "score", "comments", "reviewed_by", "reviewed_at"],
        batch_size=1000,
    )
    ctx.say(f"staff: {created} QA samples, {len(pending)} scorecards")


def _surveys(ctx) -> None:
    now = timezone.now()
    done = set(Survey.objects.filter(kind=Survey.Kind.INQUIRY).values_list("object_id", flat=True))
    rows = (
        Inquiry.objects.filter(status=Inquiry.Status.RESOLVED, customer__isnull=False, resolved_at__isnull=False)
        .order_by("id")
        .values_list("id", "reference", "customer_id", "resolved_by_id", "resolved_at", "customer__preferred_language")
    )
    batch, created = [], 0
    for pk, ref, customer_id, staff_id, resolved_at, language in rows.iterator(chunk_size=BATCH):
        rng = random.Random(f"survey:{pk}")  # per inquiry, so a second run picks the same ones (idempotent)
        if pk in done or rng.random() >= SURVEY_SHARE:
            continue
        created_at = resolved_at + timedelta(minutes=rng.randint(5, 300))
        if created_at > now:
            continue
        answered = rng.random() < ANSWER_SHARE
        answered_at = created_at + timedelta(hours=rng.randint(1, 72)) if answered else None
        if answered_at and answered_at > now:
            answered, answered_at = False, None
        rating = rng.choices([5, 4, 3, 2, 1], weights=[50, 28, 12, 6, 4])[0] if answered else None
        batch.append(
            Survey(
                kind=Survey.Kind.INQUIRY,
                object_id=pk,
                reference=ref,
                customer_id=customer_id,
                staff_id=staff_id,
                token=new_token(),
                language=language or "zh-hans",
                status=Survey.Status.ANSWERED if answered else Survey.Status.SENT,
                created_at=created_at,
                expires_at=created_at + timedelta(days=7),
                rating=rating,
                comment=rng.choice(["", "", "服务很好，谢谢！", "等待时间有点长。", "问题解决得很快。"])
                if answered
                else "",
                answered_at=answered_at,
            )
        )
        if len(batch) >= BATCH:
            created += len(Survey.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        created += len(Survey.objects.bulk_create(batch, ignore_conflicts=True))
    ctx.say(f"staff: {created} satisfaction surveys")


def _reviews(ctx, users) -> None:
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    if PerformanceReview.objects.filter(month=last_month).exists():
        ctx.say("staff: reviews already seeded")
        return
    reviews.reviews_generate(month=last_month, actor=users["manager"])
    comments = [
        "表现稳定，首次响应及时。",
        "投诉处理需加强时效。",
        "客户评价良好，继续保持。",
        "建议参加沟通技巧培训。",
    ]
    for i, review in enumerate(PerformanceReview.objects.filter(month=last_month).order_by("staff__username")):
        reviews.review_comment(review=review, comment=comments[i % len(comments)], actor=users.get("supervisor"))
        if i % 2 == 0:
            reviews.review_sign_off(review=review, actor=users["manager"])
    ctx.say("staff: last month's performance reviews")


@transaction.atomic
def _assets(ctx, users) -> None:
    if Asset.objects.exists():
        return
    today = timezone.localdate()
    assets = []
    holders = [users[n] for n in [*AGENTS, "supervisor", "manager"] if n in users]
    for i, user in enumerate(holders):
        assets.append(
            Asset(
                asset_tag=f"PC-{1001 + i}",
                kind=Asset.Kind.COMPUTER,
                description="ThinkCentre M70q",
                serial_number=f"SN{880000 + i}",
                purchased_on=today - timedelta(days=400 + i * 3),
                status=Asset.Status.IN_USE,
                assigned_to=user,
                assigned_on=today - timedelta(days=300),
            )
        )
        assets.append(
            Asset(
                asset_tag=f"HS-{2001 + i}",
                kind=Asset.Kind.HEADSET,
                description="Jabra Evolve2 40",
                purchased_on=today - timedelta(days=200),
                status=Asset.Status.IN_USE,
                assigned_to=user,
                assigned_on=today - timedelta(days=200),
            )
        )
    assets.append(
        Asset(
            asset_tag="PH-3001",
            kind=Asset.Kind.PHONE,
            description="坐席备用手机",
            status=Asset.Status.IN_STOCK,
            purchased_on=today - timedelta(days=100),
        )
    )
    assets.append(
        Asset(
            asset_tag="PR-4001",
            kind=Asset.Kind.PRINTER,
            description="HP LaserJet M404",
            status=Asset.Status.MAINTENANCE,
            purchased_on=today - timedelta(days=900),
        )
    )
    assets.append(
        Asset(
            asset_tag="PC-0999",
            kind=Asset.Kind.COMPUTER,
            description="旧台式机",
            status=Asset.Status.RETIRED,
            retired_on=today - timedelta(days=30),
            retirement_reason="主板故障，维修不经济",
            purchased_on=today - timedelta(days=2000),
        )
    )
    Asset.objects.bulk_create(assets)
    AssetAssignment.objects.bulk_create(
        [AssetAssignment(asset=a, staff=a.assigned_to, assigned_on=a.assigned_on) for a in assets if a.assigned_to]
    )
    printer = next(a for a in assets if a.asset_tag == "PR-4001")
    AssetMaintenance.objects.bulk_create(
        [
            AssetMaintenance(
                asset=printer,
                performed_on=today - timedelta(days=3),
                description="更换定影组件",
                vendor="惠普授权服务商",
                cost=Decimal("680.00"),
            )
        ]
    )
    ctx.say(f"staff: {len(assets)} office assets")
