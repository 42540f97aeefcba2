"""Who a safety alert reaches: the visit's clinician first, else behavioral health, else everyone."""

import pytest

from accounts import policy
from tests.accounts.factories import ProviderProfileFactory
from tests.visits.questionnaires.factories import past_visit, raise_alert, therapy_visit
from visits.questionnaires.models import AlertRecipient, SafetyAlert
from visits.questionnaires.selectors import open_alerts_for

pytestmark = pytest.mark.django_db


def recipients(alert: SafetyAlert) -> set:
    return {recipient.clinician for recipient in alert.recipients.all()}


@pytest.fixture
def physician(db):
    """A physician who once saw the patient for urgent care (and so still treats them)."""
    return ProviderProfileFactory(kind="physician")


@pytest.fixture
def psychiatrist(db):
    return ProviderProfileFactory(kind="psychiatrist")


class TestRouting:
    def test_the_visits_clinician_comes_first(self, patient, therapist, psychiatrist, physician):
        """Answers given before a therapy visit go to that therapist only."""
        visit = therapy_visit(patient, therapist)
        therapy_visit(patient, psychiatrist, slug="psychiatry-intake", days=5)
        past_visit(patient, physician)
        alert = raise_alert(patient, visit)
        assert recipients(alert) == {therapist.user}
        assert not alert.recipients.filter(escalated=True).exists()

    def test_without_a_visit_it_goes_to_behavioral_health(
        self, patient, therapist, psychiatrist, physician
    ):
        """Answers not tied to a visit go to the patient's therapists and psychiatrists."""
        therapy_visit(patient, therapist)
        therapy_visit(patient, psychiatrist, slug="psychiatry-intake", days=5)
        past_visit(patient, physician)
        assert recipients(raise_alert(patient)) == {therapist.user, psychiatrist.user}

    def test_without_behavioral_health_it_goes_to_every_treating_clinician(
        self, patient, physician
    ):
        """A patient seen only for urgent care: their physicians get the alert."""
        past_visit(patient, physician)
        other = ProviderProfileFactory(kind="physician")
        past_visit(patient, other, days_ago=60)
        assert recipients(raise_alert(patient)) == {physician.user, other.user}

    def test_a_clinician_who_no_longer_treats_is_skipped(self, patient, therapist, physician):
        """A visit's clinician whose only visit was cancelled is not given it; behavioral health is."""
        cancelled = therapy_visit(patient, physician, slug="follow-up")
        cancelled.status = "cancelled"
        cancelled.save(update_fields=["status"])
        therapy_visit(patient, therapist, days=4)
        assert recipients(raise_alert(patient, cancelled)) == {therapist.user}

    def test_nobody_treats_the_patient(self, patient):
        """An alert raised before anyone treats the patient has no recipients (the sweep retries)."""
        assert not raise_alert(patient).recipients.exists()


class TestWhoSeesIt:
    def test_only_recipients_see_it(self, patient, therapist, physician):
        """The therapist sees the alert; the urgent-care physician who treats the patient does not."""
        alert = raise_alert(patient, therapy_visit(patient, therapist))
        past_visit(patient, physician)
        assert list(open_alerts_for(therapist.user)) == [alert]
        assert open_alerts_for(physician.user) == []
        assert policy.ASSIGNED_SAFETY_ALERTS.allows(therapist.user, alert)
        assert not policy.ASSIGNED_SAFETY_ALERTS.allows(physician.user, alert)

    def test_a_recipient_who_stops_treating_no_longer_sees_it(self, patient, therapist):
        """The rule still asks "treats": a recipient whose visits were all cancelled loses it."""
        visit = therapy_visit(patient, therapist)
        alert = raise_alert(patient, visit)
        visit.status = "cancelled"
        visit.save(update_fields=["status"])
        assert open_alerts_for(therapist.user) == []
        assert AlertRecipient.objects.filter(alert=alert, clinician=therapist.user).exists()

    def test_filter_and_predicate_agree(self, patient, therapist, physician, scheduler):
        """For every person and alert, the QuerySet filter and the yes/no answer are one rule."""
        raise_alert(patient, therapy_visit(patient, therapist))
        past_visit(patient, physician)
        raise_alert(patient)
        for person in (patient, therapist.user, physician.user, scheduler):
            reachable = set(policy.ASSIGNED_SAFETY_ALERTS.filter(SafetyAlert.objects.all(), person))
            for alert in SafetyAlert.objects.all():
                assert policy.ASSIGNED_SAFETY_ALERTS.allows(person, alert) == (alert in reachable)
