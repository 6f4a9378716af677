"""The first-response deadline: 10 minutes, counted only inside service hours, in Asia/Shanghai."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from inquiries.sla import first_response_due, parse_service_hours, within_service_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = "08:00-21:00"


def at(y, mo, d, h, mi, s=0):
    return datetime(y, mo, d, h, mi, s, tzinfo=SHANGHAI)


def test_received_at_2055_is_due_at_0805_next_day():
    # given service hours 08:00–21:00: 5 minutes run before closing, the other 5 after opening
    # when / then
    assert first_response_due(at(2026, 11, 27, 20, 55), minutes=10, service_hours=HOURS) == at(2026, 11, 28, 8, 5)


def test_received_at_0300_is_due_at_0810():
    assert first_response_due(at(2026, 11, 28, 3, 0), minutes=10, service_hours=HOURS) == at(2026, 11, 28, 8, 10)


def test_received_inside_hours_is_due_ten_minutes_later():
    assert first_response_due(at(2026, 11, 28, 14, 7, 30), minutes=10, service_hours=HOURS) == at(
        2026, 11, 28, 14, 17, 30
    )


def test_around_the_clock_adds_ten_minutes_even_at_night():
    assert first_response_due(at(2026, 11, 28, 23, 55), minutes=10, service_hours=None) == at(2026, 11, 29, 0, 5)


def test_received_after_closing_on_new_years_eve_crosses_the_year():
    assert first_response_due(at(2026, 12, 31, 22, 30), minutes=10, service_hours=HOURS) == at(2027, 1, 1, 8, 10)


def test_utc_input_is_read_in_shanghai_time():
    # 12:55 UTC is 20:55 in Shanghai (UTC+8, no daylight saving)
    received = datetime(2026, 11, 27, 12, 55, tzinfo=ZoneInfo("UTC"))
    assert first_response_due(received, minutes=10, service_hours=HOURS) == at(2026, 11, 28, 8, 5)


def test_window_past_midnight():
    # given a night shift 20:00–02:00, received 01:55: 5 minutes left tonight, 5 from 20:00
    assert first_response_due(at(2026, 11, 28, 1, 55), minutes=10, service_hours="20:00-02:00") == at(
        2026, 11, 28, 20, 5
    )


def test_lunch_break_between_two_windows():
    assert first_response_due(at(2026, 11, 28, 11, 58), minutes=10, service_hours="08:00-12:00,13:00-21:00") == at(
        2026, 11, 28, 13, 8
    )


def test_settings_are_read_at_call_time(settings):
    settings.INQUIRY_FIRST_RESPONSE_MINUTES = 15
    settings.INQUIRY_SERVICE_HOURS = HOURS
    assert first_response_due(at(2026, 11, 27, 20, 55)) == at(2026, 11, 28, 8, 10)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError):
        first_response_due(datetime(2026, 11, 28, 10, 0), service_hours=None)


def test_bad_service_hours_are_refused():
    with pytest.raises(ValueError):
        parse_service_hours("08:00-08:00")


moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)).map(
    lambda d: d.replace(tzinfo=SHANGHAI)
)


@hsettings(max_examples=300, deadline=None)
@given(received=moments, minutes=st.integers(min_value=1, max_value=24 * 60))
def test_due_is_inside_service_hours_and_never_early(received, minutes):
    due = first_response_due(received, minutes=minutes, service_hours=HOURS)
    assert within_service_hours(due, service_hours=HOURS)
    assert due >= received + timedelta(minutes=minutes)
    local = due.astimezone(SHANGHAI)
    assert (8, 0) <= (local.hour, local.minute) <= (21, 0)


@hsettings(max_examples=200, deadline=None)
@given(received=moments)
def test_due_inside_hours_with_the_default_ten_minutes(received):
    due = first_response_due(received, minutes=10, service_hours=HOURS)
    assert due >= received + timedelta(minutes=10)
    assert within_service_hours(due, service_hours=HOURS)


# ---- the live chat's own rule (#16) ----


def test_a_live_chat_is_due_after_the_chat_seconds_not_the_minutes(settings):
    # given the chat rule of 60 seconds beside the 10-minute rule, and service hours that would stop a clock at 21:00
    settings.LIVECHAT_FIRST_RESPONSE_SECONDS = 60
    settings.INQUIRY_FIRST_RESPONSE_MINUTES = 10
    settings.INQUIRY_SERVICE_HOURS = HOURS
    # when / then: a chat at 20:59:30 is due 60 s later (chats run only while service is open)
    assert first_response_due(at(2026, 11, 28, 20, 59, 30), channel="chat") == at(2026, 11, 28, 21, 0, 30)
    # and every other channel keeps the minutes rule with its service-hours clock
    assert first_response_due(at(2026, 11, 28, 20, 59, 30), channel="online") == at(2026, 11, 29, 8, 9, 30)


def test_the_chat_rule_follows_its_setting(settings):
    settings.LIVECHAT_FIRST_RESPONSE_SECONDS = 45
    assert first_response_due(at(2026, 11, 28, 10, 0), channel="chat", service_hours=None) == at(
        2026, 11, 28, 10, 0, 45
    )


def test_service_opens_at_is_the_next_window_start_or_now():
    from inquiries.sla import service_opens_at

    assert service_opens_at(at(2026, 11, 28, 22, 15), service_hours=HOURS) == at(2026, 11, 29, 8, 0)
    assert service_opens_at(at(2026, 11, 28, 3, 0), service_hours=HOURS) == at(2026, 11, 28, 8, 0)
    assert service_opens_at(at(2026, 11, 28, 9, 30), service_hours=HOURS) == at(2026, 11, 28, 9, 30)
    assert service_opens_at(at(2026, 11, 28, 23, 0), service_hours=None) == at(2026, 11, 28, 23, 0)
