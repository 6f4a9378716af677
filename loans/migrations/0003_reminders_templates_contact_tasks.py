"""Intentionally empty: reminders/0003 depends on this name (it was generated while loans/0002 was in progress)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0002_contract_clauses_repayments_plans_reviews"),
    ]

    operations = []
