"""Key rotation end to end: new key first, rotate_pii_keys, old key removed, every encrypted value still reads."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from tests.security.test_pii import MOBILE, NATIONAL_ID, open_workbook


def raw_tokens() -> dict[str, list[str]]:
    from customers.management.commands.rotate_pii_keys import encrypted_columns

    tokens = {}
    with connection.cursor() as cursor:
        for model, columns in encrypted_columns():
            for column in columns:
                cursor.execute(f'SELECT "{column}" FROM "{model._meta.db_table}" WHERE "{column}" <> \'\'')
                tokens[f"{model._meta.db_table}.{column}"] = [row[0] for row in cursor.fetchall()]
    return tokens


@pytest.mark.django_db
def test_rotation_re_encrypts_everything_and_the_portal_reads_it_with_the_new_key_only(
    settings, sample_customer, manager, client
):
    pytest.importorskip("customers.management.commands.rotate_pii_keys")
    from messaging.api import sms_send
    from messaging.models import OutboundMessage

    # given encrypted data in several apps, written with the old key
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    sms_send(to="+86" + MOBILE, body="您好", purpose=OutboundMessage.Purpose.OTHER, customer=sample_customer)
    before = raw_tokens()
    assert sum(len(v) for v in before.values()) >= 6
    # when a new key is put first and the command runs
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_pii_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = raw_tokens()
    # then every token changed and decrypts with the new key alone
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in before.items()}
    new_only = Fernet(new_key.encode())
    for column, tokens in after.items():
        for token in tokens:
            assert token not in before[column]
            new_only.decrypt(token.encode())
    # and with the old key removed, the portal shows, reveals and reports the data
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    client.force_login(manager)
    assert client.get(reverse("customers:detail", args=[sample_customer.pk])).status_code == 200
    response = client.post(
        reverse("customers:reveal", args=[sample_customer.pk]), {"field": "national_id", "reason": "rotation check"}
    )
    assert NATIONAL_ID in response.content.decode()
    report = client.post(reverse("customers:data_report", args=[sample_customer.pk]), {"reason": "check"})
    personal = {
        r[0]: r[1] for r in open_workbook(report.content)["Personal data"].iter_rows(min_row=2, values_only=True)
    }
    assert personal["mobile"] == "+86" + MOBILE
    # and running it again is harmless
    call_command("rotate_pii_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert client.get(reverse("customers:detail", args=[sample_customer.pk])).status_code == 200
