"""Shared test set-up: a clean cache, fast password hashing, and people in each role."""

import os
import threading

import pytest
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread
from hypothesis import settings as hypothesis_settings

# CI explores the same examples on every run, so a run fails only for a change in the code.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

pytest_plugins = ["tests.accounts.fixtures"]


class OneRequestAtATime(WSGIServer):
    """The live server, answering one request at a time in its own thread.

    On SQLite the test database is in memory, and the live server's request threads would all
    share the test's one connection: two requests at once (a video room's polls from two
    browsers) then run inside each other's transactions, and one's failure poisons the other's.
    Answered one at a time, each request has the connection to itself. PostgreSQL gives each
    thread its own connection, so it keeps Django's threaded server.

    The same holds between a test and the next: a page still polling when its test ends would
    be answered while the test database is being emptied on that connection ("database table
    is locked"). ``quiesce()`` waits for the request being answered and refuses the rest until
    ``resume()``; every test with the live server resumes it first and quiesces it last.
    """

    def __init__(self, *args, connections_override=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override
        self.answering = threading.Lock()
        self.refusing = False

    def verify_request(self, request, client_address) -> bool:
        return not self.refusing

    def process_request(self, request, client_address) -> None:
        with self.answering:
            super().process_request(request, client_address)

    def quiesce(self) -> None:
        self.refusing = True
        with self.answering:
            pass

    def resume(self) -> None:
        self.refusing = False


@pytest.fixture(scope="session", autouse=True)
def _live_server_one_request_at_a_time_on_sqlite():
    if connection.vendor != "sqlite":
        yield
        return
    threaded = LiveServerThread.server_class
    LiveServerThread.server_class = OneRequestAtATime
    yield
    LiveServerThread.server_class = threaded


@pytest.fixture(autouse=True)
def _live_server_quiet_between_tests(request: pytest.FixtureRequest):
    """No request is answered once a test is over and its database is being emptied.

    Set up after the test database and before the test's pages, so it is torn down after the
    pages are closed and before the database is emptied.
    """
    if "live_server" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("live_server").thread.httpd
    if not isinstance(server, OneRequestAtATime):
        yield
        return
    server.resume()
    yield
    server.quiesce()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters from one test never leak into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords quickly; production keeps Django's slow default."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
