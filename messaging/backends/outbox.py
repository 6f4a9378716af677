"""The outbox backend: nothing leaves the machine; each message is stored (OutboundMessage) and logged.

It lets the whole flow run without a provider account (development, demos, tests).
"""

from __future__ import annotations

import logging
import uuid

from messaging.backends.base import BaseBackend, SendResult, StatusUpdate

logger = logging.getLogger("messaging.outbox")


def _masked(number: str) -> str:
    return number[:6] + "****" + number[-4:] if len(number) > 10 else "****"


class Backend(BaseBackend):
    name = "outbox"

    def send_sms(self, *, to, body, status_callback="", template_code="", params=None) -> SendResult:
        # The template code and its parameters are recorded on the OutboundMessage by messaging's service.
        sid = "OB" + uuid.uuid4().hex
        logger.info(
            "outbox SMS %s to %s (%d characters, template %s)", sid, _masked(to), len(body), template_code or "-"
        )
        return SendResult(provider_id=sid, status="delivered")

    def place_call(self, *, to, say_text, language, status_callback="") -> SendResult:
        sid = "OC" + uuid.uuid4().hex
        logger.info("outbox call %s to %s in %s", sid, _masked(to), language)
        return SendResult(provider_id=sid, status="completed")

    def parse_status_callback(self, request) -> StatusUpdate | None:
        return None  # the outbox never calls back

    def find_sent(self, *, channel, to, body, since, exclude) -> str | None:
        return None  # nothing leaves the machine: an unknown outcome is simply sent (logged) again
