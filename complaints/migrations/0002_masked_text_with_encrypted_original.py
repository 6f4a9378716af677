"""Mask ID, card and mobile numbers in stored complaint texts; keep each original encrypted."""

from functools import reduce
from operator import or_

from django.db import migrations
from django.db.models import Q

import customers.fields

BATCH = 1000  # rows read, masked in Python and written back per round trip
FIELDS = ("summary", "description", "customer_demand")


def mask_existing(apps, schema_editor):
    from customers.freetext import text_protect

    Complaint = apps.get_model("complaints", "Complaint")
    # Only rows with three digits in a row can hold a number worth masking (REGEXP works on SQLite too).
    rows = Complaint.objects.filter(reduce(or_, (Q(**{f"{f}__regex": r"[0-9]{3}"}) for f in FIELDS))).order_by("pk")
    written = [name for f in FIELDS for name in (f, f"{f}_full")]
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).only("pk", *written)[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        changed = []
        for row in batch:
            masked = False
            for field in FIELDS:
                protected = text_protect(getattr(row, field))
                if protected.full:
                    limit = Complaint._meta.get_field(field).max_length
                    setattr(row, field, protected.shown[:limit] if limit else protected.shown)
                    setattr(row, f"{field}_full", protected.full)
                    masked = True
            if masked:
                changed.append(row)
        # Columns not masked in a row are written back as read ('' for their *_full).
        Complaint.objects.bulk_update(changed, written)


def unmask_existing(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    rows = Complaint.objects.exclude(reduce(lambda a, b: a & b, (Q(**{f"{f}_full": ""}) for f in FIELDS)))
    for row in rows.iterator(chunk_size=BATCH):
        for field in FIELDS:
            if getattr(row, f"{field}_full"):
                setattr(row, field, getattr(row, f"{field}_full"))
                setattr(row, f"{field}_full", "")
        row.save(update_fields=[name for f in FIELDS for name in (f, f"{f}_full")])


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_complaints_incidents_suggestions"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="customer_demand_full",
            field=customers.fields.EncryptedTextField(
                blank=True, default="", editable=False, verbose_name="customer's demand, as written"
            ),
        ),
        migrations.AddField(
            model_name="complaint",
            name="description_full",
            field=customers.fields.EncryptedTextField(
                blank=True, default="", editable=False, verbose_name="what happened, as written"
            ),
        ),
        migrations.AddField(
            model_name="complaint",
            name="summary_full",
            field=customers.fields.EncryptedTextField(
                blank=True, default="", editable=False, verbose_name="summary as written"
            ),
        ),
        migrations.RunPython(mask_existing, unmask_existing, elidable=True),
    ]
