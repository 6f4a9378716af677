"""The messaging app's public face: what other apps use to send and to follow what they sent.

- `sms_send`, `call_place`: send one message now; the record (an OutboundMessage) comes back, failed when refused.
- `status_callback_url`: the public URL providers post delivery reports to.
- For a sender with its own exactly-once bookkeeping (reminders): `get_backend`, `message_attempt_fill`,
  `provider_send`, `message_accepted`, `message_failed`, `message_find_sent`, and the errors and results
  (`SendError`, `TransientSendError`, `PermanentSendError`, `SendResult`, `StatusUpdate`, `MessagingBackend`).
- `register_status_listener`: an app above follows delivery reports (called from its AppConfig.ready()).
- `message_status`, `moves_forward`, `MESSAGE_RANK`: a provider's status as ours; statuses only move forward.
- `body_hash`: the hash texts are counted by (the same text at most N times in 24 hours).
Reads (the outbox, costs) are in `messaging.selectors`; the model in `messaging.models`.
"""

from messaging.backends import (
    MessagingBackend,
    PermanentSendError,
    SendError,
    SendResult,
    StatusUpdate,
    TransientSendError,
    get_backend,
)
from messaging.rules import MESSAGE_RANK, message_status, moves_forward
from messaging.services import (
    body_hash,
    call_place,
    message_accepted,
    message_attempt_fill,
    message_failed,
    message_find_sent,
    message_status_apply,
    provider_send,
    register_status_listener,
    sms_send,
    status_callback_url,
)

__all__ = [
    "MESSAGE_RANK",
    "MessagingBackend",
    "PermanentSendError",
    "SendError",
    "SendResult",
    "StatusUpdate",
    "TransientSendError",
    "body_hash",
    "call_place",
    "get_backend",
    "message_accepted",
    "message_attempt_fill",
    "message_failed",
    "message_find_sent",
    "message_status",
    "message_status_apply",
    "moves_forward",
    "provider_send",
    "register_status_listener",
    "sms_send",
    "status_callback_url",
]
