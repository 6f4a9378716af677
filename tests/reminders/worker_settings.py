"""Settings for the real Celery worker process started by test_worker.py and bench/reminders.py.

The database (DATABASE_URL), the broker (REDIS_URL) and the fake Twilio address come from the environment.
"""

import os

from aftersales.settings_test import *  # noqa: F403

MESSAGING_BACKEND = "twilio"
TWILIO_ACCOUNT_SID = os.environ["FAKE_TWILIO_SID"]
TWILIO_AUTH_TOKEN = os.environ["FAKE_TWILIO_TOKEN"]
TWILIO_FROM_NUMBER = "+15005550006"
TWILIO_API_BASE_URL = os.environ["FAKE_TWILIO_URL"]
PUBLIC_BASE_URL = "http://127.0.0.1:8004"
# The test runs at any hour: no quiet hours, generous caps, a short stale time so the sweeper acts quickly.
REMINDER_QUIET_START = "00:00"
REMINDER_QUIET_END = "00:00"
REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY = 1000
REMINDER_MAX_SAME_TEXT_PER_24H = 1000
REMINDER_SENDING_STALE_SECONDS = int(os.environ.get("REMINDER_SENDING_STALE_SECONDS", "5"))
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
