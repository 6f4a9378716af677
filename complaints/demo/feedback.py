"""Demo suggestions, improvement actions, contingency plans and drills; skipped when suggestions exist."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from complaints.demo.data import BATCH
from complaints.models import ContingencyPlan, Drill, ImprovementAction, Suggestion, SuggestionCategory


@transaction.atomic
def seed_feedback(ctx) -> int:
    """Suggestions, improvement actions, contingency plans and drills."""
    if Suggestion.objects.exists():
        return 0
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
    saved = _seed_suggestions(ctx, now=now, categories=categories, users=users)
    _seed_actions(now=now, users=users, suggestions=saved)
    _seed_plans_and_drills(users=users)
    return len(saved)


def _seed_suggestions(ctx, *, now, categories: dict, users: dict) -> list[Suggestion]:
    """About one suggestion per 50 customers over the last 60 days."""
    rng = ctx.rng
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
    return saved


def _seed_actions(*, now, users: dict, suggestions: list[Suggestion]) -> None:
    """Four improvement actions, linked to the reviewed or actioned suggestions of their category."""
    saved = suggestions
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


def _seed_plans_and_drills(*, users: dict) -> None:
    """The contingency plans and their drills."""
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
