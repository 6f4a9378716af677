"""OutboundMessage now belongs to messaging (its table, reminders_outboundmessage, stays): reminders' relation to it
is repointed and the model removed from reminders' state only. Inquiries, complaints and staff repoint theirs first
(their migrations run before this one)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0006_copy_product_reminder_policies"),
        ("messaging", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="reminder",
                    name="outbound_message",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="reminders",
                        to="messaging.outboundmessage",
                        verbose_name="message",
                    ),
                ),
                migrations.RemoveField(
                    model_name="outboundmessage",
                    name="customer",
                ),
                migrations.DeleteModel(
                    name="OutboundMessage",
                ),
            ],
        ),
    ]
