"""Database helpers that Django's ORM does not offer."""
from contextlib import contextmanager

from django.db import connection


@contextmanager
def prepared_cursor():
    """A cursor whose statements PostgreSQL prepares once per connection and then reuses.

    Django's psycopg cursors bind parameters on the client, so the server plans every
    statement anew. For a large statement run on every request (the risk signals' single
    SELECT of fifteen subqueries: planning took five times its execution) a server-side
    binding cursor lets psycopg prepare it after a few runs, and the plan is kept for the
    life of the connection. Queries still go through Django's cursor wrapper (counted and
    logged like any other). Other databases get the ordinary cursor.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    class PreparingCursor(psycopg.Cursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            # Django connects with prepare_threshold=None: psycopg then prepares nothing and keeps no account
            # of other queries (with a threshold it would remember the text of the last hundred, bulk inserts
            # of thousands of rows included). Lift it for this statement only.
            connection_ = self.connection
            threshold, connection_.prepare_threshold = connection_.prepare_threshold, 2**31 - 1
            try:
                return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)
            finally:
                connection_.prepare_threshold = threshold

        def _send_query_prepared(self, name, pgq, *, binary=None):
            super()._send_query_prepared(name, pgq, binary=binary)
            self._query = pgq  # what Django's query log reads (psycopg leaves it unset for prepared statements)

    connection.ensure_connection()
    raw = PreparingCursor(connection.connection)
    cursor = connection._prepare_cursor(raw)  # Django's wrapper: query logging, execute wrappers, errors
    try:
        yield cursor
    finally:
        raw.close()
