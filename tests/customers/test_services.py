"""Customer services: normalisation, derived fields, duplicates, audit entries with masked PII, consent, reveal."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aftersales.models import AuditEntry
from customers.crypto import pii_hash
from customers.models import ConsentRecord, Customer
from customers.services import consent_record, customer_create, customer_reveal_pii, customer_update

pytestmark = pytest.mark.django_db


def _create(actor, **overrides):
    fields = {
        "name": " 王  晓明 ",
        "national_id": "11010519491231002x",
        "mobile": "+86 138 1234 5678",
        "email": " Wang.XM@Example.com ",
        "address": "北京市东城区东直门南大街1号",
        "bank_card": "4111 1111 1111 1111",
    }
    fields.update(overrides)
    return customer_create(actor=actor, **fields)


def test_create_normalises_hashes_and_derives(back_office):
    # when
    customer = _create(back_office)
    # then
    customer.refresh_from_db()
    assert customer.name == "王 晓明"
    assert customer.national_id == "11010519491231002X"
    assert customer.mobile == "+8613812345678"
    assert customer.email == "wang.xm@example.com"
    assert customer.bank_card == "4111111111111111"
    assert customer.national_id_hash == pii_hash("11010519491231002X")
    assert customer.mobile_hash == pii_hash("+8613812345678")
    assert customer.email_hash == pii_hash("wang.xm@example.com")
    assert customer.date_of_birth == date(1949, 12, 31)
    assert customer.gender == "F"
    assert customer.customer_number == f"C{customer.pk:08d}"


def test_create_is_audit_logged_with_pii_masked(back_office):
    customer = _create(back_office)
    entry = AuditEntry.objects.get(action="customer_create", object_id=str(customer.pk))
    assert entry.actor == back_office
    assert entry.changes["national_id"] == [None, "110************02X"]
    assert entry.changes["mobile"] == [None, "+86********678"]
    assert "13812345678" not in str(entry.changes)
    assert "4111111111111111" not in str(entry.changes)
    assert entry.changes["name"] == [None, "王 晓明"]


def test_duplicate_national_id_is_a_field_error_not_an_integrity_error(back_office):
    _create(back_office)
    with pytest.raises(ValidationError) as exc:
        _create(back_office, national_id="11010519491231002X", mobile="13900000000")
    assert "national_id" in exc.value.message_dict
    assert Customer.objects.count() == 1


def test_invalid_values_are_refused_next_to_their_field(back_office):
    with pytest.raises(ValidationError) as exc:
        _create(back_office, national_id="110105199002301234", mobile="12345", bank_card="4111111111111112")
    assert set(exc.value.message_dict) >= {"national_id", "mobile", "bank_card"}
    assert not Customer.objects.exists()


def test_update_logs_only_changed_fields(back_office):
    customer = _create(back_office)
    # when
    customer = customer_update(
        customer=customer, actor=back_office, mobile="139 0000 1111", sms_opt_out=True, name="王 晓明"
    )
    # then
    entry = AuditEntry.objects.get(action="customer_update", object_id=str(customer.pk))
    assert set(entry.changes) == {"mobile", "sms_opt_out"}
    assert entry.changes["sms_opt_out"] == [False, True]
    assert "13900001111" not in str(entry.changes)
    assert Customer.objects.get(pk=customer.pk).mobile_hash == pii_hash("+8613900001111")


def test_update_without_changes_writes_nothing(back_office):
    customer = _create(back_office)
    customer_update(customer=customer, actor=back_office, mobile="13812345678")
    assert not AuditEntry.objects.filter(action="customer_update").exists()


def test_update_to_another_customers_id_is_refused(back_office):
    first = _create(back_office)
    second = _create(back_office, national_id="110105199001011232", mobile="13900000000")
    with pytest.raises(ValidationError) as exc:
        customer_update(customer=second, actor=back_office, national_id=first.national_id)
    assert "national_id" in exc.value.message_dict


def test_consent_grant_and_withdrawal_are_recorded_and_logged(agent, back_office):
    customer = _create(back_office)
    consent_record(customer=customer, granted=True, channel=ConsentRecord.Channel.CONTRACT, actor=back_office)
    consent_record(customer=customer, granted=False, channel=ConsentRecord.Channel.HOTLINE, actor=agent, note="来电")
    records = list(customer.consents.order_by("id"))
    assert [r.granted for r in records] == [True, False]
    assert records[1].recorded_by == agent
    assert list(
        AuditEntry.objects.filter(object_id=str(customer.pk), action__startswith="consent")
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["consent_grant", "consent_withdraw"]


def test_reveal_needs_the_permission(agent, back_office):
    customer = _create(back_office)
    with pytest.raises(PermissionDenied):
        customer_reveal_pii(customer=customer, field="national_id", reason="check", actor=agent)
    assert not AuditEntry.objects.filter(action="pii_reveal").exists()


def test_reveal_needs_a_reason(manager, back_office):
    customer = _create(back_office)
    with pytest.raises(ValidationError) as exc:
        customer_reveal_pii(customer=customer, field="national_id", reason="   ", actor=manager)
    assert "reason" in exc.value.message_dict
    assert not AuditEntry.objects.filter(action="pii_reveal").exists()


def test_reveal_returns_the_value_and_logs_field_and_reason(manager, back_office):
    customer = _create(back_office)
    value = customer_reveal_pii(customer=customer, field="mobile", reason="客户来电核实身份", actor=manager)
    assert value == "+8613812345678"
    entry = AuditEntry.objects.get(action="pii_reveal")
    assert entry.actor == manager
    assert entry.changes == {"field": "mobile"}
    assert entry.reason == "客户来电核实身份"
    assert "13812345678" not in str(entry.changes) + entry.reason


def test_reveal_refuses_fields_that_are_not_pii(manager, back_office):
    customer = _create(back_office)
    with pytest.raises(ValidationError):
        customer_reveal_pii(customer=customer, field="national_id_hash", reason="x", actor=manager)


def test_a_legacy_invalid_value_does_not_block_an_unrelated_update(back_office):
    # given: a mobile stored before validation existed (written around the service)
    customer = _create(back_office)
    Customer.objects.filter(pk=customer.pk).update(mobile="12345")  # encrypted on the way in
    # when: only the voice opt-out changes
    customer = customer_update(customer=customer, actor=back_office, voice_opt_out=True)
    # then
    assert Customer.objects.get(pk=customer.pk).voice_opt_out is True
