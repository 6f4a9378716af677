from django.db import migrations

ROLES = ["agent", "risk_assessor", "legal_advisor", "supervisor", "manager", "back_office"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    # Permissions are attached by aftersales.services.sync_role_permissions after every migrate,
    # because the apps that own them may migrate after this one.


def append_only_audit(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            """
            CREATE OR REPLACE FUNCTION aftersales_audit_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'the audit log is append-only';
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER aftersales_audit_no_update BEFORE UPDATE OR DELETE ON aftersales_auditentry
                FOR EACH ROW EXECUTE FUNCTION aftersales_audit_append_only();
            """
        )
    elif vendor == "sqlite":
        # Only UPDATE: the test runner empties tables with DELETE on SQLite (TRUNCATE on PostgreSQL).
        schema_editor.execute(
            "CREATE TRIGGER aftersales_audit_no_update BEFORE UPDATE ON aftersales_auditentry "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
        )


def drop_append_only(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS aftersales_audit_no_update ON aftersales_auditentry;")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS aftersales_audit_no_update;")


class Migration(migrations.Migration):
    dependencies = [("aftersales", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.RunPython(create_groups, migrations.RunPython.noop),
        migrations.RunPython(append_only_audit, drop_append_only),
    ]
