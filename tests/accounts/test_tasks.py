"""Emails go out through the background task worker, sealed while they wait in the queue."""

import json

import pytest
from django.core import mail
from django.tasks import default_task_backend
from django.urls import reverse

from accounts.crypto import seal, unseal
from accounts.tasks import queue_email, send_email

pytestmark = pytest.mark.django_db


def test_send_email_task_sends_text_and_html():
    """The task sends one message with both bodies."""
    queue_email(subject="Hi", body="Plain", to=["a@example.com"], html="<p>Rich</p>")
    assert mail.outbox[0].body == "Plain"
    assert mail.outbox[0].alternatives[0][0] == "<p>Rich</p>"


def test_signup_email_is_queued_sealed(client, settings):
    """Allauth's emails are queued for the worker, and the queue holds no readable link."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    client.post(
        reverse("account_signup"),
        {
            "email": "queued@example.com",
            "password1": "queue-Me-please-1",
            "password2": "queue-Me-please-1",
        },
    )
    assert mail.outbox == []
    results = default_task_backend.results
    assert len(results) == 1
    assert results[0].task.name == "send_email"
    stored = json.dumps(results[0].kwargs)
    assert "queued@example.com" not in stored
    assert "confirm-email" not in stored
    opened = json.loads(unseal(results[0].kwargs["sealed"]))
    assert opened["to"] == ["queued@example.com"]
    assert "/accounts/confirm-email/" in opened["body"]


@pytest.mark.django_db(transaction=True)
def test_database_worker_delivers_queued_email_and_keeps_nothing_readable(settings):
    """With the production backend, the task table holds the email sealed; the worker sends it."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    send_email.using(backend="default").enqueue(
        sealed=seal(
            json.dumps(
                {
                    "subject": "Queued",
                    "body": "Reset your password: https://housecall.example/reset/abc-123/",
                    "to": ["b@example.com"],
                    "html": "",
                    "attachments": [],
                }
            )
        )
    )
    row = DBTaskResult.objects.get()
    assert "abc-123" not in json.dumps(row.args_kwargs)
    assert "b@example.com" not in json.dumps(row.args_kwargs)
    assert mail.outbox == []
    call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)
    assert [message.subject for message in mail.outbox] == ["Queued"]
    row.refresh_from_db()
    assert "abc-123" not in json.dumps(row.args_kwargs) + str(row.return_value)
