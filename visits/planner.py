"""The database query planner's statistics, refreshed after rows arrive in bulk."""

from django.db import connection


def refresh_planner_statistics() -> None:
    """ANALYZE, so the query planner knows a patient's values are many and a report's few.

    Without statistics SQLite reads a report's values through the patient's per-test index, so
    every value of the record; PostgreSQL's autovacuum analyzes new rows, but only later. Run
    after the demo clinic is seeded and after the page benchmark grows its large clinic.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
