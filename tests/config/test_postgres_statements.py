"""PostgreSQL plans a page's queries once a connection, not on every request: the values are
bound on the server and a statement run five times is prepared."""

import pytest
from django.db import connection
from django.utils import timezone

from tests.accounts.factories import PatientProfileFactory
from visits.views import PAST

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Prepared statements are PostgreSQL's (run with DATABASE_URL=postgres://...).",
    ),
    pytest.mark.django_db,
]


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_query_run_five_times_is_prepared_with_its_values_as_parameters():
    """The home page's past visits, run for two patients: one statement, its values bound."""
    ana, ben = (PatientProfileFactory(intake=False).user for _ in range(2))
    for _ in range(3):
        for patient in (ana, ben):
            PAST.run(viewer=patient, now=timezone.now(), limit=10)
    statements = [sql for sql in _prepared_statements() if '"visits_visit"' in sql]
    assert len(statements) == 1
    assert '"visits_visit"."patient_id" = ($1)' in statements[0]


def test_a_statement_run_fewer_times_is_not_prepared():
    """One-off queries (an admin search, a report) are not kept on the server."""
    patient = PatientProfileFactory(intake=False).user
    for _ in range(4):
        PAST.run(viewer=patient, now=timezone.now(), limit=7)
    assert not [sql for sql in _prepared_statements() if "LIMIT 7" in sql]
