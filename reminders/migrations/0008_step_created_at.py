"""ReminderStep.created_at: when a step was added (the planner's catch-up covers only days the step existed).

Steps that exist already keep an empty value (they existed "always": their catch-up is unchanged); the default
applies to steps added from now on.
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0007_outbound_message_moved_to_messaging"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminderstep",
            name="created_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="added"),
        ),
        migrations.AlterField(
            model_name="reminderstep",
            name="created_at",
            field=models.DateTimeField(
                blank=True, default=django.utils.timezone.now, editable=False, null=True, verbose_name="added"
            ),
        ),
    ]
