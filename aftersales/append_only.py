"""The audit log's append-only guard: the SQL side lives in migrations, this is the Python side.

On SQLite the DELETE trigger asks the function ``aftersales_audit_flush_allowed()``, registered here on every
connection this process opens. It answers 1 only inside `audit_flush_allowed` (the test runner's flush, when
``settings.AUDIT_LOG_FLUSH_ALLOWED`` is on). Any other program that opens the file (the sqlite3 shell) has no such
function, so its DELETE fails too. On PostgreSQL the flush suspends the triggers with
``session_replication_role = replica``, which only a superuser may set.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

SQLITE_FLUSH_FUNCTION = "aftersales_audit_flush_allowed"


def sqlite_functions_register(sender, connection, **kwargs) -> None:
    """connection_created receiver: give each SQLite connection the flush-flag function (0 unless flushing)."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SQLITE_FLUSH_FUNCTION, 0, lambda: 1 if getattr(connection, "_audit_flush_allowed", False) else 0
    )


@contextlib.contextmanager
def audit_flush_allowed(connection) -> Iterator[None]:
    """Let this connection empty the audit log for the duration (the test database flush only)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Needs superuser (or GRANT SET ON PARAMETER): the portal's own role cannot do this.
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET session_replication_role")
        return
    connection._audit_flush_allowed = True
    try:
        yield
    finally:
        connection._audit_flush_allowed = False
