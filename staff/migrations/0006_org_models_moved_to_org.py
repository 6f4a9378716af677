"""Department, Team and StaffProfile now belong to org (their tables stay): removed from staff's state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0005_kpi_response_minutes"),
        ("org", "0001_initial"),
        ("inquiries", "0005_escalated_to_org_department"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="staffprofile",
                    name="department",
                ),
                migrations.RemoveField(
                    model_name="team",
                    name="department",
                ),
                migrations.RemoveField(
                    model_name="staffprofile",
                    name="team",
                ),
                migrations.RemoveField(
                    model_name="staffprofile",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="team",
                    name="supervisor",
                ),
                migrations.DeleteModel(
                    name="Department",
                ),
                migrations.DeleteModel(
                    name="StaffProfile",
                ),
                migrations.DeleteModel(
                    name="Team",
                ),
            ],
        ),
    ]
