"""SMS opt-outs: a "STOP" / "退订" reply, or a number the provider says is unsubscribed."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from aftersales.audit import audit_log
from customers.models import Customer
from customers.selectors import customer_match
from customers.services import customer_contact_preferences_set

logger = logging.getLogger(__name__)


STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "TD", "退订", "取消", "T"}


def _sms_opt_out(customer) -> None:
    """Record an SMS opt-out through the customers service; an opt-out is never lost to unrelated bad data."""
    if customer.sms_opt_out:
        return
    try:
        customer_contact_preferences_set(customer=customer, actor=None, sms_opt_out=True)
    except ValidationError:
        logger.warning("customer %s has invalid data; recording the SMS opt-out directly", customer.pk)
        Customer.objects.filter(pk=customer.pk).update(sms_opt_out=True)
        audit_log(action="customer_update", obj=customer, changes={"sms_opt_out": [False, True]})


def handle_inbound_stop(from_number: str, body: str) -> bool:
    """An inbound SMS "STOP" / "退订" opts the sender out of SMS; True when the message was such a request."""
    word = (body or "").strip().strip(".!。！").upper()
    if word not in STOP_WORDS:
        return False
    # The one matcher finds who is reachable at the number; a STOP acts on the number, so every candidate opts out.
    match = customer_match(mobile=from_number)
    with transaction.atomic():
        for customer in Customer.objects.select_for_update().filter(pk__in=match.candidate_ids):
            _sms_opt_out(customer)
            audit_log(action="sms_opt_out_stop_reply", obj=customer, changes={"sms_opt_out": [False, True]})
    return True
