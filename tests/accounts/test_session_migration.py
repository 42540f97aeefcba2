"""Deploying the sessions with their person's key signs nobody out: live sessions come across."""

import datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session as OldSession
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import Session
from accounts.request_loads import SessionStore

BEFORE = [("accounts", "0005_patient_record_number")]
AFTER = [("accounts", "0006_user_sessions")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_live_sessions_keep_their_person_and_expired_ones_are_left(patient):
    encode = SessionStore().encode
    _migrate(BEFORE)
    try:
        later = timezone.now() + datetime.timedelta(hours=1)
        OldSession.objects.create(
            session_key="live-session-key",
            session_data=encode({SESSION_KEY: str(patient.pk)}),
            expire_date=later,
        )
        OldSession.objects.create(
            session_key="anonymous-session-key", session_data=encode({"kept": 1}), expire_date=later
        )
        OldSession.objects.create(
            session_key="expired-session-key",
            session_data=encode({SESSION_KEY: str(patient.pk)}),
            expire_date=timezone.now() - datetime.timedelta(seconds=1),
        )
    finally:
        _migrate(AFTER)

    assert Session.objects.get(session_key="live-session-key").user_id == patient.pk
    assert SessionStore("live-session-key").load() == {SESSION_KEY: str(patient.pk)}
    assert Session.objects.get(session_key="anonymous-session-key").user_id is None
    assert not Session.objects.filter(session_key="expired-session-key").exists()
