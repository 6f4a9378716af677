"""Re-encrypt every encrypted column of the project with the newest key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first (FIELD_ENCRYPTION_KEYS=new,old), run this command, then drop the old key.
"""

from __future__ import annotations

import time

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from customers import crypto
from customers.fields import EncryptedTextField

# Rows read and rewritten per transaction: large enough to keep round trips few, small enough
# that a batch holds row locks only briefly and its tokens fit comfortably in memory.
BATCH_SIZE = 2000


def encrypted_columns() -> list[tuple[type, list[str]]]:
    """(model, [column names]) for every concrete model that has EncryptedTextField columns."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        columns = [
            f.column
            for f in model._meta.local_concrete_fields
            if isinstance(f, EncryptedTextField) and f.model is model
        ]
        if columns:
            found.append((model, columns))
    return found


def rotate_model(model, columns: list[str], batch_size: int = BATCH_SIZE) -> int:
    """Rewrite the tokens of one model in primary-key order, reading raw tokens (no ORM decryption)."""
    qn = connection.ops.quote_name
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    cols = ", ".join(qn(c) for c in columns)
    select = f"SELECT {pk}, {cols} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s"
    update = f"UPDATE {table} SET " + ", ".join(f"{qn(c)} = %s" for c in columns) + f" WHERE {pk} = %s"
    last_pk, rewritten = None, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if last_pk is None:
                cursor.execute(
                    f"SELECT {pk}, {cols} FROM {table} ORDER BY {pk} LIMIT %s",  # noqa: S608 - names are quoted identifiers
                    [batch_size],
                )
            else:
                cursor.execute(select, [last_pk, batch_size])
            rows = cursor.fetchall()
            if not rows:
                return rewritten
            params = [[crypto.rotate(token) if token else token for token in row[1:]] + [row[0]] for row in rows]
            cursor.executemany(update, params)
            rewritten += len(rows)
            last_pk = rows[-1][0]


class Command(BaseCommand):
    help = "Re-encrypt all PII columns with the newest key in FIELD_ENCRYPTION_KEYS (newest first)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, **options):
        started = time.monotonic()
        total = 0
        for model, columns in encrypted_columns():
            count = rotate_model(model, columns, options["batch_size"])
            total += count
            self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted ({', '.join(columns)})")
        self.stdout.write(
            self.style.SUCCESS(f"{total} rows re-encrypted with the newest key in {time.monotonic() - started:.1f}s")
        )
