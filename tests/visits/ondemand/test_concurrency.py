"""Two physicians never take the same patient, under real concurrent takers on PostgreSQL.

Each taker is a thread with its own connection, released at once by a barrier. SKIP LOCKED
sends each concurrent taker to the next waiting entry instead of waiting for a locked one; the
conditional UPDATE claims an entry at most once whatever happens.
"""

import threading

import pytest
from django.db import connection

from accounts.models import ProviderProfile
from tests.visits.ondemand.conftest import OPEN, joined, physician
from visits.ondemand import services
from visits.ondemand.models import QueueEntry
from visits.scheduling.models import Visit, VisitType

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrent takers need PostgreSQL's row locks (run with DATABASE_URL=postgres://...); "
        "SQLite runs one write transaction at a time, so its takers cannot overlap.",
    ),
]


def urgent_care_type() -> None:
    """Urgent care as the data migration makes it: transactional tests flush migrated rows."""
    VisitType.objects.get_or_create(
        slug="urgent-care",
        defaults={
            "name": "Urgent care",
            "duration_minutes": 15,
            "buffer_after_minutes": 5,
            "provider_kinds": ["physician"],
            "symptom_check": True,
        },
    )


def race(provider_ids: list[int]) -> list[str]:
    """Every physician takes the next patient at the same moment; each one's outcome: the
    entry id taken, "refused: <message>", or the unexpected error."""
    barrier = threading.Barrier(len(provider_ids))
    outcomes = [""] * len(provider_ids)

    def attempt(index: int) -> None:
        try:
            provider = ProviderProfile.objects.select_related("user").get(pk=provider_ids[index])
            barrier.wait(timeout=30)
            taken = services.take_next(provider=provider, actor=provider.user, now=OPEN)
            outcomes[index] = str(taken.entry.pk)
        except services.OnDemandRefused as refused:
            outcomes[index] = f"refused: {refused}"
        except Exception as error:  # any other error is what the test reports
            outcomes[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(provider_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return outcomes


class TestConcurrentTakers:
    def test_many_physicians_racing_for_one_patient_one_wins(self):
        """Twelve takers, one patient: one visit, eleven told nobody is waiting, no error."""
        urgent_care_type()
        physicians = [physician() for _ in range(12)]
        entry = joined()
        outcomes = race([p.pk for p in physicians])
        assert outcomes.count(str(entry.pk)) == 1, outcomes
        assert outcomes.count("refused: Nobody is waiting for you at the moment.") == 11, outcomes
        entry.refresh_from_db()
        assert entry.status == QueueEntry.Status.TAKEN
        assert Visit.objects.filter(patient=entry.patient).count() == 1

    def test_every_waiting_patient_is_taken_exactly_once(self):
        """Ten takers, four patients: four winners, each patient once, each taker at most one."""
        urgent_care_type()
        physicians = [physician() for _ in range(10)]
        entries = [joined() for _ in range(4)]
        outcomes = race([p.pk for p in physicians])
        won = [outcome for outcome in outcomes if not outcome.startswith("refused")]
        assert sorted(won) == sorted(str(e.pk) for e in entries), outcomes
        assert outcomes.count("refused: Nobody is waiting for you at the moment.") == 6, outcomes
        assert QueueEntry.objects.filter(status=QueueEntry.Status.TAKEN).count() == 4
        assert Visit.objects.filter(status=Visit.Status.IN_PROGRESS).count() == 4
        taken_by = QueueEntry.objects.values_list("taken_by", flat=True)
        assert len(set(taken_by)) == 4

    def test_the_taker_skips_locked_entries_rather_than_waiting(self):
        """The entry is read with FOR UPDATE SKIP LOCKED (of the entry's own row only)."""
        from django.test.utils import CaptureQueriesContext

        urgent_care_type()
        doctor = physician()
        joined()
        with CaptureQueriesContext(connection) as queries:
            services.take_next(provider=doctor, actor=doctor.user, now=OPEN)
        locking = [q["sql"] for q in queries if "SKIP LOCKED" in q["sql"]]
        assert len(locking) == 1
        assert 'FOR UPDATE OF "visits_queueentry" SKIP LOCKED' in locking[0]
