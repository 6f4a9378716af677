"""The messaging interface: send an SMS, place a voice call, parse a status callback.

A provider is one module in this package with a class named `Backend` implementing `MessagingBackend`
(subclass `BaseBackend` for the defaults). Select it with the MESSAGING_BACKEND setting ("outbox", "twilio",
"aliyun", or a dotted path). Only `messaging` imports this package; other apps send through `messaging.api`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.http import HttpRequest, HttpResponse

from messaging.backends.values import price_value


class SendError(Exception):
    """A send that failed. `transient` errors are retried with backoff; permanent ones are not."""

    def __init__(self, message: str, *, code: str = "", transient: bool = False, provider_id: str = ""):
        super().__init__(message)
        self.code = str(code)
        self.transient = transient
        self.provider_id = provider_id


class TransientSendError(SendError):
    def __init__(self, message: str, *, code: str = "", provider_id: str = ""):
        super().__init__(message, code=code, transient=True, provider_id=provider_id)


class PermanentSendError(SendError):
    def __init__(self, message: str, *, code: str = "", provider_id: str = ""):
        super().__init__(message, code=code, transient=False, provider_id=provider_id)


@dataclass
class SendResult:
    provider_id: str  # the provider's message or call id (Twilio SID)
    status: str  # provider status at creation: queued, sent, initiated, ...
    price: Decimal | None = None
    price_unit: str = ""

    def __post_init__(self) -> None:
        # Whatever the backend, only a finite price in range is ever stored (messaging.backends.values).
        self.price = price_value(self.price, provider_id=self.provider_id or "")


@dataclass
class StatusUpdate:
    provider_id: str
    status: str
    price: Decimal | None = None
    price_unit: str = ""
    error_code: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.price = price_value(self.price, provider_id=self.provider_id or "")


class MessagingBackend(Protocol):
    name: str
    # False for providers that only send SMS: place_call then raises PermanentSendError(code="unsupported").
    supports_voice: bool

    def send_sms(
        self, *, to: str, body: str, status_callback: str = "", template_code: str = "", params: dict | None = None
    ) -> SendResult:
        """Send one SMS; raise TransientSendError or PermanentSendError on failure."""

    def place_call(self, *, to: str, say_text: str, language: str, status_callback: str = "") -> SendResult:
        """Place one voice call that speaks `say_text` in `language`."""

    def parse_status_callback(self, request) -> StatusUpdate | None:
        """Validate and parse a provider's status callback; None when the request is not authentic."""

    def find_sent(self, *, channel: str, to: str, body: str, since, exclude: set[str]) -> str | None:
        """After a crash or time-out with no id: the id of a message/call the provider did create, or None.

        Used before sending again, so an attempt whose outcome is unknown is never blindly repeated.
        A provider that cannot look messages up returns None.
        """

    def parse_status_reports(self, request) -> list[StatusUpdate] | None:
        """Every report in one callback (domestic providers post several at once); None when not authentic."""

    def callback_response(self, *, updates: list[StatusUpdate]) -> HttpResponse:
        """The answer the provider expects to an accepted callback (Twilio: 204; others: their JSON)."""


class BaseBackend:
    """Defaults for a backend: one report per callback, 204 as the answer, no look-up, no voice unless overridden."""

    name = ""
    supports_voice = True

    def send_sms(
        self, *, to: str, body: str, status_callback: str = "", template_code: str = "", params: dict | None = None
    ) -> SendResult:
        raise NotImplementedError

    def place_call(self, *, to: str, say_text: str, language: str, status_callback: str = "") -> SendResult:
        raise PermanentSendError(f"{self.name or 'this provider'} places no voice calls", code="unsupported")

    def parse_status_callback(self, request: HttpRequest) -> StatusUpdate | None:
        return None

    def parse_status_reports(self, request: HttpRequest) -> list[StatusUpdate] | None:
        update = self.parse_status_callback(request)
        return None if update is None else [update]

    def callback_response(self, *, updates: list[StatusUpdate]) -> HttpResponse:
        return HttpResponse(status=204)

    def find_sent(self, *, channel: str, to: str, body: str, since, exclude: set[str]) -> str | None:
        return None
