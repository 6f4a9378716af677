"""A fake Alibaba Cloud SMS API (dysmsapi 2017-05-25) on 127.0.0.1 for tests driving the real SDK.

    fake = FakeAliyunSms().start()           # settings: ALIYUN_SMS_ENDPOINT = fake.endpoint
    fake.fail_next("isv.BUSINESS_LIMIT_CONTROL")   # inject a business refusal (HTTP 200, Code != OK),
    fake.fail_next("Throttling.User", status=400)  # an HTTP error, or a slow answer (delay=) for time-outs
    fake.sent  -> every accepted SendSms (its query parameters), fake.requests every request seen
    fake.post_report(url, [...]) / fake.post_up(url, [...])   # pushes as the provider posts them (JSON arrays)

Like the real service it checks what the SDK sends: the ACS3-HMAC-SHA256 signature over the canonical request
(recomputed here from the access key secret, not with the SDK's helper), the payload hash, the nonce (no replay),
Action and Version, and SendSms' required parameters; bad requests get the provider's error shapes.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import deque
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qsl, quote, urlsplit
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
MESSAGES = {
    "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
    "isv.BUSINESS_LIMIT_CONTROL": "触发分钟级流控Permits:1",
    "isv.SMS_TEMPLATE_ILLEGAL": "该账号下找不到对应模板",
    "isv.SMS_SIGNATURE_ILLEGAL": "该账号下找不到对应签名",
    "isv.TEMPLATE_MISSING_PARAMETERS": "模板变量缺少对应参数值",
    "isp.SYSTEM_ERROR": "系统错误",
    "Throttling.User": "Request was denied due to user flow control.",
    "ServiceUnavailable": "The request has failed due to a temporary failure of the server.",
}


def canonical_query(query: dict[str, str]) -> str:
    return "&".join(f"{key}={quote(query[key], safe='~')}" for key in sorted(query))


class FakeAliyunSms:
    def __init__(self, access_key_id: str = "LTAIfakekey0000", access_key_secret: str = "fake-secret"):
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sent: list[dict] = []  # accepted SendSms requests: their parameters, plus BizId and the time
        self.requests: list[dict] = []  # every request: action, parameters, verdict
        self.nonces: set[str] = set()
        self.templates: set[str] | None = None  # when set: only these template codes exist
        self.sign_names: set[str] | None = None
        self._failures: deque[dict] = deque()
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ---- control ----
    def start(self, port: int = 0) -> FakeAliyunSms:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                fake._handle(self, self.rfile.read(length))

            def _send(self, status: int, payload: dict) -> None:
                body = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail_next(self, code: str, *, status: int = 200, delay: float = 0.0, created: bool = False) -> None:
        """Answer the next SendSms with `code` (HTTP `status`), after `delay` seconds.

        With `created=True` the message is accepted and recorded, only the answer comes late: the client times
        out although the provider has the message.
        """
        self._failures.append({"code": code, "status": status, "delay": delay, "created": created})

    # ---- request handling ----
    def _handle(self, handler, body: bytes) -> None:
        split = urlsplit(handler.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        headers = {key.lower(): value for key, value in handler.headers.items()}
        request_id = str(uuid.uuid4()).upper()
        problem = self._check_signature(handler.command, split.path or "/", query, headers, body)
        action = headers.get("x-acs-action", "")
        with self.lock:
            self.requests.append({"action": action, "params": query, "problem": problem})
        if problem:
            status, code, message = problem
            handler._send(status, {"Code": code, "Message": message, "RequestId": request_id})
            return
        if headers.get("x-acs-version") != "2017-05-25":
            handler._send(400, {"Code": "InvalidVersion", "Message": "Specified parameter Version is not valid."})
            return
        if action == "SendSms":
            self._send_sms(handler, query, request_id)
        elif action == "QuerySendDetails":
            self._query_send_details(handler, query, request_id)
        else:
            handler._send(404, {"Code": "InvalidAction.NotFound", "Message": "Specified api is not found"})

    def _check_signature(self, method, path, query, headers, body) -> tuple[int, str, str] | None:
        authorization = headers.get("authorization", "")
        algorithm, _, rest = authorization.partition(" ")
        parts = dict(part.split("=", 1) for part in rest.split(",") if "=" in part)
        if algorithm != "ACS3-HMAC-SHA256" or not {"Credential", "SignedHeaders", "Signature"} <= parts.keys():
            return 400, "MissingAuthorization", "Authorization header is missing or malformed."
        if parts["Credential"] != self.access_key_id:
            return 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
        payload_hash = hashlib.sha256(body).hexdigest()
        if headers.get("x-acs-content-sha256") != payload_hash:
            return 400, "IncompleteSignature", "The request payload hash does not match."
        signed = parts["SignedHeaders"].split(";")
        if not {"host", "x-acs-action", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"} <= set(signed):
            return 400, "IncompleteSignature", "Required headers are not signed."
        canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
        canonical = "\n".join(
            [method, path, canonical_query(query), canonical_headers, parts["SignedHeaders"], payload_hash]
        )
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(self.access_key_secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts["Signature"]):
            return 400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
        try:
            sent_at = datetime.strptime(headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return 400, "InvalidTimeStamp.Format", "Specified time stamp is not valid."
        if abs(time.time() - calendar.timegm(sent_at.timetuple())) > 900:  # x-acs-date is UTC
            return 400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
        nonce = headers.get("x-acs-signature-nonce", "")
        with self.lock:
            if not nonce or nonce in self.nonces:
                return 400, "SignatureNonceUsed", "Specified signature nonce was used already."
            self.nonces.add(nonce)
        return None

    def _send_sms(self, handler, query: dict, request_id: str) -> None:
        missing = [name for name in ("PhoneNumbers", "SignName", "TemplateCode") if not query.get(name)]
        if missing:
            handler._send(400, {"Code": "MissingParameter", "Message": f"{missing[0]} is mandatory"})
            return
        failure = self._failures.popleft() if self._failures else None
        code = failure["code"] if failure else self._business_check(query)
        if failure and failure["created"]:
            code = "OK"
        if failure and failure["delay"]:
            if failure["created"]:
                self._record(query)
            time.sleep(failure["delay"])
            if failure["created"]:
                return  # the client has long given up
        if code != "OK":
            status = failure["status"] if failure else 200
            handler._send(status, {"Code": code, "Message": MESSAGES.get(code, code), "RequestId": request_id})
            return
        biz_id = self._record(query)
        handler._send(200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id})

    def _business_check(self, query: dict) -> str:
        numbers = query["PhoneNumbers"].split(",")
        if any(not (len(n) == 11 and n.isdigit() and n.startswith("1")) for n in numbers):
            return "isv.MOBILE_NUMBER_ILLEGAL"
        if self.templates is not None and query["TemplateCode"] not in self.templates:
            return "isv.SMS_TEMPLATE_ILLEGAL"
        if self.sign_names is not None and query["SignName"] not in self.sign_names:
            return "isv.SMS_SIGNATURE_ILLEGAL"
        try:
            params = json.loads(query.get("TemplateParam") or "{}")
        except ValueError:
            return "isv.INVALID_JSON_PARAM"
        if not isinstance(params, dict) or not all(isinstance(value, str) for value in params.values()):
            return "isv.INVALID_JSON_PARAM"
        return "OK"

    def _record(self, query: dict) -> str:
        biz_id = f"{int(time.time() * 1000)}^{uuid.uuid4().int % 10**10}"
        with self.lock:
            self.sent.append(dict(query, BizId=biz_id, sent_at=datetime.now(BEIJING)))
        return biz_id

    def _query_send_details(self, handler, query: dict, request_id: str) -> None:
        phone, day = query.get("PhoneNumber", ""), query.get("SendDate", "")
        with self.lock:
            found = [m for m in self.sent if m["PhoneNumbers"] == phone and m["sent_at"].strftime("%Y%m%d") == day]
        details = [
            {
                "PhoneNum": m["PhoneNumbers"],
                "SendStatus": 3,
                "ErrCode": "DELIVERED",
                "TemplateCode": m["TemplateCode"],
                "Content": f"【{m['SignName']}】…",
                "SendDate": m["sent_at"].strftime("%Y-%m-%d %H:%M:%S"),
                "ReceiveDate": m["sent_at"].strftime("%Y-%m-%d %H:%M:%S"),
                "OutId": m.get("OutId", ""),
            }
            for m in found
        ]
        handler._send(
            200,
            {
                "Code": "OK",
                "Message": "OK",
                "RequestId": request_id,
                "TotalCount": len(details),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": details},
            },
        )

    # ---- pushes to the portal ----
    def report_for(self, message: dict, *, success: bool = True, err_code: str = "DELIVERED") -> dict:
        """A SmsReport entry for a message this fake accepted, as the provider pushes it."""
        sent = message["sent_at"].strftime("%Y-%m-%d %H:%M:%S")
        return {
            "phone_number": message["PhoneNumbers"],
            "send_time": sent,
            "report_time": sent,
            "success": success,
            "err_code": err_code,
            "err_msg": "用户接收成功" if success else "失败",
            "sms_size": "1",
            "biz_id": message["BizId"],
            "out_id": message.get("OutId", ""),
        }

    @staticmethod
    def post(url: str, body: bytes | str | list, *, headers: dict | None = None) -> tuple[int, bytes]:
        """POST a push (a JSON array, or raw bytes) to the portal; the answer's status and body."""
        data = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
        request = Request(
            url, data=data, headers={"Content-Type": "application/json", **(headers or {})}, method="POST"
        )
        try:
            with urlopen(request, timeout=10) as response:  # noqa: S310 — a test URL on 127.0.0.1
                return response.status, response.read()
        except HTTPError as exc:
            return exc.code, exc.read()
        except (URLError, OSError):
            return 0, b""
