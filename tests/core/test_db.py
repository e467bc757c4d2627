"""core.db.prepared_cursor: planned once per connection, a generic plan reused, still in Django's query log."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.db import prepared_cursor

pytestmark = pytest.mark.django_db


def test_a_prepared_statement_is_planned_once_and_logged():
    sql = "SELECT %s::int * 2 AS doubled /* test_a_prepared_statement */"
    with CaptureQueriesContext(connection) as captured:
        for n in range(3):
            with prepared_cursor() as cursor:
                cursor.execute(sql, [n])
                assert cursor.fetchone()[0] == n * 2
    assert len(captured) == 3 and all("doubled" in q["sql"] for q in captured.captured_queries)
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                       "WHERE statement LIKE %s", ["%test_a_prepared_statement%"])
        assert cursor.fetchall() == [(3, 0)]  # one statement, its generic plan run three times, never replanned


def test_other_queries_are_never_prepared():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        for _ in range(10):
            cursor.execute("SELECT 1 /* test_other_queries */")
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%test_other_queries%"])
        assert cursor.fetchone()[0] == 0


def test_psycopg_keeps_no_account_of_other_queries():
    """With a prepare threshold psycopg would remember the text of recent queries (bulk inserts included)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int /* test_no_account */", [1])
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text", ["x" * 100_000])
    assert connection.connection.prepare_threshold is None
    assert not connection.connection._prepared._counts
