"""Writes for inquiries, by concern: intake (any channel) and the channels' own intake, assignment, replies,
escalation, resolution, text reveals and the periodic SLA upkeep. `from inquiries import services; services.x()`
reaches every public function from here.
"""

from inquiries.services.assignment import inquiries_route, inquiry_assign, inquiry_auto_assign, inquiry_claim
from inquiries.services.channels import (
    attachment_store,
    inquiry_hotline_log,
    inquiry_receive_email,
    inquiry_receive_sms,
)
from inquiries.services.common import (
    ClaimLost,
    Received,
    ReplyNotPossible,
    contact_masked,
    phone_normalise,
    reference_new,
)
from inquiries.services.escalation import (
    department_answer_add,
    department_counts,
    department_inquiries,
    department_members,
    department_of,
    escalation_alerts_send,
    escalation_breaches_mark,
    holding_reply_text,
    inquiry_escalate,
    is_department_member,
    may_see_department,
)
from inquiries.services.intake import follow_up_answered, inquiry_create, inquiry_customer_message_add
from inquiries.services.replies import inquiry_call_log, inquiry_note_add, inquiry_reply, reply_channels
from inquiries.services.resolution import inquiry_reopen, inquiry_resolve
from inquiries.services.reveal import inquiry_text_reveal
from inquiries.services.upkeep import off_duty_reassign, sla_alerts_send, sla_breaches_mark

__all__ = [
    "ClaimLost",
    "Received",
    "ReplyNotPossible",
    "attachment_store",
    "contact_masked",
    "department_answer_add",
    "department_counts",
    "department_inquiries",
    "department_members",
    "department_of",
    "escalation_alerts_send",
    "escalation_breaches_mark",
    "follow_up_answered",
    "holding_reply_text",
    "inquiries_route",
    "inquiry_assign",
    "inquiry_auto_assign",
    "inquiry_call_log",
    "inquiry_claim",
    "inquiry_create",
    "inquiry_customer_message_add",
    "inquiry_escalate",
    "inquiry_hotline_log",
    "inquiry_note_add",
    "inquiry_receive_email",
    "inquiry_receive_sms",
    "inquiry_reopen",
    "inquiry_reply",
    "inquiry_resolve",
    "inquiry_text_reveal",
    "is_department_member",
    "may_see_department",
    "off_duty_reassign",
    "phone_normalise",
    "reference_new",
    "reply_channels",
    "sla_alerts_send",
    "sla_breaches_mark",
]
