"""Alibaba Cloud SMS (dysmsapi 2017-05-25) through its real SDK: approved templates only, mainland numbers only.

Sending: `SendSms` with PhoneNumbers (11 digits, no +86), SignName (settings), TemplateCode (the message template's
provider code) and TemplateParam (a JSON object of strings). The free text `body` never leaves the portal: a
template-based provider cannot send it, so a message without a template code is refused (permanent).

Errors: the API answers business refusals with HTTP 200 and a `Code` other than "OK". Flow control, throttling,
`isp.*` (the provider's own faults), 5xx, connection errors and time-outs are TransientSendError; a bad number,
a template or signature not approved, bad parameters, bad credentials and other `isv.*` are PermanentSendError.
A time-out may still have created the message: the error carries `code="timeout"` and the caller looks the
message up (`find_sent`, via QuerySendDetails and the OutId we put on every send) before it sends again.

Receipts: Alibaba posts batches of JSON to the URLs set in its console (SmsReport: delivery reports; SmsUp: the
customers' replies). The provider does not sign them, so the URL carries a shared secret (`?token=`, the setting
ALIYUN_SMS_RECEIPT_TOKEN) — or a relay in front signs the raw body with HMAC-SHA256 in `X-Aliyun-Sms-Signature`.
A push with neither, or a wrong one, is refused (None: the view answers 403). It expects `{"code": 0}` back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests
from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi_models
from darabonba.exceptions import ResponseException
from darabonba.runtime import RuntimeOptions
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from Tea.exceptions import TeaException

from customers.api import mask_mobile, normalize_mainland_mobile
from messaging.backends.base import BaseBackend, PermanentSendError, SendResult, StatusUpdate, TransientSendError

logger = logging.getLogger("messaging.aliyun")

# The provider's clock for SendTime / ReportTime and QuerySendDetails' SendDate.
BEIJING = ZoneInfo("Asia/Shanghai")
# Refusals worth retrying: flow control per number or account, throttling, the provider's own faults,
# an account short of balance (topped up, the same message goes out).
TRANSIENT_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL",
    "isv.DAY_LIMIT_CONTROL",
    "isv.AMOUNT_NOT_ENOUGH",
    "isv.OUT_OF_SERVICE",
    "Throttling",
    "Throttling.User",
    "Throttling.Api",
    "ServiceUnavailable",
    "InternalError",
}
# Refusals that no retry fixes: the number, the template, the signature, the parameters, the account.
PERMANENT_CODES = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.SMS_SIGN_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.TEMPLATE_PARAMS_ILLEGAL",
    "isv.INVALID_JSON_PARAM",
    "isv.INVALID_PARAMETERS",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.ACCOUNT_NOT_EXISTS",
    "isv.ACCOUNT_ABNORMAL",
    "isv.PRODUCT_UN_SUBSCRIPT",
    "isv.PRODUCT_UNSUBSCRIBE",
    "InvalidAccessKeyId.NotFound",
    "SignatureDoesNotMatch",
    "Forbidden.RAM",
}
# Replies that the provider itself acts on: the number is blocked for our signature from then on.
PROVIDER_UNSUBSCRIBE_WORDS = {"TD", "T", "N", "退订"}
SIGNATURE_HEADER = "X-Aliyun-Sms-Signature"
MAX_PUSH_BYTES = 1_000_000  # a batch holds at most a few hundred reports of ~300 bytes
# Alibaba limits each template variable's value (35 characters for most variable types).
MAX_PARAM_LENGTH = 35


@dataclass(frozen=True)
class UpMessage:
    """One customer SMS sent to our signature (from the SmsUp push)."""

    phone: str  # E.164, +86…
    content: str
    received_at: datetime | None
    sign_name: str = ""
    dest_code: str = ""
    sequence_id: str = ""


@dataclass(frozen=True)
class OptOutEvent:
    """The provider blocked this number for our signature (a "TD" / "退订" reply): record the SMS opt-out."""

    phone: str  # E.164, +86…
    keyword: str
    received_at: datetime | None
    channel: str = "sms"
    provider: str = "aliyun"
    provider_ref: str = ""  # the up message's sequence_id


def mainland_digits(number: str) -> str:
    """The 11-digit form the provider wants (13812345678) of a mainland mobile; PermanentSendError otherwise."""
    try:
        return normalize_mainland_mobile(number)[3:]
    except ValidationError:
        raise PermanentSendError("not a mainland mobile number", code="number") from None


def template_param_json(params: dict | None) -> str:
    """TemplateParam: the values as strings (the provider rejects numbers), compact, Chinese kept as is."""
    values = {}
    for key, value in (params or {}).items():
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        if len(text) > MAX_PARAM_LENGTH:
            raise PermanentSendError(f"template parameter {key!r} is too long", code="isv.PARAM_LENGTH_LIMIT")
        values[str(key)] = text
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def classify(code: str, message: str = "", *, status: int = 200) -> TransientSendError | PermanentSendError:
    """The error to raise for a provider refusal `code` (HTTP `status`)."""
    text = f"{code}: {message}"[:200]
    if code in TRANSIENT_CODES or code.startswith("isp.") or code.startswith("Throttling") or status >= 500:
        return TransientSendError(text, code=code)
    if code in PERMANENT_CODES or code.startswith("isv.") or 400 <= status < 500:
        return PermanentSendError(text, code=code)
    return TransientSendError(text, code=code or str(status))


def _transport_error(exc: BaseException) -> TransientSendError:
    """A request that got no answer: `connection` when it never reached the provider, else `timeout` (it may have
    created the message: the caller looks it up before sending again)."""
    chain, cause = [], exc
    while cause is not None and len(chain) < 6:
        chain.append(cause)
        cause = getattr(cause, "inner_exception", None) or cause.__cause__ or cause.__context__
    for item in chain:
        never_sent = isinstance(item, requests.ConnectTimeout) or (
            isinstance(item, requests.ConnectionError)
            and not isinstance(item, requests.Timeout)
            and "aborted" not in str(item).lower()
        )
        if never_sent:
            return TransientSendError(f"connection: {item.__class__.__name__}", code="connection")
    return TransientSendError(f"no answer from the provider: {chain[-1].__class__.__name__}", code="timeout")


def _beijing_time(value) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    except ValueError:
        return None


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


class Backend(BaseBackend):
    name = "aliyun"
    supports_voice = False

    def __init__(self) -> None:
        self.client = None
        key_id, secret = settings.ALIYUN_SMS_ACCESS_KEY_ID, settings.ALIYUN_SMS_ACCESS_KEY_SECRET
        if not (key_id and secret):
            return  # never let the SDK look for credentials elsewhere (environment, instance metadata)
        endpoint = urlsplit(settings.ALIYUN_SMS_ENDPOINT)
        timeout_ms = settings.ALIYUN_SMS_TIMEOUT * 1000
        config = openapi_models.Config(
            access_key_id=key_id,
            access_key_secret=secret,
            endpoint=endpoint.netloc or endpoint.path,
            protocol=endpoint.scheme or "https",
            connect_timeout=timeout_ms,
            read_timeout=timeout_ms,
        )
        self.client = Client(config)

    # ---- sending ----
    def send_sms(
        self, *, to: str, body: str, status_callback: str = "", template_code: str = "", params: dict | None = None
    ) -> SendResult:
        """SendSms with the template and its parameters; receipts come by the console-configured push, not a URL."""
        phone = mainland_digits(to)
        if not template_code:
            raise PermanentSendError("Alibaba Cloud sends approved templates only: no template code", code="template")
        request = sms_models.SendSmsRequest(
            phone_numbers=phone,
            sign_name=settings.ALIYUN_SMS_SIGN_NAME,
            template_code=template_code,
            template_param=template_param_json(params),
            out_id=uuid.uuid4().hex,
        )
        response = self._call(lambda: self.client.send_sms_with_options(request, RuntimeOptions()))
        answer = response.body
        if answer.code != "OK":
            raise classify(answer.code or "", answer.message or "")
        logger.info("aliyun SMS %s to %s (%s)", answer.biz_id, mask_mobile(phone), template_code)
        return SendResult(provider_id=answer.biz_id or "", status="sent")

    def _call(self, send):
        if self.client is None or not settings.ALIYUN_SMS_SIGN_NAME:
            raise TransientSendError("Alibaba Cloud SMS is not configured", code="config")
        try:
            return send()
        except ResponseException as exc:  # an HTTP error answer (4xx, 5xx) with the provider's code
            raise classify(str(exc.code or ""), str(exc.message or ""), status=int(exc.status_code or 0)) from exc
        except (TeaException, requests.RequestException, OSError, ValueError) as exc:
            # No usable answer: the SDK wraps the transport error (or an unreadable body) in UnretryableException.
            raise _transport_error(exc) from exc

    # ---- reconciliation after an unknown outcome ----
    def find_sent(self, *, channel: str, to: str, body: str, since, exclude: set[str]) -> str | None:
        """A message to `to` the provider recorded since `since` (QuerySendDetails); its id is `out:<OutId>`.

        The look-up returns no BizId, only the OutId this backend put on the send: the found message is then
        known by that id (its delivery report, keyed by BizId, will not find it), which beats sending twice.
        """
        if channel != "sms":
            return None
        phone = mainland_digits(to)
        earliest = since - timedelta(minutes=1)
        days = sorted({earliest.astimezone(BEIJING).date(), datetime.now(BEIJING).date()})
        for day in days:
            request = sms_models.QuerySendDetailsRequest(
                phone_number=phone, send_date=day.strftime("%Y%m%d"), page_size=50, current_page=1
            )
            response = self._call(lambda r=request: self.client.query_send_details_with_options(r, RuntimeOptions()))
            answer = response.body
            if answer.code != "OK":
                raise TransientSendError(f"look-up failed: {answer.code}", code=answer.code or "lookup")
            details = answer.sms_send_detail_dtos.sms_send_detail_dto if answer.sms_send_detail_dtos else []
            for detail in details:
                sent_at = _beijing_time(detail.send_date)
                found = f"out:{detail.out_id}"
                if detail.out_id and found not in exclude and sent_at is not None and sent_at >= earliest:
                    return found
        return None

    # ---- pushes from the provider ----
    def push_authentic(self, request: HttpRequest) -> bool:
        """The push carries our shared secret: `?token=` in the URL, or an HMAC-SHA256 of the body in the header."""
        secret = settings.ALIYUN_SMS_RECEIPT_TOKEN.encode()
        if not secret:
            return False
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if signature:
            expected = hmac.new(secret, request.body, hashlib.sha256).hexdigest()
            return hmac.compare_digest(signature.strip().lower().encode(), expected.encode())
        token = request.GET.get("token", "")
        return bool(token) and hmac.compare_digest(token.encode(), secret)

    def _push_items(self, request: HttpRequest) -> list[dict] | None:
        if request.method != "POST" or len(request.body) > MAX_PUSH_BYTES or not self.push_authentic(request):
            return None
        try:
            items = json.loads(request.body.decode("utf-8"))
        except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested deep enough to exhaust the stack
            logger.warning("aliyun push with a body that is not JSON refused")
            return None
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            logger.warning("aliyun push that is not a JSON array of objects refused")
            return None
        return items

    def parse_status_reports(self, request: HttpRequest) -> list[StatusUpdate] | None:
        """Every delivery report of one SmsReport push; None when not authentic or not a JSON array of reports."""
        items = self._push_items(request)
        if items is None:
            return None
        updates = []
        for item in items:
            biz_id = str(item.get("biz_id") or "")[:64]
            if not biz_id:
                continue  # a report the provider cannot mean for us; the others still apply
            delivered = item.get("success") in (True, "true", "True", 1)
            updates.append(
                StatusUpdate(
                    provider_id=biz_id,
                    status="delivered" if delivered else "undelivered",
                    error_code="" if delivered else str(item.get("err_code") or "")[:16],
                    extra={
                        "out_id": str(item.get("out_id") or "")[:64],
                        "sent_at": _iso(_beijing_time(item.get("send_time"))),
                        "reported_at": _iso(_beijing_time(item.get("report_time"))),
                        "error_message": str(item.get("err_msg") or "")[:200],
                    },
                )
            )
        return updates

    def parse_status_callback(self, request: HttpRequest) -> StatusUpdate | None:
        """The first report of a push (use `parse_status_reports`: a push holds several)."""
        updates = self.parse_status_reports(request)
        return updates[0] if updates else None

    def callback_response(self, *, updates: list[StatusUpdate]) -> HttpResponse:
        """What the provider expects for an accepted push; anything else makes it post the batch again."""
        return JsonResponse({"code": 0, "msg": "接收成功"})

    def parse_up_messages(self, request: HttpRequest) -> list[UpMessage] | None:
        """The customers' replies of one SmsUp push; None when not authentic or malformed."""
        items = self._push_items(request)
        if items is None:
            return None
        messages = []
        for item in items:
            try:
                phone = normalize_mainland_mobile(str(item.get("phone_number") or ""))
            except ValidationError:
                continue
            messages.append(
                UpMessage(
                    phone=phone,
                    content=str(item.get("content") or "")[:1000],
                    received_at=_beijing_time(item.get("send_time")),
                    sign_name=str(item.get("sign_name") or "")[:64],
                    dest_code=str(item.get("dest_code") or "")[:32],
                    sequence_id=str(item.get("sequence_id") or "")[:32],
                )
            )
        return messages


def opt_out_events(messages: list[UpMessage]) -> list[OptOutEvent]:
    """The replies the provider itself treats as unsubscribing ("TD", "退订"): the number is blocked from then on."""
    events = []
    for message in messages:
        word = message.content.strip().strip(".!。！").upper()
        if word in PROVIDER_UNSUBSCRIBE_WORDS:
            events.append(
                OptOutEvent(
                    phone=message.phone,
                    keyword=word,
                    received_at=message.received_at,
                    provider_ref=message.sequence_id,
                )
            )
    return events
