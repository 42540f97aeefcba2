"""No protected data in any log: a database error carrying a patient's name logs without it."""

import io
import logging

import pytest
from django.db import DatabaseError, IntegrityError, connection
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from accounts.policy import public
from config.logging import RedactProtectedData
from tests.accounts.factories import PatientProfileFactory

NAME = "Marisol Quintanilla-Okafor"


@pytest.fixture
def log_output():
    """What the configured console handler writes, as text."""
    handler = next(h for h in logging.getLogger().handlers if h.filters)
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield stream
    handler.setStream(old)


def provoke_database_error(name: str) -> None:
    """Make the database refuse a value holding the name, as a bad insert would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT CAST(%s AS integer)", [name])
        else:  # SQLite casts anything; its errors name no rows, so raise one that does
            raise IntegrityError(f"CHECK constraint failed. Failing row contains ({name}).")


@public
def failing_view(request):
    """A page whose query fails on a patient's data."""
    try:
        provoke_database_error(PatientProfileFactory(legal_first_name=NAME).legal_name)
    except DatabaseError as error:
        raise RuntimeError(f"could not save {NAME}") from error
    return HttpResponse()


urlpatterns = [path("fails/", failing_view)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(__name__)
class TestNoPatientDataInLogs:
    def test_a_failing_page_logs_the_error_without_the_name(self, log_output):
        """The 500 is logged with the error's kind and place; the patient's name appears nowhere."""
        response = Client(raise_request_exception=False).get("/fails/")
        assert response.status_code == 500
        written = log_output.getvalue()
        assert "Internal Server Error: /fails/" in written
        assert "RuntimeError" in written
        assert "failing_view" in written
        assert NAME not in written
        assert "Quintanilla" not in written


class TestTheFilter:
    def record(self, msg, *args, name="housecall", exc_info=None):
        return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, exc_info)

    def test_sql_is_logged_without_its_parameters(self):
        """A query log line keeps its timing and loses the SQL and parameters."""
        record = self.record(
            "(%.3f) %s; args=%s; alias=%s",
            0.002,
            f"SELECT 1 WHERE name = '{NAME}'",
            (NAME,),
            "default",
            name="django.db.backends",
        )
        record.sql, record.params, record.duration = f"... {NAME}", (NAME,), 0.002
        RedactProtectedData().filter(record)
        assert NAME not in record.getMessage()
        assert record.sql is None
        assert record.params is None

    def test_database_detail_in_a_message_is_cut(self):
        """PostgreSQL's DETAIL and CONTEXT lines never reach the log."""
        record = self.record(
            'invalid input syntax for type json\nDETAIL: Token "x" is invalid.\nCONTEXT: JSON data, line 1: {"name": "%s"',
            NAME,
        )
        RedactProtectedData().filter(record)
        assert NAME not in record.getMessage()
        assert "details withheld" in record.getMessage()

    def test_exceptions_keep_their_kind_and_frames_only(self):
        """The traceback says where, not what."""
        try:
            raise ValueError(f"bad value for {NAME}")
        except ValueError:
            import sys

            record = self.record("failed", exc_info=sys.exc_info())
        RedactProtectedData().filter(record)
        assert record.exc_info is None
        assert "builtins.ValueError (message withheld)" in record.exc_text
        assert "test_exceptions_keep_their_kind_and_frames_only" in record.exc_text
        assert NAME not in record.exc_text
