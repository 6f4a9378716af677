"""A complaint notice's outbound message is messaging.OutboundMessage: state only (the table, reminders_outboundmessage, is unchanged)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0002_masked_text_with_encrypted_original"),
        ("messaging", "0001_initial"),
    ]
    # Repointed before reminders drops OutboundMessage from its state.
    run_before = [("reminders", "0007_outbound_message_moved_to_messaging")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="complaintnotice",
                    name="outbound_message",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="messaging.outboundmessage",
                    ),
                ),
            ],
        ),
    ]
