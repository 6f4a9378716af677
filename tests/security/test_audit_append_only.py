"""The audit log is append-only on both databases: no UPDATE, DELETE or TRUNCATE, even in raw SQL."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from aftersales.audit import audit_log
from aftersales.models import AuditEntry


def _raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def entry(db, agent):
    return audit_log(actor=agent, action="repayment_post", object_type="loans.loan", object_id=17)


def test_raw_delete_is_refused(entry):
    # given one entry  # when it is deleted in raw SQL, with and without a WHERE
    with pytest.raises((IntegrityError, DatabaseError), match="append-only"):
        _raw("DELETE FROM aftersales_auditentry WHERE id = %s", [entry.pk])
    with pytest.raises((IntegrityError, DatabaseError), match="append-only"):
        _raw("DELETE FROM aftersales_auditentry")
    # then it is still there, unchanged
    assert AuditEntry.objects.filter(pk=entry.pk, action="repayment_post").count() == 1


def test_orm_delete_and_update_are_refused(entry):
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing_happened")
    assert AuditEntry.objects.get(pk=entry.pk).action == "repayment_post"


def test_raw_update_is_refused(entry):
    with pytest.raises((IntegrityError, DatabaseError), match="append-only"):
        _raw("UPDATE aftersales_auditentry SET actor_name = 'someone_else' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).actor_name == "agent_a"


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(entry):
    # when the table is truncated, alone or with CASCADE  # then the trigger refuses and the row stays
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("TRUNCATE aftersales_auditentry")
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("TRUNCATE aftersales_auditentry RESTART IDENTITY CASCADE")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
def test_the_flush_bypass_needs_a_superuser_on_postgresql(entry):
    # given a role like the portal's own (no superuser)  # when it tries the flush's bypass  # then it is refused
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE ROLE portal_app_test NOSUPERUSER")
        cursor.execute("SET LOCAL ROLE portal_app_test")
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            cursor.execute("SET session_replication_role = replica")
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)  # as `manage.py flush` runs: outside any transaction
def test_flush_outside_the_test_settings_refuses_and_keeps_everything(entry, agent, settings):
    # given production's setting  # when `manage.py flush` runs
    settings.AUDIT_LOG_FLUSH_ALLOWED = False
    with pytest.raises(CommandError, match="couldn't be flushed") as refused:
        call_command("flush", interactive=False, verbosity=0)
    assert "append-only" in str(refused.value.__cause__)
    # then the flush rolled back whole: the audit entry and the user are both still there
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert type(agent).objects.filter(pk=agent.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_test_runners_flush_still_empties_the_log(agent):
    # given an entry written in a transaction=True test: the flush after this test must be allowed to remove it
    audit_log(actor=agent, action="flush_me")
    assert AuditEntry.objects.filter(action="flush_me").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_previous_flush_emptied_the_log():
    # then the next transactional test starts with an empty log (the flush ran with the guard suspended)
    assert not AuditEntry.objects.filter(action="flush_me").exists()
