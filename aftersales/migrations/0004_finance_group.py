from django.db import migrations


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="finance")
    # Its permissions are attached by aftersales.services.sync_role_permissions after every migrate.


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="finance").delete()


class Migration(migrations.Migration):
    dependencies = [("aftersales", "0003_audit_refuses_truncate_and_delete")]

    operations = [migrations.RunPython(create_group, remove_group)]
