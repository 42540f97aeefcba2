"""Escalation: a critical result nobody acknowledged in time goes to every other clinician who
treats the patient, who see it, are emailed once without clinical content, and may acknowledge
it for everyone; with nobody else, it stays with its clinician and the clinic staff are told."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.accounts.factories import ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import MONDAY, VisitFactory, at
from tests.visits.results.release_fixtures import clinician_treating, potassium, report_for, scene
from visits.audit import AuditEvent
from visits.results.critical import critical_alert_acknowledge, open_critical_alerts_for
from visits.results.models import CriticalAlertRecipient, CriticalResultAlert
from visits.results.notifications import ESCALATED_SUBJECT, STAFF_SUBJECT
from visits.results.tasks import escalate_critical_result

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
CALLED = CriticalResultAlert.Outcome.CALLED_PATIENT
CLINICAL_WORDS = ("potassium", "6.8", "sam", "lee", "mmol", "critically")


@pytest.fixture
def s():
    return scene()


@pytest.fixture
def other(s):
    """A second physician with an upcoming visit with the patient."""
    return clinician_treating(s.patient, user__display_name="Dr. Omar Reyes")


@pytest.fixture
def outsider(db):
    """A physician who has never seen the patient."""
    provider = ProviderProfileFactory(user__display_name="Dr. Not Theirs")
    enrol_totp(provider.user)
    return provider.user


@pytest.fixture
def alert(s, other, outsider) -> CriticalResultAlert:
    report_for(s, potassium("6.8"))
    return CriticalResultAlert.objects.get()


def raised_ago(alert: CriticalResultAlert, age: datetime.timedelta) -> None:
    CriticalResultAlert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - age)


def overdue(alert: CriticalResultAlert, settings) -> None:
    raised_ago(alert, settings.CRITICAL_RESULT_ESCALATE_AFTER + MINUTE)


def escalate(alert: CriticalResultAlert) -> bool:
    """Run the task as the worker would; returns whether it escalated."""
    return escalate_critical_result.enqueue(alert.pk).return_value


def detail(alert):
    return reverse("results:critical_alert_detail", args=[alert.pk])


def acknowledge(alert):
    return reverse("results:critical_alert_acknowledge", args=[alert.pk])


def sent_to(user) -> list:
    return [message for message in mail.outbox if user.email in message.to]


class TestWhenItEscalates:
    def test_not_before_the_time(self, alert, other, settings):
        """Within CRITICAL_RESULT_ESCALATE_AFTER it stays with the ordering clinician alone."""
        raised_ago(alert, settings.CRITICAL_RESULT_ESCALATE_AFTER - MINUTE)
        assert not escalate(alert)
        alert.refresh_from_db()
        assert alert.escalated_at is None
        assert not alert.recipients.exists()
        assert list(open_critical_alerts_for(other)) == []

    def test_after_the_time_to_the_other_treating_clinicians(self, alert, s, other, settings):
        """Once due, the other clinician who treats the patient gets it; the ordering clinician
        keeps it, and stays the alert's clinician."""
        overdue(alert, settings)
        assert escalate(alert)
        alert.refresh_from_db()
        assert alert.escalated_at is not None
        assert alert.clinician == s.clinician
        assert [r.clinician for r in alert.recipients.all()] == [other]
        assert list(open_critical_alerts_for(other)) == [alert]
        assert list(open_critical_alerts_for(s.clinician)) == [alert]

    def test_to_the_right_clinicians_only(self, alert, s, other, outsider, settings):
        """Not to a clinician who never saw the patient, nor one whose only visit was cancelled."""
        cancelled = ProviderProfileFactory()
        start = at(MONDAY + datetime.timedelta(days=90), 10)
        VisitFactory(patient=s.patient, provider=cancelled, start=start, status="cancelled")
        overdue(alert, settings)
        assert escalate(alert)
        recipients = set(alert.recipients.values_list("clinician_id", flat=True))
        assert recipients == {other.pk}
        assert list(open_critical_alerts_for(outsider)) == []
        assert list(open_critical_alerts_for(cancelled.user)) == []

    def test_once(self, alert, settings):
        """A second run (a retried task) escalates nothing and keeps the first time."""
        overdue(alert, settings)
        assert escalate(alert)
        first = CriticalResultAlert.objects.get(pk=alert.pk).escalated_at
        assert not escalate(alert)
        assert CriticalResultAlert.objects.get(pk=alert.pk).escalated_at == first
        assert CriticalAlertRecipient.objects.count() == 1

    def test_never_once_acknowledged(self, alert, s, settings):
        """An alert acknowledged in time is never escalated."""
        critical_alert_acknowledge(alert=alert, actor=s.clinician, outcome=CALLED)
        overdue(alert, settings)
        assert not escalate(alert)
        assert not CriticalAlertRecipient.objects.exists()

    def test_the_setting_decides(self, alert, settings):
        """CRITICAL_RESULT_ESCALATE_AFTER decides when it is due."""
        settings.CRITICAL_RESULT_ESCALATE_AFTER = datetime.timedelta(minutes=10)
        raised_ago(alert, datetime.timedelta(minutes=11))
        assert escalate(alert)


class TestEmails:
    def test_each_new_clinician_once_without_clinical_content(
        self, alert, s, other, settings, django_capture_on_commit_callbacks
    ):
        """The escalated clinician gets one email (a link, no test, value or patient); the
        ordering clinician is not emailed again; a second run emails nobody."""
        overdue(alert, settings)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            escalate(alert)
        with django_capture_on_commit_callbacks(execute=True):
            escalate(alert)
            call_command("escalate_critical_results")
        [message] = sent_to(other)
        assert message.subject == ESCALATED_SUBJECT
        assert f"{settings.SITE_URL}/results/critical/" in message.body
        text = message.body.lower()
        for clinical in CLINICAL_WORDS:
            assert clinical not in text
        assert sent_to(s.clinician) == []
        assert len(mail.outbox) == 1
        assert CriticalAlertRecipient.objects.get().notified_at is not None

    def test_nobody_else_treats_the_patient(
        self, s, scheduler, settings, django_capture_on_commit_callbacks
    ):
        """With no other treating clinician it stays with the ordering one, and each staff member
        is emailed once to reach them, with no value or patient in it."""
        report_for(s, potassium("6.8"))
        alert = CriticalResultAlert.objects.get()
        overdue(alert, settings)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert escalate(alert)
        with django_capture_on_commit_callbacks(execute=True):
            assert not escalate(alert)
        [message] = sent_to(scheduler)
        assert message.subject == STAFF_SUBJECT
        assert "Dr. Ines Park" in message.body
        text = message.body.lower()
        for clinical in CLINICAL_WORDS:
            assert clinical not in text
        assert len(mail.outbox) == 1
        assert list(open_critical_alerts_for(s.clinician)) == [alert]
        assert not alert.recipients.exists()


class TestPages:
    def test_the_escalated_clinician_sees_it_on_their_dashboard(
        self, client, alert, other, settings
    ):
        """My day and the list show it, with who ordered it and that it escalated."""
        overdue(alert, settings)
        escalate(alert)
        client.force_login(other)
        content = client.get(reverse("clinician_dashboard")).content.decode()
        assert "Critical results (1)" in content
        assert "Potassium 6.8 mmol/L" in content
        assert "ordered by Dr. Ines Park, who has not answered" in content
        assert detail(alert) in content
        content = client.get(reverse("results:critical_alerts")).content.decode()
        assert "Waiting for you (1)" in content

    def test_the_day_view_marks_it_escalated(self, client, alert, other, settings):
        """Their day view lists it on top, marked as escalated, with the link to answer it."""
        overdue(alert, settings)
        escalate(alert)
        client.force_login(other)
        content = client.get(reverse("records:day")).content.decode()
        assert "Critical results (1)" in content
        assert ", escalated." in content
        assert detail(alert) in content

    def test_dashboard_queries_do_not_grow(
        self, client, s, other, settings, django_assert_max_num_queries
    ):
        """The escalated clinician's dashboard costs the same for 1 and 20 escalated alerts."""
        client.force_login(other)
        report_for(s, potassium("6.8"))
        CriticalResultAlert.objects.update(
            created_at=timezone.now() - 2 * settings.CRITICAL_RESULT_ESCALATE_AFTER
        )
        call_command("escalate_critical_results", stdout=io.StringIO())
        with django_assert_max_num_queries(40) as few:
            client.get(reverse("clinician_dashboard"))
        report_for(s, *[potassium("7.0", position=n) for n in range(20)])
        CriticalResultAlert.objects.update(
            created_at=timezone.now() - 2 * settings.CRITICAL_RESULT_ESCALATE_AFTER
        )
        call_command("escalate_critical_results", stdout=io.StringIO())
        with django_assert_max_num_queries(len(few.captured_queries)):
            content = client.get(reverse("clinician_dashboard")).content.decode()
        assert "Critical results (21)" in content

    def test_the_escalated_clinician_opens_and_acknowledges_it(
        self, client, alert, s, other, settings
    ):
        """They read it (audited), acknowledge it with what they did, and it ends for everyone."""
        overdue(alert, settings)
        escalate(alert)
        client.force_login(other)
        content = client.get(detail(alert)).content.decode()
        assert "Critical result: Sam Lee" in content
        assert "Ordered by</dt><dd>Dr. Ines Park" in content
        assert "to every clinician who treats the patient" in content
        response = client.post(acknowledge(alert), {"outcome": CALLED, "note": "Sent to ER"})
        assert response.status_code == 302
        assert response["Location"] == reverse("clinician_dashboard")
        alert.refresh_from_db()
        assert alert.acknowledged_by == other
        assert alert.acknowledged_at is not None
        assert alert.outcome == CALLED
        assert alert.note == "Sent to ER"
        assert AuditEvent.objects.filter(
            actor=other, patient=s.patient, what="critical result alert", action="update"
        ).exists()
        assert list(open_critical_alerts_for(s.clinician)) == []
        assert list(open_critical_alerts_for(other)) == []
        client.force_login(s.clinician)
        content = client.get(detail(alert)).content.decode()
        assert "Dr. Omar Reyes" in content
        assert "Called the patient. Sent to ER" in content

    def test_not_before_escalation(self, client, alert, other):
        """Before it escalates, the other treating clinician gets 404 and cannot acknowledge."""
        client.force_login(other)
        assert client.get(detail(alert)).status_code == 404
        assert client.post(acknowledge(alert), {"outcome": CALLED}).status_code == 404
        alert.refresh_from_db()
        assert alert.acknowledged_at is None

    def test_a_clinician_who_does_not_treat_the_patient_still_cannot(
        self, client, alert, outsider, settings
    ):
        """After escalation a clinician who does not treat the patient gets 404 and nothing."""
        overdue(alert, settings)
        escalate(alert)
        client.force_login(outsider)
        assert "Critical results" not in client.get(reverse("clinician_dashboard")).content.decode()
        assert client.get(detail(alert)).status_code == 404
        assert client.post(acknowledge(alert), {"outcome": CALLED}).status_code == 404
        with pytest.raises(PermissionError):
            critical_alert_acknowledge(alert=alert, actor=outsider, outcome=CALLED)
        alert.refresh_from_db()
        assert alert.acknowledged_at is None

    def test_an_escalated_clinician_who_stops_treating_loses_it(
        self, client, alert, s, other, settings
    ):
        """Escalated to, then their visit with the patient cancelled: 404, like the policy says."""
        overdue(alert, settings)
        escalate(alert)
        s.patient.visits.filter(provider__user=other).update(status="cancelled")
        client.force_login(other)
        assert client.get(detail(alert)).status_code == 404
        assert list(open_critical_alerts_for(other)) == []


class TestQueued:
    def test_raising_an_alert_defers_its_escalation(
        self, s, settings, django_capture_on_commit_callbacks
    ):
        """With the database backend, the escalation waits until the alert is due; the task
        stores only the alert's id."""
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
        }
        with django_capture_on_commit_callbacks(execute=True):
            report_for(s, potassium("6.8"))
        alert = CriticalResultAlert.objects.get()
        task = DBTaskResult.objects.get(task_path__endswith="escalate_critical_result")
        assert task.run_after == alert.created_at + settings.CRITICAL_RESULT_ESCALATE_AFTER
        assert task.args_kwargs == {"args": [alert.pk], "kwargs": {}}

    def test_the_immediate_backend_defers_nothing(self, s, django_capture_on_commit_callbacks):
        """Where tasks cannot be deferred, nothing is queued: the sweep escalates later."""
        with django_capture_on_commit_callbacks(execute=True):
            report_for(s, potassium("6.8"))
        assert CriticalResultAlert.objects.get().escalated_at is None
        assert not DBTaskResult.objects.exists()


class TestCommand:
    def test_sweeps_every_overdue_alert_once(self, alert, other, settings, capsys):
        """The command escalates what is due, and nothing the second time."""
        overdue(alert, settings)
        call_command("escalate_critical_results")
        assert capsys.readouterr().out.strip() == "Escalated 1 critical result."
        assert list(open_critical_alerts_for(other)) == [alert]
        call_command("escalate_critical_results")
        assert capsys.readouterr().out.strip() == "Escalated 0 critical results."

    def test_leaves_alerts_not_yet_due(self, alert, other, capsys):
        """A fresh alert is not escalated by the sweep."""
        call_command("escalate_critical_results")
        assert capsys.readouterr().out.strip() == "Escalated 0 critical results."
        assert list(open_critical_alerts_for(other)) == []
