"""After rows arrive in bulk, the query planner has statistics to choose indexes by."""

import pytest
from django.db import connection

from tests.accounts.factories import PatientProfileFactory
from tests.visits.results.patient_factories import observe, report
from visits.planner import refresh_planner_statistics
from visits.results.models import Observation


@pytest.mark.django_db
def test_statistics_cover_the_lab_values():
    observe(report(PatientProfileFactory().user))
    refresh_planner_statistics()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT idx FROM sqlite_stat1 WHERE tbl = %s", [Observation._meta.db_table]
            )
        else:
            cursor.execute(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s "
                "AND last_analyze IS NOT NULL",
                [Observation._meta.db_table],
            )
        assert cursor.fetchall()
