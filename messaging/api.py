"""The messaging app's public face: what other apps use to send and to follow what they sent.

- `sms_send`, `call_place`: send one message now; the record (an OutboundMessage) comes back, failed when refused.
- `status_callback_url`: the public URL providers post delivery reports to.
- For a sender with its own exactly-once bookkeeping (reminders): `get_backend`, `message_attempt_fill`,
  `provider_send`, `message_accepted`, `message_failed`, `message_find_sent`, and the errors and results
  (`SendError`, `TransientSendError`, `PermanentSendError`, `SendResult`, `StatusUpdate`, `MessagingBackend`).
- `register_status_listener`: an app above follows delivery reports (called from its AppConfig.ready()).
- `message_status`, `moves_forward`, `MESSAGE_RANK`: a provider's status as ours; statuses only move forward.
- `body_hash`: the hash texts are counted by (the same text at most N times in 24 hours).
- The contact policy (messaging.policy, messaging.contact) every proactive message follows, whoever sends it:
  `contact_allowed` (one message: a `Decision`, allowed or held with `reason` and `not_before`), `ContactBatch`
  (a batch from one query), `contact_history`, `is_quiet`, `next_window_open`, `local_day_start`, `Limits`,
  `is_proactive(purpose)`. `sms_send` / `call_place` apply it themselves: a held message is recorded (status
  held) and sent by the beat task `messaging.tasks.messages_send_held` when allowed.
- Opt-outs: `opt_out_phrase` / `is_opt_out` (the one phrase list, messaging.opt_out), `sms_opt_out_received`
  (an SMS asking to stop: opted out, confirmed), `provider_opt_out_record` (the provider's unsubscribe receipt),
  `inbound_sms_receive` and `register_inbound_sms_handler` (other inbound SMS go to the app that files them).
- Calls to the hotline (#16): `register_inbound_call_handler` (the app that files calls answers `InboundCall`s with a
  `CallRoute`, and hears how the agent's leg and the call ended; messaging.inbound_calls owns the Twilio webhooks).
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
from messaging.contact import ContactBatch, contact_allowed, contact_history
from messaging.inbound import (
    inbound_sms_receive,
    opt_out_confirm,
    provider_opt_out_record,
    register_inbound_sms_handler,
    sms_opt_out_received,
)
from messaging.inbound_calls import CallRoute, InboundCall, register_inbound_call_handler
from messaging.opt_out import KEYWORDS as OPT_OUT_KEYWORDS
from messaging.opt_out import is_opt_out, opt_out_phrase
from messaging.policy import Decision, History, Limits, cap_reached, is_quiet, local_day_start, next_window_open
from messaging.rules import MESSAGE_RANK, body_hash, message_status, moves_forward
from messaging.services import (
    call_place,
    is_proactive,
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
    "CallRoute",
    "InboundCall",
    "register_inbound_call_handler",
    "MESSAGE_RANK",
    "OPT_OUT_KEYWORDS",
    "inbound_sms_receive",
    "is_opt_out",
    "opt_out_confirm",
    "opt_out_phrase",
    "provider_opt_out_record",
    "register_inbound_sms_handler",
    "sms_opt_out_received",
    "ContactBatch",
    "Decision",
    "History",
    "Limits",
    "cap_reached",
    "contact_allowed",
    "contact_history",
    "is_proactive",
    "is_quiet",
    "local_day_start",
    "next_window_open",
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
