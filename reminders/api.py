"""What other apps may use of the reminders app besides its models, selectors and services: sending one message.

Inquiries, complaints and surveys send their SMS through `sms_send` (the outbound gateway; issue #15 moves it into a
`messaging` app of its own).
"""

from reminders.messaging import sms_send, status_callback_url

__all__ = ["sms_send", "status_callback_url"]
