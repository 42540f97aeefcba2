"""The PostgreSQL connection kept between requests is checked without a query before each request
uses it (config/postgresql): a connection the server has ended is replaced, and the page answers."""

import time

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="The check is of PostgreSQL connections (run with DATABASE_URL=postgres://...).",
    ),
]


def _another_connection() -> psycopg.Connection:
    """A connection of its own to the test database, beside Django's."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


def _terminate(backend_pid: int) -> None:
    """End a connection from the server's side, as a restart or a failover would, and wait
    until the server has ended it (it does so a moment after being asked)."""
    with _another_connection() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alive = admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend_pid]
            ).fetchone()
            if alive is None:
                return
            time.sleep(0.01)
    raise AssertionError("the server did not end the connection")


@pytest.mark.django_db(transaction=True)
def test_a_page_answers_after_the_server_ended_the_kept_connection(patient_client):
    page = reverse("account_security")
    assert patient_client.get(page).status_code == 200
    ended = connection.connection.info.backend_pid
    _terminate(ended)

    close_old_connections()  # what the start of every request does in production
    response = patient_client.get(page)

    assert response.status_code == 200
    assert connection.connection.info.backend_pid != ended


@pytest.mark.django_db(transaction=True)
def test_a_sound_connection_is_kept_and_checked_without_a_statement():
    connection.ensure_connection()
    kept = connection.connection
    sent_before = _statements_sent(kept)

    assert connection.is_usable()
    close_old_connections()
    connection.ensure_connection()

    assert connection.connection is kept
    assert _statements_sent(kept) == sent_before


@pytest.mark.django_db(transaction=True)
def test_a_connection_in_a_failed_transaction_is_not_usable():
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = False
    with pytest.raises(psycopg.errors.DivisionByZero):
        raw.execute("SELECT 1 / 0")

    assert not connection.is_usable()
    raw.rollback()
    raw.autocommit = True
    assert connection.is_usable()


def _statements_sent(raw: psycopg.Connection) -> int:
    """The statements the server has finished on this connection (pg_stat_activity's state
    change time changes with each one), read from another connection so as not to add one."""
    with _another_connection() as other:
        row = other.execute(
            "SELECT extract(epoch FROM state_change) * 1e6 FROM pg_stat_activity WHERE pid = %s",
            [raw.info.backend_pid],
        ).fetchone()
    return int(row[0]) if row else -1
