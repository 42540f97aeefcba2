"""The day-before reminder: sent once, only for booked visits, queued for the right moment."""

import datetime
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.crypto import unseal
from accounts.models import ProviderProfile
from tests.accounts.factories import PatientProfileFactory
from tests.visits.factories import (
    VisitFactory,
    mail_to,
    provider_with_hours,
    symptoms_checked,
    visit_type,
)
from visits.scheduling.availability import free_times, with_schedules
from visits.scheduling.models import Visit
from visits.scheduling.services import visit_book
from visits.scheduling.tasks import REMINDER_LEAD, send_due_reminders, send_visit_reminder

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def visit_in(hours: float, **fields) -> Visit:
    """A visit starting this many hours from the real clock (the task reads timezone.now())."""
    start = timezone.now().replace(microsecond=0) + hours * HOUR
    return VisitFactory(start=start, **fields)


def remind(visit: Visit) -> bool:
    """Run the task as the worker would; returns whether it claimed the reminder.

    Its email goes out when its transaction commits; the test's own transaction never does.
    """
    with TestCase.captureOnCommitCallbacks(execute=True):
        return send_visit_reminder.enqueue(str(visit.pk)).return_value


def sweep() -> int:
    """The reminder sweep, with its transactions' emails sent as on commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return send_due_reminders()


class TestSendVisitReminder:
    def test_sends_once_for_a_booked_visit_within_a_day(self):
        """A booked visit in three hours gets one reminder email, recorded on the visit."""
        visit = visit_in(3)
        assert remind(visit) is True
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [visit.patient.email]
        assert "reminder" in message.subject
        assert any(attachment.mimetype == "text/calendar" for attachment in message.attachments)
        visit.refresh_from_db()
        assert visit.reminder_sent_at is not None

    def test_a_retry_sends_nothing_more(self):
        """Running the task again for the same visit (a retry or a duplicate) sends no second email."""
        visit = visit_in(3)
        assert remind(visit) is True
        assert remind(visit) is False
        assert len(mail.outbox) == 1

    @pytest.mark.parametrize(
        "status",
        [Visit.Status.CANCELLED, Visit.Status.LATE_CANCELLED, Visit.Status.COMPLETED],
    )
    def test_visits_no_longer_booked_get_none(self, status):
        """Cancelled (or otherwise no longer booked) visits are not reminded."""
        visit = visit_in(3, status=status)
        assert remind(visit) is False
        assert mail.outbox == []
        visit.refresh_from_db()
        assert visit.reminder_sent_at is None

    def test_visits_more_than_a_day_away_get_none_yet(self):
        """A visit in 25 hours is not reminded yet; in 23 hours it is."""
        later = visit_in(25)
        assert remind(later) is False
        assert remind(visit_in(23)) is True
        assert len(mail.outbox) == 1
        later.refresh_from_db()
        assert later.reminder_sent_at is None

    def test_visits_already_started_get_none(self):
        """A visit that has begun is past reminding."""
        assert remind(visit_in(-0.1)) is False
        assert mail.outbox == []


class TestSendDueReminders:
    def test_sends_each_due_reminder_once(self):
        """The sweep reminds every due booked visit once and skips the rest; a second sweep sends nothing."""
        due = [visit_in(2), visit_in(20)]
        visit_in(30)
        visit_in(5, status=Visit.Status.CANCELLED)
        visit_in(6, reminder_sent_at=timezone.now())
        assert sweep() == 2
        assert sorted(message.to[0] for message in mail.outbox) == sorted(
            visit.patient.email for visit in due
        )
        assert sweep() == 0
        assert len(mail.outbox) == 2

    def test_command_reports_how_many_it_sent(self, capsys):
        """manage.py send_due_reminders says how many reminders went out."""
        visit_in(2)
        visit_in(3)
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("send_due_reminders")
        assert capsys.readouterr().out.strip() == "Sent 2 reminders."
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("send_due_reminders")
        assert capsys.readouterr().out.strip() == "Sent 0 reminders."


class TestReminderIsQueued:
    @pytest.fixture
    def database_tasks(self, settings):
        """The production task backend: work is stored as rows for the db_worker."""
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
        }

    def book_in_two_days(self) -> Visit:
        provider = provider_with_hours(weekdays=range(7))
        now = timezone.now()
        urgent_care = visit_type("urgent-care")
        window = (now + 2 * datetime.timedelta(days=1), now + 3 * datetime.timedelta(days=1))
        providers = with_schedules(
            ProviderProfile.objects.filter(pk=provider.pk), start=now, end=window[1]
        )
        start = free_times(
            visit_type=urgent_care,
            providers=providers,
            start=window[0],
            end=window[1],
            now=now,
        )[provider.pk][0]
        someone_else = PatientProfileFactory().user
        symptoms_checked(someone_else)
        with TestCase.captureOnCommitCallbacks(execute=True):
            return visit_book(
                patient=someone_else,
                actor=someone_else,
                provider=provider,
                visit_type=urgent_care,
                start=start,
                now=now,
            )

    def test_booking_queues_a_reminder_for_a_day_before(self, database_tasks):
        """With the database backend, booking stores one reminder task to run at start - 24 h."""
        visit = self.book_in_two_days()
        reminders = DBTaskResult.objects.filter(task_path__endswith="send_visit_reminder")
        assert reminders.count() == 1
        reminder = reminders.get()
        assert reminder.run_after == visit.start - REMINDER_LEAD
        assert reminder.args_kwargs["args"] == [str(visit.pk)]
        emails = DBTaskResult.objects.filter(task_path__endswith="send_email")
        for queued in emails:
            assert visit.patient.email not in json.dumps(queued.args_kwargs)
        sealed = [json.loads(unseal(queued.args_kwargs["kwargs"]["sealed"])) for queued in emails]
        assert sorted(email["to"] for email in sealed) == sorted(
            [[visit.patient.email], [visit.provider.user.email]]
        )
        assert mail.outbox == []

    def test_the_immediate_backend_queues_no_reminder(self):
        """Where tasks cannot be deferred, only the confirmation goes out; the sweep reminds later."""
        visit = self.book_in_two_days()
        assert not DBTaskResult.objects.exists()
        [confirmation] = mail_to(visit.patient)
        assert "booked" in confirmation.subject
        assert visit.reminder_sent_at is None
