"""Settings for the after-sales service portal, read from the environment.

Development (``DJANGO_DEBUG=1``, what ``make run`` uses) runs on embedded defaults:
SQLite, kombu's filesystem broker and the outbox messaging backend.
Production (``DJANGO_DEBUG`` unset) refuses to start without ``SECRET_KEY`` and
``FIELD_ENCRYPTION_KEYS`` and turns on every transport-security setting.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _dev_secret(name: str, generate) -> str:
    """Return a development secret kept in a git-ignored file, creating it on first use."""
    keys_dir = BASE_DIR / ".dev-keys"
    keys_dir.mkdir(exist_ok=True)
    path = keys_dir / name
    if not path.exists():
        path.write_text(generate())
    return path.read_text().strip()


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default=None) or _dev_secret("secret_key", lambda: secrets.token_urlsafe(50))
    FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or [_dev_secret("field_key", _fernet_key)]
else:
    # No defaults: production must be configured explicitly.
    SECRET_KEY = env("SECRET_KEY")
    FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")

# Keyed hash for exact search on encrypted PII; derived from its own secret when given.
PII_HASH_KEY = env("PII_HASH_KEY", default="") or SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

LOCAL_APPS = [
    "org",
    "aftersales",
    "staff",
    "customers",
    "messaging",
    "loans",
    "inquiries",
    "livechat",
    "reminders",
    "complaints",
]

INSTALLED_APPS = [
    # First: its runserver serves the ASGI application (HTTP and the live-channel WebSockets, #16).
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "channels",
    *LOCAL_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "aftersales.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outermost of what touches the database: turns an outage anywhere below into the 503 page.
    "aftersales.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "aftersales.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Four eyes: a refused approval is audit-logged after its transaction rolled back, and explained.
    "aftersales.approvals.FourEyesRefusalMiddleware",
    "aftersales.middleware.IdleSessionMiddleware",
    "aftersales.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "aftersales.middleware.PublicRateLimitMiddleware",
    # Last: turns a lockout raised by the login backend into the "account locked" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aftersales.urls"
WSGI_APPLICATION = "aftersales.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aftersales.context_processors.portal",
                "aftersales.security.context_processors.session",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, worker and beat share one SQLite file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses locked-out users before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "aftersales.auth_backends.PortalModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Simplified Chinese by default, English on request.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# scripts/messages.py extracts one app into <app>/locale and must not see the project locale.
# The project catalogue first; the security pages' own catalogue fills what it does not translate yet.
LOCALE_PATHS = (
    []
    if env.bool("I18N_APP_EXTRACT", default=False)
    else [BASE_DIR / "locale", BASE_DIR / "aftersales" / "security" / "locale"]
)
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "aftersales.security.storage.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded evidence and attachments live outside the web root and are served by views that check permissions.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Largest evidence file or mail attachment accepted, in bytes.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Staff are signed out after this many seconds without activity.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
# The stored session outlives the idle limit by a working day, so that IdleSessionMiddleware (which enforces
# the limit) still finds it and can tell a returning user why they were signed out.
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS + 8 * 3600
# Idle expiry: IdleSessionMiddleware stamps activity (at most every 30 s), which saves the session and so
# pushes its expiry forward; saving on every request as well would cost each page an UPDATE.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The warning (static/js/session.js) appears this long before an idle session ends.
SESSION_IDLE_WARNING_SECONDS = env.int("SESSION_IDLE_WARNING_SECONDS", default=2 * 60)

# Two-factor sign-in (django-otp TOTP + recovery codes) for managers, supervisors and admin users.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
TWO_FACTOR_ROLES = ["manager", "supervisor"]  # roles (group codes) that must enrol; superusers always must
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="After-sales portal")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
TWO_FACTOR_RECOVERY_CODES = 10  # one-time recovery codes issued at enrolment

# Whether `manage.py flush` may empty the append-only audit log: only the test settings turn it on (the test
# runner flushes between transaction=True tests). Deliberately not read from the environment.
AUDIT_LOG_FLUSH_ALLOWED = False

# Lockout (django-axes): 5 failures for the same user name from the same address lock it for 30 minutes;
# an admin unlocks earlier (Security > Locked sign-ins, or the axes admin). Database handler: works across processes.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "aftersales.security.lockout.client_ip"
AXES_HTTP_RESPONSE_CODE = 403
AXES_VERBOSE = False  # axes would log user names and addresses on every attempt; the audit log records them

# Our own reverse proxies (addresses or CIDR networks, e.g. "127.0.0.1,10.0.0.0/8"): only a request coming from one of
# them has its X-Forwarded-For believed (aftersales.security.client_address). Empty: REMOTE_ADDR only.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# Rate limits on public pages (aftersales.security.ratelimit), per client address.
RATELIMIT_ENABLED = env.bool("RATELIMIT_ENABLED", default=True)
# Sign-in posts: per address and user name, and per address whatever the name (a whole office behind one
# address starts its shift at once; credential stuffing over many names from one address is still capped).
LOGIN_RATE_LIMIT = env("LOGIN_RATE_LIMIT", default="10/m")
LOGIN_ADDRESS_RATE_LIMIT = env("LOGIN_ADDRESS_RATE_LIMIT", default="300/m")
# Public endpoints limited by aftersales.middleware.PublicRateLimitMiddleware: URL name -> (rate, methods or None).
# (inquiries:online limits itself with INQUIRY_ONLINE_RATE.) Webhooks are generous: Twilio posts from few addresses.
PUBLIC_RATE_LIMITS = {
    "complaints:public_new": ("10/h", ["POST"]),
    "staff:survey": ("30/h", ["POST"]),
    "inquiries:sms_webhook": ("600/m", None),
    # Delivery-status webhooks (messaging's; the paths stay /reminders/webhooks/... as providers are configured so).
    "messaging:webhook_sms_status": ("1200/m", None),
    "messaging:webhook_call_status": ("1200/m", None),
}

# Content-Security-Policy (aftersales.middleware.ContentSecurityPolicyMiddleware): no inline scripts anywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# Cache: Redis when configured (shared by all web processes), local memory otherwise.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Resilient: a Redis outage degrades to cache misses (logged) instead of failing the request.
    CACHES = {
        "default": {
            "BACKEND": "aftersales.security.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport, which needs no server
# process and really delivers tasks from the web process and beat to a separate worker process.
# Embedded broker folder (queue/, tmp/, control/, quarantine/); env CELERY_BROKER_DIR, default var/broker.
CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
    }
else:
    # aftersales/broker.py: the filesystem transport with atomic writes (registered by aftersales/celery.py).
    CELERY_BROKER_URL = "atomicfs://"
    for _folder in ("queue", "processed", "tmp", "quarantine", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "tmp_folder": str(CELERY_BROKER_DIR / "tmp"),  # same filesystem as queue/: rename is atomic
        "quarantine_folder": str(CELERY_BROKER_DIR / "quarantine"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),  # kombu's default is ./control
        "store_processed": False,
        "polling_interval": 0.1,  # kombu's 1 s caps a worker at about one task per second per process
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TIMEZONE = TIME_ZONE
# Exactly one beat: the scheduler holds a PostgreSQL advisory lock (a file lock on SQLite); a second beat waits.
CELERY_BEAT_SCHEDULER = "aftersales.security.beat:LockedDatabaseScheduler"
# False: a second beat exits at once instead of waiting for the lock (used by tests and one-shot checks).
BEAT_LOCK_WAIT = env.bool("BEAT_LOCK_WAIT", default=True)
# Publishing from a web request must not hang or fail when the broker is down: one quick retry, then give up
# (the database-driven sweepers enqueue the work again once the broker is back).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Health: the banner warns staff when the worker or beat has been silent this long.
HEARTBEAT_STALE_SECONDS = env.int("HEARTBEAT_STALE_SECONDS", default=5 * 60)

# Email: SMTP in production, the console in development (the portal still records what it sent).
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="service@example.com")

# Inbound mailbox read over IMAP by a periodic task (inquiries).
INQUIRY_IMAP_HOST = env("INQUIRY_IMAP_HOST", default="")
INQUIRY_IMAP_PORT = env.int("INQUIRY_IMAP_PORT", default=993)
INQUIRY_IMAP_USER = env("INQUIRY_IMAP_USER", default="")
INQUIRY_IMAP_PASSWORD = env("INQUIRY_IMAP_PASSWORD", default="")
INQUIRY_IMAP_SSL = env.bool("INQUIRY_IMAP_SSL", default=True)
INQUIRY_IMAP_FOLDER = env("INQUIRY_IMAP_FOLDER", default="INBOX")
# Read messages are moved to this folder when set (empty: they stay, flagged as seen).
INQUIRY_IMAP_DONE_FOLDER = env("INQUIRY_IMAP_DONE_FOLDER", default="")
# Seconds before a silent IMAP server counts as down for this run.
INQUIRY_IMAP_TIMEOUT = env.int("INQUIRY_IMAP_TIMEOUT", default=30)
# The public online form: submissions per client address (django-ratelimit style "count/period").
INQUIRY_ONLINE_RATE = env("INQUIRY_ONLINE_RATE", default="10/h")

# Inquiry SLA (SPEC §5): first response within this many minutes, counted inside the service hours when set
# (e.g. "08:00-20:00"; empty: around the clock). Auto-assign (on by default; INQUIRY_AUTO_ASSIGN=false turns it off)
# gives new and left-unassigned inquiries to the least-loaded on-duty agent under INQUIRY_AGENT_CAPACITY.
# Escalations must be answered by the department within INQUIRY_ESCALATION_HOURS (a department may set its own).
INQUIRY_FIRST_RESPONSE_MINUTES = env.int("INQUIRY_FIRST_RESPONSE_MINUTES", default=10)
INQUIRY_SERVICE_HOURS = env("INQUIRY_SERVICE_HOURS", default="") or None
INQUIRY_AUTO_ASSIGN = env.bool("INQUIRY_AUTO_ASSIGN", default=True)
INQUIRY_ESCALATION_HOURS = env.int("INQUIRY_ESCALATION_HOURS", default=24)
# The queue's tab counts are shared by every agent and kept this long (0 = counted on every request).
INQUIRY_QUEUE_COUNTS_CACHE_SECONDS = env.int("INQUIRY_QUEUE_COUNTS_CACHE_SECONDS", default=2)

# Loans (SPEC §4): the comprehensive annual cost may not exceed LOAN_APR_CAP; an active loan is reviewed at least
# every LOAN_REVIEW_INTERVAL_DAYS.
LOAN_APR_CAP = Decimal(env("LOAN_APR_CAP", default="0.24"))
LOAN_REVIEW_INTERVAL_DAYS = env.int("LOAN_REVIEW_INTERVAL_DAYS", default=90)
# A repayment may be dated this many seconds ahead of the server clock (clock skew), never more.
REPAYMENT_CLOCK_TOLERANCE_SECONDS = env.int("REPAYMENT_CLOCK_TOLERANCE_SECONDS", default=300)

# Messaging: "twilio" when credentials are set, otherwise the outbox that stores and logs.
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
TWILIO_API_BASE_URL = env("TWILIO_API_BASE_URL", default="")  # only for tests against a local fake
MESSAGING_BACKEND = env("MESSAGING_BACKEND", default="twilio" if TWILIO_ACCOUNT_SID else "outbox")
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# Seconds the Twilio SDK waits for the provider before a send counts as failed (and is retried).
TWILIO_HTTP_TIMEOUT = env.int("TWILIO_HTTP_TIMEOUT", default=10)

# Reminders (SPEC §6): no contact in quiet hours (Beijing time), at most N contacts a customer a day, N calls a
# number a day, and the same text at most N times in 24 hours.
REMINDER_QUIET_START = env("REMINDER_QUIET_START", default="21:00")
REMINDER_QUIET_END = env("REMINDER_QUIET_END", default="08:00")
REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY = env.int("REMINDER_MAX_CONTACTS_PER_CUSTOMER_PER_DAY", default=3)
REMINDER_MAX_CALLS_PER_NUMBER_PER_DAY = env.int("REMINDER_MAX_CALLS_PER_NUMBER_PER_DAY", default=6)
REMINDER_MAX_SAME_TEXT_PER_24H = env.int("REMINDER_MAX_SAME_TEXT_PER_24H", default=2)
# A reminder is tried at most this often (provider errors), with exponential back-off from the base delay.
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=8)
REMINDER_RETRY_BASE_SECONDS = env.int("REMINDER_RETRY_BASE_SECONDS", default=10)
# A reminder left "sending" this long (a worker died mid-send) is picked up again by the sweep.
REMINDER_SENDING_STALE_SECONDS = env.int("REMINDER_SENDING_STALE_SECONDS", default=120)
# Celery queue for reminder sends (empty: the default queue).
REMINDER_QUEUE = env("REMINDER_QUEUE", default="") or None

# Complaints (SPEC §7): this many complaints about the same subject within the window open a mass-complaint incident.
COMPLAINT_MASS_THRESHOLD = env.int("COMPLAINT_MASS_THRESHOLD", default=5)
COMPLAINT_MASS_WINDOW_HOURS = env.int("COMPLAINT_MASS_WINDOW_HOURS", default=24)
# Anonymous complaints from the public form count toward mass-complaint detection only once matched to a
# customer or acknowledged by an agent; True counts them at once (a stranger could then raise incidents).
COMPLAINT_MASS_COUNT_UNVERIFIED = env.bool("COMPLAINT_MASS_COUNT_UNVERIFIED", default=False)

# Staff (SPEC §8): the share of answered inquiries sampled for QA; how long a survey link stays valid.
QA_SAMPLE_RATE = Decimal(env("QA_SAMPLE_RATE", default="0.05"))
SURVEY_VALID_DAYS = env.int("SURVEY_VALID_DAYS", default=7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_REFERRER_POLICY = "same-origin"
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# ---- escalations (#15) ----
# Hours before an escalation's deadline when the department and the supervisor are alerted (once, by the beat task).
INQUIRY_ESCALATION_ALERT_HOURS = env.int("INQUIRY_ESCALATION_ALERT_HOURS", default=2)

# ---- ownership (#15) ----
# An agent with this many open inquiries waiting on them (unanswered, or the customer wrote again) gets no more.
INQUIRY_AGENT_CAPACITY = env.int("INQUIRY_AGENT_CAPACITY", default=8)
# A customer's follow-up on an answered or resolved inquiry must be answered within this many minutes (service hours
# counted as for the first response).
INQUIRY_NEXT_RESPONSE_MINUTES = env.int("INQUIRY_NEXT_RESPONSE_MINUTES", default=10)
# Inquiries the minute sweeper assigns or moves off off-duty agents per run (the rest wait for the next minute).
INQUIRY_SWEEP_BATCH = env.int("INQUIRY_SWEEP_BATCH", default=200)
# An SMS from a number whose inquiry was resolved less than this many days ago reopens it (0: always a new inquiry).
INQUIRY_REOPEN_DAYS = env.int("INQUIRY_REOPEN_DAYS", default=7)

# ---- documents (#17) ----
# The company named on every PDF document (certificates, letters, agreements): Chinese documents use COMPANY_NAME,
# the others COMPANY_NAME_EN. The defaults are demo placeholders; set the licensed company's registered names.
COMPANY_NAME = env("COMPANY_NAME", default="示例小额贷款有限公司")
COMPANY_NAME_EN = env("COMPANY_NAME_EN", default="Example Microcredit Co., Ltd.")

# ---- exports (#17, exports and feedback) ----
# A list export with more rows than this is written by the worker (progress bar, download link when done);
# shorter ones download at once (about 10,000 rows a second are written).
EXPORT_BACKGROUND_ROWS = env.int("EXPORT_BACKGROUND_ROWS", default=20000)

# ---- names and words (#17) ----
# CNY per US dollar for showing provider prices reported in USD (Twilio) next to a CNY view; display only, never booked.
USD_CNY_RATE = Decimal(env("USD_CNY_RATE", default="7.20"))

# ---- messaging and live channels (#15, #16): aftersales/settings_channels.py ----
from aftersales.settings_channels import *  # noqa: E402,F403
from aftersales.settings_channels import CHANNELS_RATE_LIMITS  # noqa: E402

PUBLIC_RATE_LIMITS = {**PUBLIC_RATE_LIMITS, **CHANNELS_RATE_LIMITS}
