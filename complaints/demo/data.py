"""Demo data of the complaints app: staff names, the 2026 calendar, root causes, categories, texts and the
weights of states, sources and categories; and the reference data (calendar, root causes, suggestion categories)."""

from __future__ import annotations

from datetime import date, timedelta

from complaints.models import CalendarDay, Complaint, RootCause, SuggestionCategory

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
