"""Every messaging URL for the RBAC matrix (tests/aftersales/test_rbac.py)."""

from tests.rbac_support import ALL_ROLES, ANON, Case


def _unsigned_webhook(name):
    """Provider webhooks: anyone may call them, but without a valid Twilio signature the answer is 403."""
    return Case(name, {**dict.fromkeys(ALL_ROLES, 403), ANON: 403}, method="post", data={"MessageSid": "SMx"})


def _tokenless_push(name):
    """Alibaba Cloud pushes: public, but without the shared receipt token (or the body's HMAC) the answer is 403."""
    return Case(name, {**dict.fromkeys(ALL_ROLES, 403), ANON: 403}, method="post", data={"biz_id": "1"})


CASES = [
    _unsigned_webhook("messaging:webhook_sms_status"),
    _unsigned_webhook("messaging:webhook_call_status"),
    # The hotline number's voice webhooks (#16): Twilio's signature or 403.
    _unsigned_webhook("messaging:voice_incoming"),
    _unsigned_webhook("messaging:voice_dial_status"),
    _unsigned_webhook("messaging:voice_call_status"),
    _tokenless_push("messaging:webhook_aliyun_report"),
    _tokenless_push("messaging:webhook_aliyun_up"),
]
