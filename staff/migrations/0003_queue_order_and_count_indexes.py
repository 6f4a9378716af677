# KPI daily roll-up tables. (The file name comes from a makemigrations run shared with the inquiries app, whose
# migration of the same name depends on this one; kept so both graphs stay consistent.)

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0002_training_scoring_qa_surveys_assets"),
    ]

    operations = [
        migrations.CreateModel(
            name="KpiRollupDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(unique=True)),
                ("refreshed_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "KPI roll-up day",
                "verbose_name_plural": "KPI roll-up days",
            },
        ),
        migrations.CreateModel(
            name="KpiResponseHistogram",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("staff_id", models.BigIntegerField()),
                ("seconds", models.PositiveIntegerField()),
                ("count", models.PositiveIntegerField()),
            ],
            options={
                "verbose_name": "first-response histogram",
                "verbose_name_plural": "first-response histograms",
                "indexes": [models.Index(fields=["day", "staff_id"], name="kpi_response_day_idx")],
            },
        ),
        migrations.CreateModel(
            name="KpiRollup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("staff_id", models.BigIntegerField()),
                ("sla_total", models.PositiveIntegerField(default=0)),
                ("sla_met", models.PositiveIntegerField(default=0)),
                ("inq_assigned", models.PositiveIntegerField(default=0)),
                ("inq_resolved", models.PositiveIntegerField(default=0)),
                ("inq_handled", models.PositiveIntegerField(default=0)),
            ],
            options={
                "verbose_name": "KPI roll-up",
                "verbose_name_plural": "KPI roll-ups",
                "constraints": [models.UniqueConstraint(fields=("day", "staff_id"), name="kpi_rollup_day_staff")],
            },
        ),
    ]
