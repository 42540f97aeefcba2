"""No provider or patient is booked twice: exclusion constraints on PostgreSQL.

SQLite has no EXCLUDE, so these run only on PostgreSQL; on SQLite booking transactions are
serialised (transaction_mode IMMEDIATE) and checked in visits.scheduling.services. The
constraints are DEFERRABLE so that moving a whole series can shift visits past one another
inside one transaction.
"""

from django.db import migrations

HOLDING = "('booked', 'checked_in', 'in_progress', 'completed', 'no_show')"

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""
    ALTER TABLE visits_visit ADD CONSTRAINT visit_provider_no_overlap
    EXCLUDE USING gist (provider_id WITH =, tstzrange(start, blocked_until, '[)') WITH &&)
    WHERE (status IN {HOLDING}) DEFERRABLE INITIALLY IMMEDIATE
    """,
    f"""
    ALTER TABLE visits_visit ADD CONSTRAINT visit_patient_no_overlap
    EXCLUDE USING gist (patient_id WITH =, tstzrange(start, "end", '[)') WITH &&)
    WHERE (status IN {HOLDING}) DEFERRABLE INITIALLY IMMEDIATE
    """,
]
DROP = [
    "ALTER TABLE visits_visit DROP CONSTRAINT IF EXISTS visit_patient_no_overlap",
    "ALTER TABLE visits_visit DROP CONSTRAINT IF EXISTS visit_provider_no_overlap",
]


def run_on_postgresql(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]

    operations = [migrations.RunPython(run_on_postgresql(CREATE), run_on_postgresql(DROP))]
