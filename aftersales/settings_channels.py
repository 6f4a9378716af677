"""Settings of the outbound gateway and the live channels: SMS providers, the contact policy, the channel layer,
inbound calls and online chat (#15, #16). Star-imported by aftersales/settings.py, which merges CHANNELS_RATE_LIMITS
into PUBLIC_RATE_LIMITS; the code reads them from django.conf.settings like every other setting.
"""

from __future__ import annotations

import environ

env = environ.Env()
_REDIS_URL = env("REDIS_URL", default="")

# The public endpoints' rate limits declared here (webhooks, the chat's start page), merged by settings.py.
CHANNELS_RATE_LIMITS: dict = {}

# ---- domestic SMS (#15) ----
# Alibaba Cloud SMS (dysmsapi 2017-05-25), selected with MESSAGING_BACKEND="aliyun".
# The RAM user's AccessKey id (needs dysms:SendSms, dysms:QuerySendDetails); empty: sends fail ("config", transient).
ALIYUN_SMS_ACCESS_KEY_ID = env("ALIYUN_SMS_ACCESS_KEY_ID", default="")
# Its AccessKey secret (signs every API request; never in code).
ALIYUN_SMS_ACCESS_KEY_SECRET = env("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
# The approved signature (签名) shown as 【…】 before every message.
ALIYUN_SMS_SIGN_NAME = env("ALIYUN_SMS_SIGN_NAME", default="")
# The API endpoint with its scheme; tests point it at the fake on http://127.0.0.1:<port>.
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com")
# Shared secret for the receipt pushes (SmsReport / SmsUp): the push URL carries ?token=<it>, or a relay signs the
# body with X-Aliyun-Sms-Signature: hex HMAC-SHA256. Empty: every push is refused.
ALIYUN_SMS_RECEIPT_TOKEN = env("ALIYUN_SMS_RECEIPT_TOKEN", default="")
# Seconds to wait for the API, connecting and reading each.
ALIYUN_SMS_TIMEOUT = env.int("ALIYUN_SMS_TIMEOUT", default=10)

# ---- contact policy (#15) ----
# The contact policy's figures are the REMINDER_QUIET_* / REMINDER_MAX_* settings above: they apply to every proactive
# message (messaging.policy), not only reminders.
# The provider template code of the SMS confirming an opt-out (template-based providers such as Alibaba Cloud need
# one; empty: the outbox and Twilio send the text).
MESSAGING_OPT_OUT_CONFIRMATION_TEMPLATE = env("MESSAGING_OPT_OUT_CONFIRMATION_TEMPLATE", default="")
# Surveys sent per run of the survey task (every 5 minutes): a burst of resolutions is spread over the day.
SURVEY_SEND_PER_RUN = env.int("SURVEY_SEND_PER_RUN", default=20)
# Rate limits of the Alibaba Cloud receipt pushes (SmsReport, SmsUp): generous, the provider posts in batches.
CHANNELS_RATE_LIMITS |= {
    "messaging:webhook_aliyun_report": ("600/m", None),
    "messaging:webhook_aliyun_up": ("600/m", None),
}

# ---- live channels (#16) ----
# The ASGI application (HTTP and WebSockets); Django Channels' layer carries live events between processes: Redis when
# REDIS_URL is set (production, CI's second run), in process memory otherwise (the embedded demo, `make test`).
ASGI_APPLICATION = "aftersales.asgi.application"
# The Redis layer is channels_redis' Pub/Sub layer: a group send is one PUBLISH, each process reads one subscription
# (bench/chat_load.py at 200 chats: p50 66 ms against 13 s with the list-based RedisChannelLayer, whose per-process
# queue costs four round trips per message received under one lock for all the process's sockets). Its connections
# have no read timeout (redis-py 8 reads with 5 s: quiet sockets were closed, django/channels_redis#422) and room
# for every socket's concurrent call (redis-py's pool refuses the 101st connection: "Too many connections").
if _REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": _REDIS_URL, "socket_timeout": None, "max_connections": 1000}],
                "prefix": env("CHANNEL_LAYER_PREFIX", default="aftersales"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Threads per web process for the chat sockets' database calls under PostgreSQL, each keeping its own connection
# (livechat.consumers); 0: channels' one shared thread with a new connection per call (always so under SQLite).
LIVECHAT_DB_THREADS = env.int("LIVECHAT_DB_THREADS", default=8)

# ---- inbound calls (#16) ----
# A missed or abandoned call to the hotline owes the customer a callback within this many minutes.
INBOUND_CALLBACK_MINUTES = env.int("INBOUND_CALLBACK_MINUTES", default=30)
# A call continues the caller's open hotline inquiry received within this many hours; older ones get a new inquiry.
INBOUND_CALL_CONTINUE_HOURS = env.int("INBOUND_CALL_CONTINUE_HOURS", default=24)
# How long the agent's phone or browser rings (seconds) before the call counts as missed.
INBOUND_DIAL_TIMEOUT_SECONDS = env.int("INBOUND_DIAL_TIMEOUT_SECONDS", default=20)
# An agent's browser phone (Twilio Client identity) is this prefix + username; a profile's work phone is dialled instead.
INBOUND_CLIENT_IDENTITY_PREFIX = env("INBOUND_CLIENT_IDENTITY_PREFIX", default="staff-")
# Rate limits of the voice webhooks (the hotline number's incoming-call, dial-result and call-status URLs).
CHANNELS_RATE_LIMITS |= {
    "messaging:voice_incoming": ("600/m", None),
    "messaging:voice_dial_status": ("600/m", None),
    "messaging:voice_call_status": ("1200/m", None),
}

# ---- online chat (#16) ----
# A live chat's first answer is due after N seconds (inquiries.sla); a chat without a customer window for N seconds
# becomes an inquiry answered by SMS (livechat.beat); an optional SMS code (valid N minutes) confirms the mobile.
LIVECHAT_FIRST_RESPONSE_SECONDS = env.int("LIVECHAT_FIRST_RESPONSE_SECONDS", default=60)
LIVECHAT_ABANDON_SECONDS = env.int("LIVECHAT_ABANDON_SECONDS", default=120)
LIVECHAT_CONFIRM_MOBILE = env.bool("LIVECHAT_CONFIRM_MOBILE", default=False)
LIVECHAT_CODE_MINUTES = env.int("LIVECHAT_CODE_MINUTES", default=10)
# The longest message (characters) and the messages per minute of one chat window (both sides).
LIVECHAT_MESSAGE_MAX_CHARS = env.int("LIVECHAT_MESSAGE_MAX_CHARS", default=1000)
LIVECHAT_MESSAGES_PER_MINUTE = env.int("LIVECHAT_MESSAGES_PER_MINUTE", default=30)
CHANNELS_RATE_LIMITS |= {
    "livechat:start": (env("LIVECHAT_START_RATE", default="10/h"), ["POST"]),
    "livechat:send_code": ("5/h", ["POST"]),
}
# Websites (origins such as https://www.example.com) whose pages may frame the chat window (livechat-embed.js).
LIVECHAT_EMBED_ORIGINS = env.list("LIVECHAT_EMBED_ORIGINS", default=[])
