"""SMS opt-outs for reminders: the customer's reply and the provider's refusal, recorded by the one opt-out function
(customers.services.customer_sms_opt_out_by_number) with the one phrase list (messaging.opt_out via messaging.api).

`handle_inbound_stop(from_number, body)` keeps its name and signature for the inbound-SMS view
(inquiries/views/public.py): True when the SMS was an opt-out request (then no inquiry is opened).
"""

from __future__ import annotations

from customers.models import Customer
from customers.services import customer_sms_opt_out_by_number
from messaging.api import OPT_OUT_KEYWORDS, sms_opt_out_received

# The whole-message keywords of the phrase list (messaging.opt_out.KEYWORDS), re-exported for older callers.
STOP_WORDS = OPT_OUT_KEYWORDS


def _sms_opt_out(customer: Customer) -> None:
    """The provider refused a send because the number unsubscribed: the number is opted out of SMS (audited)."""
    if customer.sms_opt_out:
        return
    customer_sms_opt_out_by_number(number=customer.mobile, source="provider_refusal", keyword="21610")
    customer.sms_opt_out = True


def handle_inbound_stop(from_number: str, body: str) -> bool:
    """An inbound SMS asking to stop SMS ("退订", "我要退订短信", "STOP", …) opts the number out and is confirmed;
    True when the message was such a request."""
    return sms_opt_out_received(from_number=from_number, body=body, provider="twilio")
