"""scripts/backup.sh and scripts/restore.sh: a dump restored into a new database holds every record."""

from __future__ import annotations

import os
import secrets
import subprocess

import psycopg2
import pytest
from django.conf import settings
from django.db import connection


def server_url() -> str:
    params = connection.settings_dict
    user = params.get("USER") or "postgres"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}"


def row_counts(url: str) -> dict[str, int]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
            tables = sorted(row[0] for row in cursor.fetchall())
            counts = {}
            for table in tables:
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
            return counts
    finally:
        conn.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_holds_every_record(sample_customer, agent, manager, tmp_path):
    from aftersales.audit import audit_log
    from customers.services import customer_reveal_pii

    # given a database with customers, staff and audit entries
    for i in range(20):
        audit_log(actor=agent, action="test_entry", object_type="test", object_id=i)
    customer_reveal_pii(customer=sample_customer, field="mobile", reason="customer called", actor=manager)
    source = f"{server_url()}/{connection.settings_dict['NAME']}"
    target_name = f"restore_check_{secrets.token_hex(4)}"
    target = f"{server_url()}/{target_name}"
    dump = tmp_path / "backup.dump"
    env = {**os.environ, "DATABASE_URL": source}
    try:
        # when it is dumped and restored into a new database
        result = subprocess.run(
            ["scripts/backup.sh", str(dump)],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        assert dump.stat().st_size > 0
        result = subprocess.run(
            ["scripts/restore.sh", str(dump), target],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        # then every table has the same number of rows
        original, restored = row_counts(source), row_counts(target)
        assert original == restored
        assert original["customers_customer"] == 1
        assert original["aftersales_auditentry"] >= 21
        # and the restored customer decrypts with the same keys
        conn = psycopg2.connect(target)
        with conn.cursor() as cursor:
            cursor.execute("SELECT mobile FROM customers_customer")
            ciphertext = cursor.fetchone()[0]
        conn.close()
        from customers.fields import EncryptedTextField

        assert EncryptedTextField().from_db_value(ciphertext, None, None) == "+8613812345678"
        # and restoring over a database with tables is refused without --replace
        again = subprocess.run(
            ["scripts/restore.sh", str(dump), target],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert again.returncode != 0 and "--replace" in again.stderr
    finally:
        conn = psycopg2.connect(f"{server_url()}/postgres")
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target_name}"')
        conn.close()
