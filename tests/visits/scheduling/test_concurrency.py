"""No double booking under concurrent requests: the database has the last word.

On PostgreSQL the exclusion constraints refuse overlapping rows; on SQLite every booking
transaction takes the write lock when it begins (transaction_mode IMMEDIATE), so bookings run
one after another. Both are tested with real threads, each on its own connection.
"""

import datetime
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction

from accounts.models import ProviderProfile, User
from tests.accounts.factories import PatientProfileFactory
from tests.visits.factories import (
    MONDAY,
    NOW,
    VisitFactory,
    VisitTypeFactory,
    at,
    provider_with_hours,
)
from visits.scheduling import notifications, services
from visits.scheduling.models import Visit, VisitType

ATTEMPTS = 24
TUESDAY = MONDAY + datetime.timedelta(days=1)
PROJECT = Path(__file__).resolve().parents[3]

on_postgresql = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Exclusion constraints and concurrent writers need PostgreSQL "
        "(run with DATABASE_URL=postgres://...); SQLite is covered by the SQLite tests below.",
    ),
]
on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="Checks SQLite's serialised booking transactions."
)


def urgent_care(*providers: ProviderProfile) -> VisitType:
    """Urgent care's rules (15 minutes, 5 minutes' buffer), made here because transactional
    tests may run after another one has flushed the migrated visit types."""
    return VisitTypeFactory(
        duration_minutes=15,
        buffer_after_minutes=5,
        minimum_notice_minutes=30,
        booking_horizon_days=7,
        slot_interval_minutes=15,
        offered_by=providers,
    )


def race(
    *,
    visit_type_id: int,
    attempts: list[tuple[int, int]],
    start: datetime.datetime,
    now: datetime.datetime,
) -> list[str]:
    """Each (provider id, patient id) attempt books `start` at once, one thread and connection each.

    Returns each attempt's outcome: "booked", "taken" (SlotTaken) or the unexpected error.
    """
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = [""] * len(attempts)

    def attempt(index: int) -> None:
        try:
            provider_id, patient_id = attempts[index]
            provider = ProviderProfile.objects.get(pk=provider_id)
            visit_type = VisitType.objects.get(pk=visit_type_id)
            patient = User.objects.get(pk=patient_id)
            barrier.wait(timeout=30)
            services.visit_book(
                patient=patient,
                actor=patient,
                provider=provider,
                visit_type=visit_type,
                start=start,
                now=now,
            )
            outcomes[index] = "booked"
        except services.SlotTaken:
            outcomes[index] = "taken"
        except Exception as error:  # any other error is what the test reports
            outcomes[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return outcomes


def change_race(*, visit_id: str, changes: list[str], now: datetime.datetime) -> dict:
    """Each change ("cancel", or "move@<ISO start>") is made at once by the visit's patient, one
    thread and connection each, each from its own copy of the visit read before any ran.

    Returns each change's outcome ("done", "changed" for VisitChanged, or the unexpected error)
    and the emails sent, by template.
    """
    barrier = threading.Barrier(len(changes))
    outcomes: list[str] = [""] * len(changes)
    sent: list[str] = []
    send = notifications._send

    def counted_send(template, *args, **kwargs):
        sent.append(template)
        return send(template, *args, **kwargs)

    def change(index: int) -> None:
        try:
            visit = Visit.objects.select_related("visit_type", "provider__user", "patient").get(
                pk=visit_id
            )
            barrier.wait(timeout=30)
            if changes[index] == "cancel":
                services.visit_cancel(visit=visit, actor=visit.patient, now=now)
            else:
                new_start = datetime.datetime.fromisoformat(changes[index].removeprefix("move@"))
                services.visit_reschedule(
                    visit=visit, new_start=new_start, actor=visit.patient, now=now
                )
            outcomes[index] = "done"
        except services.VisitChanged:
            outcomes[index] = "changed"
        except Exception as error:  # any other error is what the test reports
            outcomes[index] = repr(error)
        finally:
            connection.close()

    notifications._send = counted_send
    try:
        threads = [threading.Thread(target=change, args=(i,)) for i in range(len(changes))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
    finally:
        notifications._send = send
    return {"outcomes": outcomes, "sent": sent}


TWO_CHANGES = {
    "cancel x move": ["cancel", f"move@{at(TUESDAY, 14).isoformat()}"],
    "move x move": [f"move@{at(TUESDAY, 14).isoformat()}", f"move@{at(TUESDAY, 15).isoformat()}"],
    "cancel x cancel": ["cancel", "cancel"],
}
ROUNDS = 4


def booked_visits(rounds: int) -> list[str]:
    """`rounds` visits at 10:00 on Tuesday, each with its own provider and patient, committed."""
    visits = []
    for _ in range(rounds):
        provider = provider_with_hours(slugs=())
        patient = PatientProfileFactory().user
        visit = services.visit_book(
            patient=patient,
            actor=patient,
            provider=provider,
            visit_type=urgent_care(provider),
            start=at(TUESDAY, 10),
            now=NOW,
        )
        visits.append(str(visit.pk))
    return visits


def assert_one_winner(changes: list[str], result: dict, row: tuple) -> None:
    """Exactly one change won, the other was told the visit changed, one email and one bump."""
    outcomes, sent = result["outcomes"], result["sent"]
    assert sorted(outcomes) == ["changed", "done"], outcomes
    winner = changes[outcomes.index("done")]
    status, start, sequence = row
    assert sequence == 1, row
    assert len(sent) == 1, sent
    if winner == "cancel":
        assert status == "cancelled", row
        assert start == at(TUESDAY, 10), row  # a cancelled visit keeps its old time
        assert sent == ["cancelled"]
    else:
        assert status == "booked", row
        assert start == datetime.datetime.fromisoformat(winner.removeprefix("move@")), row
        assert sent == ["moved"]


def many_patients_one_provider() -> dict:
    """A provider offering urgent care and ATTEMPTS patients in Texas, all committed."""
    provider = provider_with_hours(slugs=())
    patients = [PatientProfileFactory().user for _ in range(ATTEMPTS)]
    return {
        "visit_type_id": urgent_care(provider).pk,
        "attempts": [(provider.pk, patient.pk) for patient in patients],
        "start": at(TUESDAY, 10),
        "now": NOW,
    }


def one_patient_many_providers() -> dict:
    """ATTEMPTS providers offering urgent care and one patient, all committed."""
    providers = [provider_with_hours(slugs=()) for _ in range(ATTEMPTS)]
    patient = PatientProfileFactory().user
    return {
        "visit_type_id": urgent_care(*providers).pk,
        "attempts": [(provider.pk, patient.pk) for provider in providers],
        "start": at(TUESDAY, 10),
        "now": NOW,
    }


def refused_by_postgresql(taken: services.SlotTaken) -> bool:
    """Whether SlotTaken came from the database: a constraint violation or a broken deadlock."""
    cause = taken.__cause__
    return isinstance(cause, IntegrityError) or (
        isinstance(cause, OperationalError)
        and getattr(cause.__cause__, "sqlstate", None) == services.DEADLOCK_DETECTED
    )


def insert_only_when_everyone_has_checked(monkeypatch) -> list[bool]:
    """Hold every booking between its free-time check and its INSERT until all have checked,
    so each one has seen the slot free; returns, per refused INSERT, whether the database
    refused it: an exclusion constraint's IntegrityError, or the deadlock PostgreSQL breaks
    when two inserts each wait for the other's row."""
    checked = threading.Barrier(ATTEMPTS)
    insert = services._insert
    refused_by_database: list[bool] = []

    def insert_after_everyone_checked(visit: Visit) -> None:
        checked.wait(timeout=30)
        try:
            insert(visit)
        except services.SlotTaken as taken:
            refused_by_database.append(refused_by_postgresql(taken))
            raise

    monkeypatch.setattr(services, "_insert", insert_after_everyone_checked)
    return refused_by_database


@pytest.mark.django_db(transaction=True)
class TestRaceOnPostgreSQL:
    pytestmark = on_postgresql

    def test_two_bookings_waiting_on_each_other_are_told_the_time_is_taken(self):
        """A deadlock between two overlapping inserts reaches the patient as SlotTaken.

        Each transaction holds one uncommitted visit, then inserts one overlapping the other's,
        so each waits for the other; PostgreSQL fails one to break the cycle, and once that one
        commits what it holds the other's insert is refused by the constraint.
        """
        provider = provider_with_hours(slugs=())
        visit_type = urgent_care(provider)
        patients = [PatientProfileFactory().user for _ in range(4)]
        ten, eleven = at(TUESDAY, 10), at(TUESDAY, 11)
        both_hold_one = threading.Barrier(2)
        refusals: dict[str, str] = {}

        def visit_at(patient, start) -> Visit:
            return services._new_visit(
                patient=patient,
                provider=provider,
                visit_type=visit_type,
                start=start,
                reason="",
                booked_by=None,
            )

        def book(name: str, patient, held, wanted_by, wanted) -> None:
            try:
                with transaction.atomic():
                    services._insert(visit_at(patient, held))
                    both_hold_one.wait(timeout=30)
                    try:
                        services._insert(visit_at(wanted_by, wanted))
                        refusals[name] = "none"
                    except services.SlotTaken as taken:
                        refusals[name] = type(taken.__cause__).__name__
            except Exception as error:  # any other error is what the test reports
                refusals[name] = repr(error)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=book, args=("a", patients[0], ten, patients[1], eleven)),
            threading.Thread(target=book, args=("b", patients[2], eleven, patients[3], ten)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert sorted(refusals.values()) == ["IntegrityError", "OperationalError"], refusals
        assert sorted(Visit.objects.values_list("patient", flat=True)) == sorted(
            [patients[0].pk, patients[2].pk]
        )

    def test_many_patients_racing_for_one_slot_get_one_visit(self):
        """24 simultaneous bookings of one slot: one visit, 23 friendly SlotTaken, nothing else."""
        race_for = many_patients_one_provider()
        outcomes = race(**race_for)
        assert outcomes.count("booked") == 1, sorted(set(outcomes))
        assert outcomes.count("taken") == ATTEMPTS - 1, sorted(set(outcomes))
        assert Visit.objects.count() == 1

    def test_the_provider_constraint_alone_stops_a_race(self, monkeypatch):
        """With the provider-row lock lifted and every request past the check, one row gets in."""
        # The booking service also locks the provider's row, which queues these requests;
        # without it the exclusion constraint must still have the last word.
        monkeypatch.setattr(services, "_lock_schedule", lambda provider: None, raising=False)
        refused_by_database = insert_only_when_everyone_has_checked(monkeypatch)
        outcomes = race(**many_patients_one_provider())
        assert outcomes.count("booked") == 1, sorted(set(outcomes))
        assert outcomes.count("taken") == ATTEMPTS - 1, sorted(set(outcomes))
        assert refused_by_database == [True] * (ATTEMPTS - 1)
        assert Visit.objects.count() == 1

    def test_one_patient_racing_for_many_providers_gets_one_visit(self, monkeypatch):
        """The same patient booking 24 providers for the same time at once ends with one visit."""
        refused_by_database = insert_only_when_everyone_has_checked(monkeypatch)
        outcomes = race(**one_patient_many_providers())
        assert outcomes.count("booked") == 1, sorted(set(outcomes))
        assert outcomes.count("taken") == ATTEMPTS - 1, sorted(set(outcomes))
        assert refused_by_database == [True] * (ATTEMPTS - 1)
        assert Visit.objects.count() == 1


@pytest.mark.django_db(transaction=True)
class TestOneVisitTwoTabsOnPostgreSQL:
    pytestmark = on_postgresql

    @pytest.mark.parametrize("pair", TWO_CHANGES)
    def test_of_two_changes_sent_at_once_exactly_one_wins(self, pair):
        """Cancel x move, move x move, cancel x cancel: one wins, the other is told, never both."""
        changes = TWO_CHANGES[pair]
        for visit_id in booked_visits(ROUNDS):
            result = change_race(visit_id=visit_id, changes=changes, now=NOW)
            visit = Visit.objects.get(pk=visit_id)
            assert_one_winner(changes, result, (visit.status, visit.start, visit.sequence))


@pytest.mark.django_db
class TestExclusionConstraints:
    pytestmark = on_postgresql

    def insert(self, **fields) -> Visit:
        with transaction.atomic():
            return VisitFactory(**fields)

    def test_an_overlapping_row_for_the_provider_is_refused(self):
        """A second row at the same time with the same provider fails with IntegrityError."""
        first = self.insert(start=at(TUESDAY, 10))
        with pytest.raises(IntegrityError, match="visit_provider_no_overlap"):
            self.insert(provider=first.provider, start=at(TUESDAY, 10, 5))

    def test_a_row_inside_only_the_buffer_is_refused(self):
        """Starting when the last visit ends, inside its buffer, is refused; after the buffer it fits."""
        first = self.insert(start=at(TUESDAY, 10))
        assert first.end < first.blocked_until
        with pytest.raises(IntegrityError, match="visit_provider_no_overlap"):
            self.insert(provider=first.provider, start=first.end)
        assert self.insert(provider=first.provider, start=first.blocked_until)

    def test_cancelled_rows_do_not_hold_time(self):
        """The constraint covers holding statuses only, so a cancelled visit can be replaced."""
        first = self.insert(start=at(TUESDAY, 10), status=Visit.Status.CANCELLED)
        assert self.insert(provider=first.provider, start=first.start)

    def test_the_same_patient_cannot_hold_two_overlapping_visits(self):
        """One patient, two providers, overlapping times: the patient constraint refuses it."""
        first = self.insert(start=at(TUESDAY, 10))
        with pytest.raises(IntegrityError, match="visit_patient_no_overlap"):
            self.insert(patient=first.patient, start=at(TUESDAY, 10, 10))
        assert self.insert(patient=first.patient, start=first.end)


# Run in a child process: the race against a database file, with the project's own settings.
CHILD = """
import json, sys, datetime
import django
django.setup()
from tests.visits.scheduling.test_concurrency import race
arguments = json.loads(sys.argv[1])
for key in ("start", "now"):
    arguments[key] = datetime.datetime.fromisoformat(arguments[key])
print(json.dumps(race(**arguments)))
"""


CHANGE_CHILD = """
import json, sys, datetime
import django
django.setup()
from tests.visits.scheduling.test_concurrency import change_race
arguments = json.loads(sys.argv[1])
now = datetime.datetime.fromisoformat(arguments["now"])
print(json.dumps([
    change_race(visit_id=visit_id, changes=arguments["changes"], now=now)
    for visit_id in arguments["visits"]
]))
"""


def run_on_a_database_file(tmp_path, script: str, arguments: dict) -> tuple[Path, str]:
    """Copy the test database to a file and run `script` against it in a child process."""
    database = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(database) as copy:
        connection.connection.backup(copy)
    copy.close()
    child = subprocess.run(
        [sys.executable, "-c", script, json.dumps(arguments)],
        cwd=PROJECT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{database}",
            "EMAIL_URL": "memorymail://",
            "PYTHONPATH": str(PROJECT),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    return database, child.stdout.strip().splitlines()[-1]


@pytest.mark.django_db(transaction=True)
class TestOneVisitTwoTabsOnSQLite:
    pytestmark = on_sqlite

    @pytest.mark.parametrize("pair", TWO_CHANGES)
    def test_of_two_changes_sent_at_once_exactly_one_wins(self, tmp_path, pair):
        """Threads on a database file: cancel x move, move x move, cancel x cancel, one winner."""
        changes = TWO_CHANGES[pair]
        visits = booked_visits(ROUNDS)
        database, output = run_on_a_database_file(
            tmp_path,
            CHANGE_CHILD,
            {"visits": visits, "changes": changes, "now": NOW.isoformat()},
        )
        results = json.loads(output)
        with sqlite3.connect(database) as rows:
            for visit_id, result in zip(visits, results, strict=True):
                status, start, sequence = rows.execute(
                    "SELECT status, start, sequence FROM visits_visit WHERE id = ?",
                    (visit_id.replace("-", ""),),
                ).fetchone()
                when = datetime.datetime.fromisoformat(start).replace(tzinfo=datetime.UTC)
                assert_one_winner(changes, result, (status, when, sequence))
        rows.close()


@pytest.mark.django_db(transaction=True)
class TestRaceOnSQLite:
    pytestmark = on_sqlite

    def test_settings_serialise_booking_transactions(self):
        """Write transactions take the lock at BEGIN and wait for it rather than fail at once."""
        options = settings.DATABASES["default"]["OPTIONS"]
        assert options["transaction_mode"] == "IMMEDIATE"
        assert options["timeout"] >= 5

    def test_many_threads_racing_on_a_database_file_get_one_visit(self, tmp_path):
        """24 threads book one slot in a file database (the test database copied): one wins."""
        race_for = many_patients_one_provider()
        database = tmp_path / "race.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(database) as copy:
            connection.connection.backup(copy)
        copy.close()
        arguments = {**race_for, "start": race_for["start"].isoformat()}
        arguments["now"] = race_for["now"].isoformat()
        child = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps(arguments)],
            cwd=PROJECT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": f"sqlite:///{database}",
                "EMAIL_URL": "memorymail://",
                "PYTHONPATH": str(PROJECT),
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert child.returncode == 0, child.stderr
        outcomes = json.loads(child.stdout.strip().splitlines()[-1])
        assert len(outcomes) == ATTEMPTS
        assert outcomes.count("booked") == 1, sorted(set(outcomes))
        assert outcomes.count("taken") == ATTEMPTS - 1, outcomes
        with sqlite3.connect(database) as result:
            booked = result.execute("SELECT COUNT(*) FROM visits_visit").fetchone()[0]
        result.close()
        assert booked == 1

    def test_a_second_booking_of_the_same_time_is_refused(self):
        """One after the other, the second booking of a slot gets SlotTaken and no row."""
        race_for = many_patients_one_provider()
        (provider_id, first_id), (_, second_id) = race_for["attempts"][:2]
        provider = ProviderProfile.objects.get(pk=provider_id)
        visit_type = VisitType.objects.get(pk=race_for["visit_type_id"])
        first, second = User.objects.get(pk=first_id), User.objects.get(pk=second_id)
        services.visit_book(
            patient=first,
            actor=first,
            provider=provider,
            visit_type=visit_type,
            start=race_for["start"],
            now=NOW,
        )
        with pytest.raises(services.SlotTaken):
            services.visit_book(
                patient=second,
                actor=second,
                provider=provider,
                visit_type=visit_type,
                start=race_for["start"],
                now=NOW,
            )
        assert Visit.objects.count() == 1
