"""Every staff URL for every role (see tests/rbac_support.py)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from django.utils import timezone

from aftersales import permissions as roles
from tests.rbac_support import ALL_ROLES, ANON, Case, allow, public

_seq = itertools.count(1)
LEADERS = [roles.SUPERVISOR, roles.MANAGER]
STAFF = ALL_ROLES


def _other_agent():
    from staff.services import staff_member_create

    return staff_member_create(username=f"rbac_other_{next(_seq)}", password="x-pass-12345", role=roles.AGENT).user


def make_review():
    from staff.models import PerformanceReview

    return PerformanceReview.objects.create(staff=_other_agent(), month=date(2026, 10, 1))


def make_qa_review():
    from staff.models import QaReview

    return QaReview.objects.create(
        kind="inquiry",
        object_id=next(_seq),
        reference="Q1",
        agent=_other_agent(),
        week=date(2026, 11, 2),
        score=80,
        accuracy=80,
        attitude=80,
        compliance=80,
        timeliness=80,
        reviewed_at=timezone.now(),
    )


def make_survey_token():
    from staff.models import Survey
    from staff.surveys import new_token
    from tests.reminders.factories import make_customer

    survey = Survey.objects.create(
        kind="inquiry",
        object_id=next(_seq),
        reference="I1",
        customer=make_customer(),
        token=new_token(),
        created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=7),
        language="en",
    )
    return survey.token


def only_manager(url_name, *, args=None, ok=200, method="get", data=None) -> Case:
    """Managers see every staff member; a supervisor or agent outside the record's team gets 403."""
    expect = dict.fromkeys(ALL_ROLES, 403)
    expect[roles.MANAGER] = ok
    expect[ANON] = 302
    return Case(url_name, expect, args=args, method=method, data=data or {})


CASES = [
    allow("staff:dashboard", LEADERS),
    allow("staff:dashboard_export", LEADERS),
    allow("staff:records", STAFF, data={"kpi": "sla"}),
    allow("staff:my_kpis", STAFF),
    allow("staff:profile", STAFF),
    only_manager("staff:member", args=lambda: [_other_agent().pk]),
    allow("staff:duty_set", STAFF, method="post", ok=302, data={"on_duty": "1"}),
    allow("staff:on_duty", LEADERS),
    allow("staff:training", STAFF),
    allow("staff:training_new", LEADERS),
    allow("staff:qa_queue", LEADERS),
    only_manager("staff:qa_review", args=lambda: [make_qa_review().pk]),
    allow("staff:callbacks", LEADERS),
    allow("staff:reviews", LEADERS),
    allow("staff:reviews_generate", [roles.MANAGER], method="post", ok=302),
    allow("staff:reviews_export", [roles.MANAGER]),
    allow("staff:scoring", [roles.MANAGER]),
    only_manager("staff:review_detail", args=lambda: [make_review().pk]),
    only_manager(
        "staff:review_comment", args=lambda: [make_review().pk], method="post", ok=302, data={"comment": "ok"}
    ),
    only_manager("staff:review_sign_off", args=lambda: [make_review().pk], method="post", ok=302),
    public("staff:survey", args=lambda: [make_survey_token()]),
]
