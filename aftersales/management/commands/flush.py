"""`flush`, as Django's, except that under the test settings it may also empty the append-only audit log.

Django's TransactionTestCase (pytest's ``transaction=True``) empties every table with this command between tests:
TRUNCATE on PostgreSQL, DELETE on SQLite, both of which the audit log refuses. With
``settings.AUDIT_LOG_FLUSH_ALLOWED`` (on only in aftersales/settings_test.py) the flush statements alone run with
the guard suspended (aftersales/append_only.py). Elsewhere a flush fails on the audit log and rolls back whole.
"""

from django.conf import settings
from django.core.management.commands import flush
from django.db import connections

from aftersales.append_only import audit_flush_allowed


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if not settings.AUDIT_LOG_FLUSH_ALLOWED:
            return super().handle(**options)
        original = connection.ops.execute_sql_flush

        def execute_sql_flush(sql_list):
            with audit_flush_allowed(connection):
                original(sql_list)

        connection.ops.execute_sql_flush = execute_sql_flush
        try:
            return super().handle(**options)
        finally:
            del connection.ops.execute_sql_flush
