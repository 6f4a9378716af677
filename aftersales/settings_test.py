"""Test settings: the real settings with a fast hasher, in-memory mail and eager-free Celery."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from aftersales.settings import *  # noqa: E402,F403
from aftersales.settings import DATABASES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
MESSAGING_BACKEND = "outbox"
TWILIO_ACCOUNT_SID = ""
TWILIO_AUTH_TOKEN = ""
INQUIRY_SERVICE_HOURS = None
INQUIRY_AUTO_ASSIGN = False
INQUIRY_QUEUE_COUNTS_CACHE_SECONDS = 0  # exact counts; tests/inquiries/test_queue.py turns the cache on
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests use an in-memory database; WAL and IMMEDIATE transactions are for the shared dev file.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Security features that would get in the way of other apps' tests (force_login, client.login without a
# request, repeated posts); tests/security turns each one on with the `settings` fixture.
TWO_FACTOR_REQUIRED = False
AXES_ENABLED = False
RATELIMIT_ENABLED = False
# The test runner's flush between transaction=True tests may empty the audit log (aftersales/append_only.py).
AUDIT_LOG_FLUSH_ALLOWED = True
