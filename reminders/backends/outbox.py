"""The outbox backend: nothing leaves the machine; each message is stored (OutboundMessage) and logged.

It lets the whole flow run without a provider account (development, demos, tests).
"""

from __future__ import annotations

import logging
import uuid

from reminders.backends.base import SendResult, StatusUpdate

logger = logging.getLogger("reminders.outbox")


def _masked(number: str) -> str:
    return number[:6] + "****" + number[-4:] if len(number) > 10 else "****"


class Backend:
    name = "outbox"

    def send_sms(self, *, to, body, status_callback="", template_code="", params=None) -> SendResult:
        sid = "OB" + uuid.uuid4().hex
        logger.info("outbox SMS %s to %s (%d characters)", sid, _masked(to), len(body))
        return SendResult(provider_id=sid, status="delivered")

    def place_call(self, *, to, say_text, language, status_callback="") -> SendResult:
        sid = "OC" + uuid.uuid4().hex
        logger.info("outbox call %s to %s in %s", sid, _masked(to), language)
        return SendResult(provider_id=sid, status="completed")

    def parse_status_callback(self, request) -> StatusUpdate | None:
        return None  # the outbox never calls back

    def find_sent(self, *, channel, to, body, since, exclude) -> str | None:
        return None  # nothing leaves the machine: an unknown outcome is simply sent (logged) again
