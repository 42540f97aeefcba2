"""Emails about safety alerts: to each recipient once, with nothing clinical in them."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from tests.accounts.factories import ProviderProfileFactory
from tests.visits.questionnaires.factories import past_visit, raise_alert, therapy_visit
from visits.questionnaires.models import SafetyAlert
from visits.questionnaires.services import alert_assign
from visits.questionnaires.tasks import escalate_safety_alert

pytestmark = pytest.mark.django_db


@pytest.fixture
def physician(db):
    return ProviderProfileFactory(kind="physician")


class TestAlertEmails:
    def test_the_assigned_clinician_is_told_with_only_a_link(
        self, patient, therapist, physician, settings, django_capture_on_commit_callbacks
    ):
        """Only the recipient is emailed: no answers, reason or name of the patient, a link to sign in."""
        settings.SITE_URL = "https://housecall.example"
        past_visit(patient, physician)
        with django_capture_on_commit_callbacks(execute=True):
            alert = raise_alert(patient, therapy_visit(patient, therapist))
        [message] = mail.outbox
        assert message.to == [therapist.user.email]
        assert "https://housecall.example/clinician/" in message.body
        profile = patient.patient_profile
        for private in (
            alert.reason,
            "PHQ-9",
            "self-harm",
            profile.legal_first_name,
            profile.legal_last_name,
            patient.email,
            profile.phone,
        ):
            assert private not in message.body
            assert private not in message.subject
        assert alert.recipients.get().notified_at is not None

    def test_escalation_tells_only_the_new_recipients(
        self, patient, therapist, physician, settings, django_capture_on_commit_callbacks
    ):
        """Escalating emails the clinicians it added; the first recipient is not told again."""
        past_visit(patient, physician)
        with django_capture_on_commit_callbacks(execute=True):
            alert = raise_alert(patient, therapy_visit(patient, therapist))
        mail.outbox.clear()
        due = timezone.now() - settings.SAFETY_ALERT_ESCALATE_AFTER - datetime.timedelta(minutes=1)
        SafetyAlert.objects.filter(pk=alert.pk).update(created_at=due)
        with django_capture_on_commit_callbacks(execute=True):
            escalate_safety_alert.call(alert.pk)
        assert [message.to for message in mail.outbox] == [[physician.user.email]]

    def test_each_clinician_is_told_once(
        self, patient, therapist, django_capture_on_commit_callbacks
    ):
        """Assigning the alert again sends nothing more to someone already told."""
        with django_capture_on_commit_callbacks(execute=True):
            alert = raise_alert(patient, therapy_visit(patient, therapist))
            alert_assign(alert=alert)
        assert len(mail.outbox) == 1

    def test_nothing_is_sent_before_the_transaction_commits(self, patient, therapist):
        """Emails are queued on commit: a rolled-back alert tells nobody."""
        raise_alert(patient, therapy_visit(patient, therapist))
        assert mail.outbox == []
