"""Copy every product's `loans.Product.reminder_policy` onto a `ProductReminderPolicy` row (before loans drops the field)."""

from django.db import migrations


def copy_forward(apps, schema_editor):
    Product = apps.get_model("loans", "Product")
    ProductReminderPolicy = apps.get_model("reminders", "ProductReminderPolicy")
    linked = set(ProductReminderPolicy.objects.values_list("product_id", flat=True))
    rows = [
        ProductReminderPolicy(product_id=product_id, policy_id=policy_id)
        for product_id, policy_id in Product.objects.filter(reminder_policy__isnull=False).values_list(
            "id", "reminder_policy_id"
        )
        if product_id not in linked
    ]
    ProductReminderPolicy.objects.bulk_create(rows)


def copy_back(apps, schema_editor):
    Product = apps.get_model("loans", "Product")
    ProductReminderPolicy = apps.get_model("reminders", "ProductReminderPolicy")
    for product_id, policy_id in ProductReminderPolicy.objects.values_list("product_id", "policy_id"):
        Product.objects.filter(pk=product_id).update(reminder_policy_id=policy_id)


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0011_ledger_upfront_fees"),
        ("reminders", "0005_product_reminder_policy"),
    ]

    operations = [migrations.RunPython(copy_forward, copy_back)]
