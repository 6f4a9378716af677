"""Demo data orchestration: staff and logins here, then each app's `<app>/demo.py` in dependency order.

Every app's `seed(ctx)` must be idempotent (running `seed_demo` twice adds nothing twice) and use bulk inserts.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.db import transaction

from aftersales import permissions as roles

DEMO_PASSWORD = "demo-pass-2026"

# (username, role, first name, last name). The first of each role is the one printed as "the" demo login.
DEMO_USERS = [
    ("agent", roles.AGENT, "晓明", "王"),
    ("supervisor", roles.SUPERVISOR, "丽", "陈"),
    ("manager", roles.MANAGER, "建国", "李"),
    ("risk", roles.RISK_ASSESSOR, "芳", "张"),
    ("legal", roles.LEGAL_ADVISOR, "强", "刘"),
    ("backoffice", roles.BACK_OFFICE, "静", "杨"),
    ("finance", roles.FINANCE, "秀英", "孙"),
]
EXTRA_AGENTS = [("agent2", "伟", "赵"), ("agent3", "敏", "黄"), ("agent4", "磊", "周"), ("agent5", "婷", "吴")]

# Apps seeded after staff, in dependency order.
DEMO_APPS = ["customers", "loans", "reminders", "inquiries", "livechat", "complaints", "staff"]


@dataclass
class DemoContext:
    customers: int
    stdout: TextIO
    rng: random.Random = field(default_factory=lambda: random.Random(20261128))
    extra: dict[str, Any] = field(default_factory=dict)

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")


@transaction.atomic
def seed_staff(ctx: DemoContext) -> None:
    """Departments, teams and one demo login per role (plus a few more agents)."""
    from org.models import Department, StaffProfile, Team
    from staff.services import staff_member_create

    departments = {}
    for code, name, hours in [
        ("service", "客户服务部", 24),
        ("risk", "风险管理部", 24),
        ("legal", "法务部", 24),
        ("finance", "财务部", 24),
        ("operations", "运营部", 24),
    ]:
        departments[code], _ = Department.objects.get_or_create(
            code=code, defaults={"name": name, "escalation_hours": hours}
        )
    team_a, _ = Team.objects.get_or_create(name="热线一组", defaults={"department": departments["service"]})
    team_b, _ = Team.objects.get_or_create(name="热线二组", defaults={"department": departments["service"]})
    User = get_user_model()
    existing = set(
        User.objects.filter(username__in=[u[0] for u in DEMO_USERS] + [a[0] for a in EXTRA_AGENTS]).values_list(
            "username", flat=True
        )
    )
    dept_for_role = {
        roles.AGENT: departments["service"],
        roles.SUPERVISOR: departments["service"],
        roles.MANAGER: departments["service"],
        roles.RISK_ASSESSOR: departments["risk"],
        roles.LEGAL_ADVISOR: departments["legal"],
        roles.BACK_OFFICE: departments["operations"],
        roles.FINANCE: departments["finance"],
    }
    created = 0
    for username, role, first, last in DEMO_USERS:
        if username in existing:
            continue
        staff_member_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            first_name=first,
            last_name=last,
            email=f"{username}@example.com",
            department=dept_for_role[role],
            team=team_a if role in (roles.AGENT, roles.SUPERVISOR) else None,
            work_phone="+86 10 8888 0000",
            on_duty=role in (roles.AGENT, roles.SUPERVISOR),
        )
        created += 1
    for i, (username, first, last) in enumerate(EXTRA_AGENTS):
        if username in existing:
            continue
        staff_member_create(
            username=username,
            password=DEMO_PASSWORD,
            role=roles.AGENT,
            first_name=first,
            last_name=last,
            email=f"{username}@example.com",
            department=departments["service"],
            team=team_a if i % 2 else team_b,
            on_duty=i < 2,
        )
        created += 1
    supervisor = User.objects.get(username="supervisor")
    Team.objects.filter(supervisor__isnull=True).update(supervisor=supervisor)
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser("admin", "admin@example.com", DEMO_PASSWORD)
        StaffProfile.objects.create(user=admin, role=roles.BACK_OFFICE, department=departments["operations"])
        created += 1
    ctx.say(f"staff: {created} new demo users")


def seed_all(*, customers: int, stdout: TextIO) -> None:
    """Seed staff, then every app that has a demo module."""
    ctx = DemoContext(customers=customers, stdout=stdout)
    seed_staff(ctx)
    modules = []
    for app in DEMO_APPS:
        try:
            module = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.demo":
                raise
            continue
        module.seed(ctx)
        modules.append(module)
    # Second pass, once every app has its rows: derived data that reads other apps' demo records
    # (the loans' risk signals come from the inquiries and complaints seeded after the loans).
    for module in modules:
        finish = getattr(module, "finish", None)
        if finish is not None:
            finish(ctx)
