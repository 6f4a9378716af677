"""OutboundMessage moves from the reminders app to messaging, keeping its table (reminders_outboundmessage): state only.

On a database that already has it, its content type is renamed from reminders to messaging, so permissions granted
on it (and the roles' groups) carry over.
"""

import django.db.models.deletion
from django.db import migrations, models

import customers.fields

MOVED = ("outboundmessage",)


def content_types_to_messaging(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="reminders", model__in=MOVED).update(app_label="messaging")


def content_types_to_reminders(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="messaging", model__in=MOVED).update(app_label="reminders")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0002_pii_field_validators"),
        # The table is created (and last altered) by reminders' migrations up to here.
        ("reminders", "0006_copy_product_reminder_policies"),
    ]

    operations = [
        migrations.RunPython(content_types_to_messaging, content_types_to_reminders),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="OutboundMessage",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "channel",
                            models.CharField(
                                choices=[("sms", "SMS"), ("voice", "Voice call")], max_length=8, verbose_name="channel"
                            ),
                        ),
                        (
                            "purpose",
                            models.CharField(
                                choices=[
                                    ("reminder", "Repayment reminder"),
                                    ("inquiry_reply", "Inquiry reply"),
                                    ("complaint", "Complaint notice"),
                                    ("survey", "Satisfaction survey"),
                                    ("other", "Other"),
                                ],
                                max_length=20,
                                verbose_name="purpose",
                            ),
                        ),
                        ("to_number", customers.fields.EncryptedTextField(verbose_name="to")),
                        ("to_hash", models.CharField(db_index=True, editable=False, max_length=64)),
                        ("to_masked", models.CharField(max_length=20, verbose_name="to")),
                        ("body", models.TextField(verbose_name="text")),
                        ("body_hash", models.CharField(blank=True, db_index=True, editable=False, max_length=64)),
                        ("language", models.CharField(blank=True, max_length=10, verbose_name="language")),
                        (
                            "template_code",
                            models.CharField(blank=True, max_length=64, verbose_name="provider template code"),
                        ),
                        ("provider", models.CharField(max_length=20, verbose_name="provider")),
                        (
                            "provider_id",
                            models.CharField(
                                blank=True, max_length=64, null=True, unique=True, verbose_name="provider id"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("queued", "Queued"),
                                    ("sent", "Sent"),
                                    ("delivered", "Delivered"),
                                    ("undelivered", "Undelivered"),
                                    ("failed", "Failed"),
                                    ("initiated", "Call initiated"),
                                    ("ringing", "Ringing"),
                                    ("in-progress", "In progress"),
                                    ("completed", "Call completed"),
                                    ("no-answer", "No answer"),
                                    ("busy", "Busy"),
                                    ("canceled", "Canceled"),
                                ],
                                default="pending",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        ("error_code", models.CharField(blank=True, max_length=16, verbose_name="error code")),
                        ("error_message", models.CharField(blank=True, max_length=300, verbose_name="error")),
                        (
                            "price",
                            models.DecimalField(
                                blank=True, decimal_places=5, max_digits=10, null=True, verbose_name="price"
                            ),
                        ),
                        ("price_unit", models.CharField(blank=True, max_length=8, verbose_name="currency")),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="created")),
                        (
                            "status_changed_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="status changed"),
                        ),
                        (
                            "customer",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="outbound_messages",
                                to="customers.customer",
                                verbose_name="customer",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "outbound message",
                        "verbose_name_plural": "outbound messages",
                        "db_table": "reminders_outboundmessage",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["to_hash", "created_at"], name="outbound_to_time_idx"),
                            models.Index(fields=["to_hash", "body_hash", "created_at"], name="outbound_same_text_idx"),
                            models.Index(fields=["customer", "created_at"], name="outbound_customer_time_idx"),
                        ],
                    },
                ),
            ],
        ),
    ]
