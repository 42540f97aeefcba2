"""The reminder email and the calendar file lead to check-in, never to the visit's data."""

import pytest
from django.core import mail
from django.urls import reverse

from visits.scheduling import notifications

pytestmark = pytest.mark.django_db


def test_the_reminder_links_to_check_in(soon, settings, django_capture_on_commit_callbacks):
    """The day-before reminder: check in from 15 minutes before, at the check-in URL."""
    settings.SITE_URL = "https://clinic.example"
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_reminder(soon)
    [message] = [m for m in mail.outbox if soon.patient.email in m.to]
    link = "https://clinic.example" + reverse("video:check_in", args=[soon.pk])
    assert (
        f"From 15 minutes before the start, check in for your video visit here (you sign in first):\n{link}\n"
        in message.body
    )
    assert "a few minutes before" not in message.body
    calendar = (
        message.attachments[0][1]
        if isinstance(message.attachments[0], tuple)
        else message.attachments[0].content
    )
    assert "check in for the video visit at" in calendar.replace("\r\n ", "")


def test_the_booking_email_says_how_to_join(soon, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_booked([soon])
    [message] = [m for m in mail.outbox if soon.patient.email in m.to]
    assert "check in from 15 minutes before the start" in message.body
