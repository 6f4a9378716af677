from decimal import Decimal

from django.db import migrations, models


class Migration(migrations.Migration):
    """The comprehensive cost on actual dates is kept as a rate with six decimal places (0.269529)."""

    dependencies = [
        ("loans", "0005_review_signals_report_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="loan",
            name="comprehensive_apr",
            field=models.DecimalField(
                decimal_places=6, default=Decimal("0"), max_digits=9, verbose_name="comprehensive annual cost"
            ),
        ),
        migrations.AlterField(
            model_name="restructureplan",
            name="new_apr",
            field=models.DecimalField(
                blank=True, decimal_places=6, max_digits=9, null=True, verbose_name="new comprehensive annual cost"
            ),
        ),
    ]
