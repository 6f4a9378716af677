"""Deadlines: business days on the holiday calendar, the 15-day decision, extensions, timeliness."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints import services
from complaints.deadlines import BusinessCalendar, acknowledge_due_date, decision_due_date
from complaints.models import CalendarDay, Complaint
from tests.complaints.factories import make_complaint

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SH)


@pytest.fixture
def national_day(db):
    # given: the 2026 National Day holiday Thu 1 – Wed 7 October, with Sat 10 October worked (调休)
    for day in range(1, 8):
        CalendarDay.objects.create(date=date(2026, 10, day), kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    CalendarDay.objects.create(date=date(2026, 10, 10), kind=CalendarDay.Kind.WORKDAY, name="国庆节调休")


def test_friday_before_a_holiday_is_acknowledged_by_the_next_working_day(national_day):
    # given: Friday 18 September 2026, with Monday 21 September a public holiday
    CalendarDay.objects.create(date=date(2026, 9, 21), kind=CalendarDay.Kind.HOLIDAY, name="test holiday")
    # when
    complaint = make_complaint(received_at=at(2026, 9, 18, 16, 30))
    # then: Sat, Sun off, Mon holiday → Tuesday 22 September, end of day, Beijing time
    assert complaint.acknowledge_due == datetime(2026, 9, 22, 23, 59, 59, tzinfo=SH)
    # and the decision is due 15 calendar days after receipt: Saturday 3 October is inside the holiday,
    # so the period ends on the next working day, Thursday 8 October
    assert complaint.decision_due.astimezone(SH).date() == date(2026, 10, 8)


def test_received_the_day_before_national_day_acknowledged_after_it(national_day):
    # when: received Wednesday 30 September (the holiday runs 1–7 October)
    complaint = make_complaint(received_at=at(2026, 9, 30, 9))
    # then: next working day is Thursday 8 October
    assert complaint.acknowledge_due.astimezone(SH).date() == date(2026, 10, 8)


def test_worked_weekend_day_counts_as_a_business_day(national_day):
    # given: received Friday 9 October; Saturday 10 October is a working day (调休)
    complaint = make_complaint(received_at=at(2026, 10, 9, 11))
    # then
    assert complaint.acknowledge_due.astimezone(SH).date() == date(2026, 10, 10)


def test_fifteen_day_decision_date_on_an_ordinary_day(db):
    # given: received Monday 2 November 2026; +15 days = Tuesday 17 November (a working day)
    complaint = make_complaint(received_at=at(2026, 11, 2, 14))
    # then
    assert complaint.decision_due == datetime(2026, 11, 17, 23, 59, 59, tzinfo=SH)
    assert complaint.acknowledge_due == datetime(2026, 11, 3, 23, 59, 59, tzinfo=SH)


def _walk_to_decided(complaint, user, when):
    with time_machine.travel(when, tick=False):
        services.complaint_decide(complaint=complaint, actor=user, decision_text="Refund", remedy="apology")
        complaint, notice = services.complaint_inform(complaint=complaint, actor=user)
    assert notice.status == "sent"
    return Complaint.objects.get(pk=complaint.pk)


def test_decided_on_day_15_is_on_time_and_day_16_is_late(agent):
    # given: two complaints received Monday 2 November 2026 (due Tuesday 17 November)
    on_time = make_complaint(received_at=at(2026, 11, 2, 9))
    late = make_complaint(received_at=at(2026, 11, 2, 9))
    for c in (on_time, late):
        with time_machine.travel(at(2026, 11, 2, 10), tick=False):
            services.complaint_acknowledge(complaint=c, actor=agent)
    # when: one decided and told on day 15 at 18:00, the other on day 16 at 09:00
    on_time = _walk_to_decided(on_time, agent, at(2026, 11, 17, 18))
    late = _walk_to_decided(late, agent, at(2026, 11, 18, 9))
    # then
    assert on_time.on_time is True
    assert late.on_time is False


def test_supervisor_extends_to_30_days_and_manager_a_further_30(supervisor, manager, agent):
    # given: received Monday 2 November 2026
    complaint = make_complaint(received_at=at(2026, 11, 2, 9))
    # when: the supervisor extends (on a weekday at 11:00: the notice SMS is not held by the quiet hours)
    with time_machine.travel(at(2026, 11, 10, 11), tick=False):
        extension, notice = services.complaint_extend(
            complaint=complaint, actor=supervisor, reason="Need call recordings"
        )
    complaint.refresh_from_db()
    # then: 2 Nov + 30 = Wednesday 2 December; the reason went to the customer
    assert complaint.decision_due.astimezone(SH).date() == date(2026, 12, 2)
    assert complaint.extension_level == 1
    assert extension.previous_due.astimezone(SH).date() == date(2026, 11, 17)
    assert notice.status == "sent" and "Need call recordings" in notice.body
    # when: a manager extends again: 2 Nov + 60 = Friday 1 January 2027
    services.complaint_extend(complaint=complaint, actor=manager, reason="Court order pending")
    complaint.refresh_from_db()
    assert complaint.decision_due.astimezone(SH).date() == date(2027, 1, 1)
    # then a third extension is refused
    with pytest.raises(ValidationError):
        services.complaint_extend(complaint=complaint, actor=manager, reason="More")


def test_agent_cannot_extend_and_supervisor_cannot_extend_twice(agent, supervisor):
    complaint = make_complaint(received_at=at(2026, 11, 2, 9))
    with pytest.raises(PermissionDenied):
        services.complaint_extend(complaint=complaint, actor=agent, reason="x")
    services.complaint_extend(complaint=complaint, actor=supervisor, reason="Complex")
    with pytest.raises(PermissionDenied):
        services.complaint_extend(complaint=complaint, actor=supervisor, reason="Even more complex")


def test_extension_needs_a_reason(supervisor):
    complaint = make_complaint(received_at=at(2026, 11, 2, 9))
    with pytest.raises(ValidationError):
        services.complaint_extend(complaint=complaint, actor=supervisor, reason="   ")


def test_daily_sweep_marks_missed_decisions_late_once(agent):
    # given: received 2 November, nothing decided by 17 November
    complaint = make_complaint(received_at=at(2026, 11, 2, 9), assigned_to=agent)
    services.complaint_acknowledge(complaint=complaint, actor=agent)
    # when: the sweep runs on 18 November, twice
    first = services.complaint_deadlines_sweep(now=at(2026, 11, 18, 7, 30))
    second = services.complaint_deadlines_sweep(now=at(2026, 11, 18, 7, 30))
    # then
    complaint.refresh_from_db()
    assert complaint.on_time is False
    assert first["marked_late"] == 1 and second["marked_late"] == 0
    assert agent.notifications.count() == 1


@given(
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    holidays=st.sets(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 3, 31)), max_size=20),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_deadlines_always_land_on_business_days_after_receipt(start, holidays):
    calendar = BusinessCalendar(holidays=frozenset(holidays))
    ack = acknowledge_due_date(start, calendar)
    decision = decision_due_date(start, calendar)
    assert ack > start and calendar.is_business_day(ack)
    assert calendar.is_business_day(decision) and (decision - start).days >= 15
    assert decision_due_date(start, calendar, 1) >= decision
