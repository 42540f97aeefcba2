"""Account emails go out through the background task worker."""

import pytest
from django.core import mail
from django.tasks import default_task_backend
from django.urls import reverse

from accounts.tasks import send_email

pytestmark = pytest.mark.django_db


def test_send_email_task_sends_text_and_html():
    """The task sends one message with both bodies."""
    result = send_email.enqueue(
        subject="Hi", body="Plain", to=["a@example.com"], html="<p>Rich</p>"
    )
    assert result.return_value == 1
    assert mail.outbox[0].body == "Plain"
    assert mail.outbox[0].alternatives[0][0] == "<p>Rich</p>"


def test_signup_email_is_queued_as_a_task(client, settings):
    """Allauth's emails are handed to the task queue instead of sent in the request."""
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
    assert results[0].kwargs["to"] == ["queued@example.com"]
    assert "/accounts/confirm-email/" in results[0].kwargs["body"]


@pytest.mark.django_db(transaction=True)
def test_database_worker_delivers_queued_email(settings):
    """With the production backend, the db_worker command sends what was queued."""
    from django.core.management import call_command

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    send_email.using(backend="default").enqueue(
        subject="Queued", body="Later", to=["b@example.com"]
    )
    assert mail.outbox == []
    call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)
    assert [message.subject for message in mail.outbox] == ["Queued"]
