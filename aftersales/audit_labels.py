"""Human labels for the audit log: actions, record types, field names and values (the registry the log page reads).

The log stores codes (`pii_reveal`, `auth.user`, `bank_card`, `False`) so that entries stay comparable across
languages and releases; this module turns them into words in the reader's language. An action without a label here
falls back to its code — tests/aftersales/test_audit_labels.py fails on any action the code base records unlabelled.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from aftersales.money import format_cny

ACTION_LABELS = {
    # sign-in and the second factor
    "login": _("Signed in"),
    "logout": _("Signed out"),
    "login_failed": _("Sign-in failed"),
    "lockout_release": _("Sign-in lock released"),
    "2fa_enrolled": _("Second factor set up"),
    "2fa_enrol_failed": _("Second-factor set-up failed"),
    "2fa_verified": _("Second factor verified"),
    "2fa_failed": _("Second-factor code refused"),
    "2fa_reset": _("Second factor reset"),
    "2fa_recovery_codes": _("Recovery codes issued"),
    "four_eyes_refused": _("Refused: needs a second person"),
    # the admin
    "admin_add": _("Added in the admin"),
    "admin_change": _("Changed in the admin"),
    "admin_delete": _("Deleted in the admin"),
    # customers and personal data
    "customer_create": _("Customer created"),
    "customer_update": _("Customer changed"),
    "consent_grant": _("Consent granted"),
    "consent_withdraw": _("Consent withdrawn"),
    "pii_reveal": _("Personal data revealed"),
    "pii_report": _("Personal data report produced"),
    "sms_opt_out": _("SMS opt-out"),
    "document_issue": _("Document issued"),
    "document_email": _("Document e-mailed"),
    # loans
    "loan_create": _("Loan contract created"),
    "loan_review": _("Post-loan review recorded"),
    "loan_settle_full": _("Loan settled in full"),
    "repayment_post": _("Repayment posted"),
    "repayment_reverse": _("Repayment reversed"),
    "fee_waiver_request": _("Fee waiver requested"),
    "fee_waiver_approve": _("Fee waiver approved"),
    "fee_waiver_reject": _("Fee waiver rejected"),
    "restructure_propose": _("Repayment plan proposed"),
    "restructure_review": _("Repayment plan reviewed"),
    "restructure_approve": _("Repayment plan approved"),
    "restructure_reject": _("Repayment plan rejected"),
    "restructure_apply": _("Repayment plan applied"),
    "reminder_send_now": _("Reminder sent now"),
    "contact_task_resolve": _("Contact-data task closed"),
    # inquiries
    "inquiry_create": _("Inquiry created"),
    "inquiry_claim": _("Inquiry claimed"),
    "inquiry_auto_assign": _("Inquiry assigned automatically"),
    "inquiry_reassign": _("Inquiry reassigned"),
    "inquiry_unassign_off_duty": _("Inquiry released (agent off duty)"),
    "inquiry_reply": _("Reply sent"),
    "inquiry_call_log": _("Call logged"),
    "inquiry_call_missed": _("Incoming call missed"),
    "inquiry_call_ended": _("Incoming call ended"),
    "inquiry_callback_done": _("Callback recorded"),
    "inquiry_escalate": _("Inquiry escalated"),
    "inquiry_department_answer": _("Department answered"),
    "inquiry_follow_up_answered": _("Follow-up answered"),
    "inquiry_resolve": _("Inquiry resolved"),
    "inquiry_reopen": _("Inquiry reopened"),
    # complaints
    "complaint_create": _("Complaint registered"),
    "complaint_update": _("Complaint changed"),
    "complaint_assign": _("Complaint assigned"),
    "complaint_acknowledge": _("Complaint acknowledged"),
    "complaint_investigate": _("Investigation started"),
    "complaint_evidence_add": _("Evidence added"),
    "complaint_evidence_view": _("Evidence opened"),
    "complaint_escalate_legal": _("Escalated to legal"),
    "complaint_extend": _("Deadline extended"),
    "complaint_decide": _("Complaint decided"),
    "complaint_inform": _("Customer informed"),
    "complaint_satisfaction": _("Satisfaction recorded"),
    "complaint_close": _("Complaint closed"),
    "complaint_reopen": _("Complaint reopened"),
    "complaint_callback_complete": _("Callback visit completed"),
    "incident_open": _("Incident opened"),
    "incident_update": _("Incident changed"),
    "incident_entry": _("Incident log entry"),
    "incident_resolve": _("Incident resolved"),
    "plan_create": _("Contingency plan created"),
    "drill_record": _("Drill recorded"),
    "suggestion_create": _("Suggestion recorded"),
    "suggestion_status": _("Suggestion status changed"),
    "improvement_action_create": _("Improvement action created"),
    "improvement_action_status": _("Improvement action status changed"),
    # staff
    "duty_on": _("Went on duty"),
    "duty_off": _("Went off duty"),
    "training_record": _("Training recorded"),
    "qa_review": _("QA review recorded"),
    "scoring_set": _("Scoring weights set"),
    "reviews_generate": _("Performance reviews generated"),
    "review_comment": _("Review commented"),
    "review_sign_off": _("Review signed off"),
    "review_edit_refused": _("Review change refused (locked)"),
    "asset_retire": _("Asset retired"),
}

# Keys of `changes` that are not model fields, by the words they stand for.
CHANGE_KEY_LABELS = {
    "field": pgettext_lazy("audit", "field"),
    "fields": pgettext_lazy("audit", "fields"),
    "reason": _("reason"),
    "via": _("via"),
    "channel": _("channel"),
    "amount": _("amount"),
    "kind": _("kind"),
    "to": pgettext_lazy("audit", "to"),
    "from": pgettext_lazy("audit", "from"),
    "note": _("note"),
    "document": _("document"),
    "method": _("method"),
    "created": pgettext_lazy("audit", "created"),
    "department": _("department"),
    "evidence": _("evidence"),
    "fee": _("fee"),
    "hours": _("hours"),
    "interest": _("interest"),
    "option": _("option"),
    "prepaid": _("prepaid"),
    "principal": _("principal"),
    "recomputed": _("recomputed"),
    "principal_prepaid": _("principal prepaid"),
    "call_status": _("call status"),
    "duration": _("duration"),
    "reached": _("reached"),
}


def action_label(code: str) -> str:
    """The action's label in the active language ("Personal data revealed"), else the code itself."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def _model(object_type: str):
    """The model a stored record type ("auth.user") names, from the app registry's list; None for an unknown one."""
    return {m._meta.label_lower: m for m in apps.get_models()}.get(object_type.lower())


def model_label(object_type: str) -> str:
    """A record type's verbose name ("auth.user" → "user" / 用户), else the stored label."""
    model = _model(object_type) if object_type else None
    return str(model._meta.verbose_name) if model is not None else object_type


def _field(object_type: str, name: str):
    model = _model(object_type) if object_type else None
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def field_label(object_type: str, name: str) -> str:
    """A field's verbose name on the record's model ("bank_card" → "bank card" / 银行卡号), else a known key's label."""
    field = _field(object_type, name)
    if field is not None and hasattr(field, "verbose_name"):
        return str(field.verbose_name)
    if name in CHANGE_KEY_LABELS:
        return str(CHANGE_KEY_LABELS[name])
    return name


def value_label(value: Any, *, object_type: str = "", field: str = "") -> str:
    """A logged value in words: 是/否 for booleans, 空 for nothing, a choice's label, a field name's verbose name."""
    if isinstance(value, list):
        return " → ".join(value_label(v, object_type=object_type, field=field) for v in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{field_label(object_type, k)}: {value_label(v, object_type=object_type, field=k)}"
            for k, v in value.items()
        )
    if value is None or value == "":
        return gettext("empty")
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    model_field = _field(object_type, field) if field else None
    if model_field is not None:
        choices = dict(model_field.flatchoices) if getattr(model_field, "choices", None) else {}
        if str(value) in {str(k) for k in choices}:
            return str(next(label for k, label in choices.items() if str(k) == str(value)))
        if model_field.get_internal_type() == "DecimalField" and field in MONEY_FIELDS:
            return format_cny(value)
    if field in {"field", "fields"} and isinstance(value, str):
        # a field name as value (which field was revealed): its verbose name
        return ", ".join(field_label(object_type, part.strip()) for part in value.split(","))
    return str(value)


# Decimal fields shown as money in the log (amounts are CNY).
MONEY_FIELDS = {"amount", "principal", "fee", "late_fee", "upfront_fee", "penalty", "interest", "credit"}


def changes_display(object_type: str, changes: dict | None) -> list[tuple[str, str]]:
    """An entry's changes as (field label, value in words) pairs, in stored order."""
    return [
        (field_label(object_type, key), value_label(value, object_type=object_type, field=key))
        for key, value in (changes or {}).items()
    ]


def record_display(object_type: str, object_id: str) -> str:
    """The record an entry is about, in words: "用户 #3"."""
    label = model_label(object_type)
    if not label:
        return f"#{object_id}" if object_id else ""
    return f"{label} #{object_id}" if object_id else label
