"""A fake Twilio REST API on 127.0.0.1 for tests driving the real Twilio SDK.

    fake = FakeTwilio().start()
    client = Client("ACtest", "token"); client.api.base_url = fake.base_url
    fake.fail_next(status=503)                 # inject: HTTP 5xx, 429, Twilio error codes, time-outs
    fake.messages  -> every Messages.json request (form fields), fake.calls likewise
    fake.post_status_callback(url, {...})     # posts a callback signed with X-Twilio-Signature

Responses follow Twilio's shapes: 201 with the resource JSON; errors with {"code", "message", "more_info", "status"}.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qsl, urlencode
from urllib.request import Request, urlopen

from twilio.request_validator import RequestValidator

ERROR_MESSAGES = {
    21604: "A 'To' phone number is required.",
    21211: "The 'To' number is not a valid phone number.",
    21614: "'To' number is not a valid mobile number",
    21610: "Attempt to send to unsubscribed recipient",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
}


class FakeTwilio:
    def __init__(self, account_sid: str = "ACfake00000000000000000000000000", auth_token: str = "fake-token"):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict] = []
        self.calls: list[dict] = []
        self.requests: list[tuple[str, str]] = []
        self.lookups = 0  # GET list requests (reconciliation after an unknown outcome)
        self.response_delay = 0.0  # seconds every create waits before answering (latency)
        self._failures: deque[dict] = deque()
        self.failure_rate = 0.0  # share of requests answered with a transient error (5xx/429)
        self._rng_counter = 0
        self.lock = threading.Lock()
        self.price = "-0.0075"
        self._server: ThreadingHTTPServer | None = None

    # ---- control ----
    def start(self, port: int = 0) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive like the real API: the SDK's session reuses its connection instead of one per message.
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # Headers and body go out in two writes: without this, Nagle + delayed ACK add ~40 ms each.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if len(raw) < length:
                    return  # the client died mid-request (SIGKILL): like Twilio, nothing was created
                form = dict(parse_qsl(raw.decode(errors="replace")))
                fake._handle(self, form)

            def do_GET(self):
                fake._list(self)

            def _send(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
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
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail_next(
        self, *, status: int = 503, code: int | None = None, count: int = 1, delay: float = 0.0, created: bool = False
    ) -> None:
        """Answer the next `count` create requests with an error (or sleep `delay` seconds first: a time-out).

        With `created=True` the message is created and recorded, and only the answer comes `delay` seconds late:
        the client times out although the provider has the message.
        """
        for _ in range(count):
            self._failures.append(
                {
                    "status": status,
                    "code": code or (20429 if status == 429 else 20500),
                    "delay": delay,
                    "created": created,
                }
            )

    def fail_number(self, number: str, code: int) -> None:
        """Always refuse this destination with a Twilio error code (21211, 21614, 21610)."""
        self._failures_by_number = getattr(self, "_failures_by_number", {})
        self._failures_by_number[number] = code

    # ---- request handling ----
    def _handle(self, handler, form: dict) -> None:
        path = handler.path.split("?")[0]
        kind = "Messages" if path.endswith("/Messages.json") else "Calls" if path.endswith("/Calls.json") else None
        with self.lock:
            self.requests.append((path, form.get("To", "")))
        if kind is None or f"/Accounts/{self.account_sid}/" not in path:
            handler._send(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
            return
        if not form.get("To"):
            # As Twilio does: no destination, no message. A client killed mid-request (the SIGKILL test)
            # can leave a truncated form body; it must not be recorded as a sent message.
            handler._send(400, self._error(21604, 400))
            return
        failure = None
        with self.lock:
            if self._failures:
                failure = self._failures.popleft()
            elif self.failure_rate:
                self._rng_counter += 1
                # deterministic spread: every k-th request fails
                period = max(1, round(1 / self.failure_rate))
                if self._rng_counter % period == 0:
                    failure = {"status": 503 if self._rng_counter % 2 else 429, "code": 20500, "delay": 0}
        number_code = getattr(self, "_failures_by_number", {}).get(form.get("To", ""))
        if number_code:
            handler._send(400, self._error(number_code, 400))
            return
        if failure and failure.get("created"):
            sid = ("SM" if kind == "Messages" else "CA") + uuid.uuid4().hex
            with self.lock:
                (self.messages if kind == "Messages" else self.calls).append(dict(form, sid=sid, created=time.time()))
            time.sleep(failure["delay"])
            handler._send(201, self._resource(kind, sid, form))
            return
        if failure:
            if failure["delay"]:
                time.sleep(failure["delay"])
            status = failure["status"]
            code = failure["code"] if status != 429 else 20429
            handler._send(status, self._error(code, status))
            return
        if self.response_delay:
            time.sleep(self.response_delay)
        sid = ("SM" if kind == "Messages" else "CA") + uuid.uuid4().hex
        record = dict(form, sid=sid, created=time.time())
        with self.lock:
            (self.messages if kind == "Messages" else self.calls).append(record)
        handler._send(201, self._resource(kind, sid, form))

    def _list(self, handler) -> None:
        """GET Messages.json / Calls.json filtered by To: what a client looks up after an unknown outcome."""
        path, _, query = handler.path.partition("?")
        params = dict(parse_qsl(query))
        kind = "Messages" if path.endswith("/Messages.json") else "Calls" if path.endswith("/Calls.json") else None
        if kind is None or f"/Accounts/{self.account_sid}/" not in path:
            handler._send(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
            return
        with self.lock:
            self.lookups += 1
            records = list(self.messages if kind == "Messages" else self.calls)
        to = params.get("To")
        found = [r for r in records if not to or r.get("To") == to]
        resources = []
        for record in found:
            resource = self._resource(kind, record["sid"], record)
            resource["date_created"] = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(record["created"]))
            resources.append(resource)
        key = kind.lower()
        uri = f"/2010-04-01/Accounts/{self.account_sid}/{kind}.json"
        handler._send(
            200,
            {
                key: resources,
                "end": max(len(resources) - 1, 0),
                "first_page_uri": uri,
                "next_page_uri": None,
                "page": 0,
                "page_size": 50,
                "previous_page_uri": None,
                "start": 0,
                "uri": uri,
            },
        )

    def _error(self, code: int, status: int) -> dict:
        return {
            "code": code,
            "message": ERROR_MESSAGES.get(code, "error"),
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }

    def _resource(self, kind: str, sid: str, form: dict) -> dict:
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        common = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form.get("To"),
            "from": form.get("From"),
            "date_created": now,
            "date_updated": now,
            "price": None,
            "price_unit": "USD",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/{kind}/{sid}.json",
        }
        if kind == "Messages":
            return {
                **common,
                "body": form.get("Body"),
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "messaging_service_sid": None,
            }
        return {**common, "status": "queued", "direction": "outbound-api", "duration": None, "answered_by": None}

    # ---- callbacks ----
    def sign(self, url: str, params: dict) -> str:
        return RequestValidator(self.auth_token).compute_signature(url, params)

    def post_status_callback(
        self, url: str, params: dict, *, signature: str | None = None, host_override: str | None = None
    ) -> int:
        """POST a form-encoded status callback to the portal, signed as Twilio would sign it for `url`."""
        data = urlencode(params).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature or self.sign(url, params),
        }
        target = host_override or url
        try:
            with urlopen(Request(target, data=data, headers=headers, method="POST"), timeout=10) as resp:  # noqa: S310
                return resp.status
        except (HTTPError, URLError, OSError) as exc:  # HTTPError carries the status
            return getattr(exc, "code", 0)

    def sent_to(self, number: str) -> list[dict]:
        return [m for m in self.messages if m.get("To") == number]
