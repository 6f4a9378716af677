"""Customers' SMS to us: opt-out requests (the phrase list, the provider's unsubscribe receipts) and the rest.

- `sms_opt_out_received(from_number, body)`: an SMS whose text is an opt-out request (messaging.opt_out) opts the
  number out of SMS (customers.services.customer_sms_opt_out_by_number, audited) and is confirmed by one SMS;
  True when it was such a request (no inquiry is opened for it).
- `provider_opt_out_record(event)`: the provider blocked the number for our signature ("TD" to Alibaba Cloud):
  recorded as an opt-out unconditionally, without a confirmation (the provider refuses to send it and confirms
  itself).
- `inbound_sms_receive(...)`: any other SMS goes to the handlers apps above register (inquiries: a new or
  continued inquiry), from their AppConfig.ready() with `register_inbound_sms_handler`.

The confirmation answers the customer's own message, so it is not proactive (exempt from the contact policy, also
in quiet hours: the customer has just written; it never counts towards the daily cap). It is sent only when the
opt-out changed something: a second "STOP" gets no second confirmation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.services import customer_sms_opt_out_by_number
from messaging import opt_out
from messaging.models import OutboundMessage
from messaging.services import sms_send

logger = logging.getLogger(__name__)

InboundSmsHandler = Callable[..., None]
_inbound_handlers: list[InboundSmsHandler] = []


def register_inbound_sms_handler(handler: InboundSmsHandler) -> None:
    """Call `handler(from_number=, body=, provider=, provider_ref=, received_at=)` for every inbound SMS that is
    not an opt-out (the provider's SmsUp push). Registered once per handler."""
    if handler not in _inbound_handlers:
        _inbound_handlers.append(handler)


def _confirmation_text(language: str) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return _(
            "You have unsubscribed from our SMS: we will not text you any more. To receive SMS again, call our "
            "customer service hotline."
        )


def opt_out_confirm(*, to: str, customers: list[Customer]) -> OutboundMessage | None:
    """The one SMS that confirms an opt-out, in the customer's language; None when nobody was opted out."""
    if not customers:
        return None
    customer = customers[0]
    return sms_send(
        to=to,
        body=_confirmation_text(customer.preferred_language),
        purpose=OutboundMessage.Purpose.OPT_OUT_CONFIRMATION,
        customer=customer,
        language=customer.preferred_language,
        template_code=settings.MESSAGING_OPT_OUT_CONFIRMATION_TEMPLATE,
        template_params={},
        proactive=False,
    )


def sms_opt_out_received(
    *, from_number: str, body: str, provider: str = "", provider_ref: str = "", received_at: datetime | None = None
) -> bool:
    """An opt-out request by SMS ("退订", "我要退订短信", "STOP"): the number is opted out and told so; True when
    the message was one (then it opens no inquiry)."""
    phrase = opt_out.opt_out_phrase(body)
    if not phrase:
        return False
    customers = customer_sms_opt_out_by_number(
        number=from_number,
        source="sms_reply",
        keyword=phrase,
        provider=provider,
        provider_ref=provider_ref,
        received_at=received_at,
    )
    opt_out_confirm(to=from_number, customers=customers)
    return True


def provider_opt_out_record(
    *, phone: str, keyword: str, provider: str, provider_ref: str = "", received_at: datetime | None = None
) -> list[Customer]:
    """The provider's unsubscribe receipt: the number is opted out of SMS, unconditionally; no confirmation."""
    return customer_sms_opt_out_by_number(
        number=phone,
        source="provider",
        keyword=keyword,
        provider=provider,
        provider_ref=provider_ref,
        received_at=received_at,
    )


def inbound_sms_receive(
    *, from_number: str, body: str, provider: str, provider_ref: str = "", received_at: datetime | None = None
) -> bool:
    """An inbound SMS: an opt-out request is handled here, anything else goes to the registered handlers."""
    if sms_opt_out_received(
        from_number=from_number, body=body, provider=provider, provider_ref=provider_ref, received_at=received_at
    ):
        return True
    if not _inbound_handlers:
        logger.warning("inbound SMS (%s) with no handler registered: not filed", provider)
    for handler in _inbound_handlers:
        handler(
            from_number=from_number, body=body, provider=provider, provider_ref=provider_ref, received_at=received_at
        )
    return False
