"""Commands on questionnaires, alerts and check-ins, and the audit events they write."""

import pytest

from tests.accounts.factories import ProviderProfileFactory
from tests.visits.questionnaires.factories import QUIET_PHQ9, submit, therapy_visit
from visits.audit import AuditEvent
from visits.questionnaires.models import CheckInPreference, SafetyAlert
from visits.questionnaires.services import alert_acknowledge, check_ins_set

pytestmark = pytest.mark.django_db


def crisis_alert(patient) -> SafetyAlert:
    submit(patient, "phq-9", {**QUIET_PHQ9, "phq9_9": "1"})
    return SafetyAlert.objects.get(patient=patient)


class TestAlertAcknowledge:
    def test_records_who_when_and_the_audit_event(self, patient, therapist):
        """Acknowledging stores the clinician and note, and writes one UPDATE event."""
        alert = alert_acknowledge(
            alert=crisis_alert(patient),
            actor=therapist.user,
            outcome=SafetyAlert.Outcome.CALLED_PATIENT,
            note="Called the client",
            ip_address="203.0.113.5",
        )
        assert (alert.acknowledged_by, alert.note) == (therapist.user, "Called the client")
        event = AuditEvent.objects.get()
        assert (event.actor, event.patient, event.action, event.what, event.ip_address) == (
            therapist.user,
            patient,
            AuditEvent.Action.UPDATE,
            "safety alert",
            "203.0.113.5",
        )

    def test_a_second_acknowledgement_changes_and_records_nothing(self, patient, therapist):
        """The first acknowledgement stands; acknowledging again is not a new change."""
        alert = crisis_alert(patient)
        alert_acknowledge(alert=alert, actor=therapist.user, outcome="called_patient", note="First")
        other = ProviderProfileFactory(kind="therapist").user
        alert = alert_acknowledge(alert=alert, actor=other, outcome="other", note="Second")
        assert (alert.acknowledged_by, alert.note) == (therapist.user, "First")
        assert AuditEvent.objects.count() == 1


class TestCheckInsSet:
    def test_switching_off_and_on_is_one_preference_and_audited_each_time(self, patient, therapist):
        """One preference per client and clinician; every switch is recorded."""
        visit = therapy_visit(patient, therapist)
        check_ins_set(visit=visit, enabled=False, actor=therapist.user)
        preference = check_ins_set(visit=visit, enabled=True, actor=therapist.user)
        assert CheckInPreference.objects.get() == preference
        assert preference.enabled
        events = AuditEvent.objects.filter(what="check-in preference")
        assert [(e.actor, e.patient, e.action) for e in events] == [
            (therapist.user, patient, AuditEvent.Action.UPDATE)
        ] * 2
