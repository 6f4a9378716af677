"""Escalations point at org.Department (the same table, staff_department): state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inquiries", "0004_masked_text_with_encrypted_original"),
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="inquiry",
                    name="escalated_to",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to="org.department",
                        verbose_name="escalated to",
                    ),
                ),
            ],
        ),
    ]
