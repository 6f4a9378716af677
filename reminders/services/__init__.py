"""Writes of the reminders app, by concern. Import from here: `from reminders import services; services.reminder_send(...)`.

- sending: send one reminder (or a batch) exactly once — checks, the attempt, the provider call, the outcome;
- caps / texts: the frequency caps and the reminder's text (used by sending);
- outcomes: skipped, accepted, retried, failed; the SMS after an unanswered call;
- callbacks: following delivery reports (messaging applies them and calls reminders_follow_message);
- contact_tasks: contact-data tasks for agents;
- opt_out: STOP replies and SMS opt-outs;
- by_hand: an agent's "send reminder now".
"""

from reminders.services.by_hand import outcome_text, reminder_send_now
from reminders.services.callbacks import follow_delivery_reports, reminders_follow_message
from reminders.services.contact_tasks import contact_task_open, contact_task_resolve
from reminders.services.opt_out import STOP_WORDS, handle_inbound_stop
from reminders.services.sending import reminder_send, reminders_send_many

__all__ = [
    "STOP_WORDS",
    "contact_task_open",
    "contact_task_resolve",
    "follow_delivery_reports",
    "handle_inbound_stop",
    "outcome_text",
    "reminder_send",
    "reminder_send_now",
    "reminders_follow_message",
    "reminders_send_many",
]
