"""Mask ID, card and mobile numbers in stored inquiry subjects and messages; keep each original encrypted."""

from django.db import migrations

import customers.fields

BATCH = 1000  # rows read, masked in Python and written back per round trip


def _protect(model, field: str) -> None:
    from customers.freetext import text_protect

    # Only rows with three digits in a row can hold a number worth masking (REGEXP works on SQLite too).
    rows = model.objects.filter(**{f"{field}__regex": r"[0-9]{3}"}).order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).only("pk", field)[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        changed = []
        for row in batch:
            protected = text_protect(getattr(row, field))
            if protected.full:
                setattr(row, field, protected.shown[: model._meta.get_field(field).max_length or None])
                setattr(row, f"{field}_full", protected.full)
                changed.append(row)
        model.objects.bulk_update(changed, [field, f"{field}_full"])


def _restore(model, field: str) -> None:
    rows = model.objects.exclude(**{f"{field}_full": ""}).order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).only("pk", field, f"{field}_full")[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        for row in batch:
            setattr(row, field, getattr(row, f"{field}_full")[: model._meta.get_field(field).max_length or None])
            setattr(row, f"{field}_full", "")
        model.objects.bulk_update(batch, [field, f"{field}_full"])


def mask_existing(apps, schema_editor):
    _protect(apps.get_model("inquiries", "Inquiry"), "subject")
    _protect(apps.get_model("inquiries", "InquiryMessage"), "body")


def unmask_existing(apps, schema_editor):
    _restore(apps.get_model("inquiries", "Inquiry"), "subject")
    _restore(apps.get_model("inquiries", "InquiryMessage"), "body")


class Migration(migrations.Migration):
    dependencies = [
        ("inquiries", "0003_queue_order_and_count_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="inquiry",
            name="subject_full",
            field=customers.fields.EncryptedTextField(
                blank=True, default="", editable=False, verbose_name="subject as written"
            ),
        ),
        migrations.AddField(
            model_name="inquirymessage",
            name="body_full",
            field=customers.fields.EncryptedTextField(
                blank=True, default="", editable=False, verbose_name="text as written"
            ),
        ),
        migrations.RunPython(mask_existing, unmask_existing, elidable=True),
    ]
