"""The audit log refuses TRUNCATE on PostgreSQL and DELETE on SQLite too (UPDATE and row DELETE were already refused).

PostgreSQL: a statement-level ``BEFORE TRUNCATE`` trigger raises, as the row triggers of 0002 do for UPDATE and
DELETE. The test runner empties tables with TRUNCATE between ``transaction=True`` tests; its flush (the project's
``flush`` command, aftersales/management/commands/flush.py, only with ``AUDIT_LOG_FLUSH_ALLOWED``, which only the
test settings turn on) runs with ``session_replication_role = replica``, under which ordinary triggers do not
fire. Setting that parameter needs a superuser (or an explicit ``GRANT SET ON PARAMETER``): the portal's own
database role in production must be neither, so it has no way round the trigger. A custom setting such as
``SET aftersales.allow_flush = on`` was rejected because any role may set a custom parameter.

SQLite: a ``BEFORE DELETE`` trigger raises unless the SQL function ``aftersales_audit_flush_allowed()`` answers 1.
The function exists only inside the portal's own Python process (aftersales/append_only.py registers it on each
connection) and answers 1 only during the test flush. Any other program using the file has no such function,
so its DELETE fails ("no such function"). SQL text cannot change the answer.

What a trigger cannot stop: the owner of the table dropping the trigger (DDL). Run migrations as the owning role
and the portal as a role with only SELECT/INSERT/UPDATE/DELETE where that matters (docs/DEPLOY.md). Note for later
migrations: SQLite rebuilds a table to alter it, which drops its triggers; a migration that alters AuditEntry must
create them again.
"""

from django.db import migrations

SQLITE_FUNCTION = "aftersales_audit_flush_allowed"


def refuse_truncate_and_delete(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE TRIGGER aftersales_audit_no_truncate BEFORE TRUNCATE ON aftersales_auditentry "
            "FOR EACH STATEMENT EXECUTE FUNCTION aftersales_audit_append_only();"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER aftersales_audit_no_delete BEFORE DELETE ON aftersales_auditentry "
            f"WHEN NOT {SQLITE_FUNCTION}() "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
        )


def allow_truncate_and_delete(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS aftersales_audit_no_truncate ON aftersales_auditentry;")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS aftersales_audit_no_delete;")


class Migration(migrations.Migration):
    dependencies = [("aftersales", "0002_roles_and_append_only_audit")]

    operations = [migrations.RunPython(refuse_truncate_and_delete, allow_truncate_and_delete)]
