"""Escalation: an alert nobody acknowledged in time goes to every clinician who treats the patient."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.accounts.factories import ProviderProfileFactory
from tests.visits.questionnaires.factories import past_visit, raise_alert, therapy_visit
from visits.questionnaires.models import AlertRecipient, SafetyAlert
from visits.questionnaires.selectors import open_alerts_for
from visits.questionnaires.services import alert_acknowledge
from visits.questionnaires.tasks import escalate_safety_alert

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def physician(db):
    return ProviderProfileFactory(kind="physician")


@pytest.fixture
def alert(patient, therapist, physician) -> SafetyAlert:
    """An open alert before a therapy visit; the urgent-care physician also treats the patient."""
    past_visit(patient, physician)
    return raise_alert(patient, therapy_visit(patient, therapist))


def raised_ago(alert: SafetyAlert, age: datetime.timedelta) -> None:
    SafetyAlert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - age)


def escalate(alert: SafetyAlert) -> bool:
    """Run the task as the worker would; returns whether it escalated."""
    return escalate_safety_alert.enqueue(alert.pk).return_value


class TestEscalateSafetyAlert:
    def test_not_before_the_time_is_up(self, alert, physician, settings):
        """Within SAFETY_ALERT_ESCALATE_AFTER the alert stays with the visit's clinician."""
        raised_ago(alert, settings.SAFETY_ALERT_ESCALATE_AFTER - MINUTE)
        assert not escalate(alert)
        alert.refresh_from_db()
        assert alert.escalated_at is None
        assert open_alerts_for(physician.user) == []

    def test_after_the_time_it_reaches_the_other_treating_clinicians(
        self, alert, therapist, physician, settings
    ):
        """Once due, every other clinician who treats the patient gets it, marked as escalated."""
        raised_ago(alert, settings.SAFETY_ALERT_ESCALATE_AFTER + MINUTE)
        assert escalate(alert)
        alert.refresh_from_db()
        assert alert.escalated_at is not None
        rows = {(r.clinician, r.escalated) for r in alert.recipients.all()}
        assert rows == {(therapist.user, False), (physician.user, True)}
        assert list(open_alerts_for(physician.user)) == [alert]
        assert list(open_alerts_for(therapist.user)) == [alert]

    def test_never_twice(self, alert, settings):
        """A retried task (or a sweep after it) changes nothing the second time."""
        raised_ago(alert, settings.SAFETY_ALERT_ESCALATE_AFTER + MINUTE)
        assert escalate(alert)
        first = SafetyAlert.objects.get(pk=alert.pk).escalated_at
        assert not escalate(alert)
        assert SafetyAlert.objects.get(pk=alert.pk).escalated_at == first
        assert AlertRecipient.objects.filter(alert=alert).count() == 2

    def test_not_after_acknowledgement(self, alert, therapist, physician, settings):
        """An acknowledged alert is never escalated."""
        alert_acknowledge(alert=alert, actor=therapist.user, outcome="called_patient")
        raised_ago(alert, settings.SAFETY_ALERT_ESCALATE_AFTER + MINUTE)
        assert not escalate(alert)
        assert not AlertRecipient.objects.filter(clinician=physician.user).exists()

    def test_the_time_is_configurable(self, alert, settings):
        """SAFETY_ALERT_ESCALATE_AFTER decides when it is due."""
        settings.SAFETY_ALERT_ESCALATE_AFTER = datetime.timedelta(minutes=10)
        raised_ago(alert, datetime.timedelta(minutes=11))
        assert escalate(alert)


class TestEscalationIsQueued:
    def test_raising_an_alert_defers_its_escalation(
        self, patient, therapist, settings, django_capture_on_commit_callbacks
    ):
        """With the database backend, the escalation task waits until the alert is due; it
        stores only the alert's id."""
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
        }
        with django_capture_on_commit_callbacks(execute=True):
            alert = raise_alert(patient, therapy_visit(patient, therapist))
        task = DBTaskResult.objects.get(task_path__endswith="escalate_safety_alert")
        assert task.run_after == alert.created_at + settings.SAFETY_ALERT_ESCALATE_AFTER
        assert task.args_kwargs == {"args": [alert.pk], "kwargs": {}}

    def test_the_immediate_backend_defers_nothing(self, patient, therapist):
        """Where tasks cannot be deferred, nothing is queued: the sweep escalates later."""
        raise_alert(patient, therapy_visit(patient, therapist))
        assert not DBTaskResult.objects.exists()


class TestEscalateCommand:
    def test_sweeps_every_overdue_alert_once(self, alert, physician, settings, capsys):
        """The command escalates what is due, and nothing the second time."""
        raised_ago(alert, settings.SAFETY_ALERT_ESCALATE_AFTER + MINUTE)
        call_command("escalate_safety_alerts")
        assert capsys.readouterr().out.strip() == "Escalated 1 safety alert."
        assert list(open_alerts_for(physician.user)) == [alert]
        call_command("escalate_safety_alerts")
        assert capsys.readouterr().out.strip() == "Escalated 0 safety alerts."

    def test_leaves_alerts_not_yet_due(self, alert, capsys):
        """A fresh alert is not escalated by the sweep."""
        call_command("escalate_safety_alerts")
        assert capsys.readouterr().out.strip() == "Escalated 0 safety alerts."

    def test_routes_alerts_that_reached_nobody(self, patient, therapist, capsys):
        """An alert raised before anyone treated the patient goes to them once someone does."""
        alert = raise_alert(patient)
        assert not alert.recipients.exists()
        therapy_visit(patient, therapist)
        call_command("escalate_safety_alerts")
        assert list(open_alerts_for(therapist.user)) == [alert]
