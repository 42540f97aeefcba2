"""The pages clinicians answer safety alerts from: the dashboard, the response page, the history."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.questionnaires.factories import past_visit, raise_alert, therapy_visit
from visits.audit import AuditEvent
from visits.questionnaires.models import AlertRecipient, SafetyAlert
from visits.questionnaires.services import alert_acknowledge
from visits.questionnaires.tasks import escalate_safety_alert

pytestmark = pytest.mark.django_db


@pytest.fixture
def physician(db):
    """An urgent-care physician who saw the patient last month (and so treats them)."""
    provider = ProviderProfileFactory(kind="physician")
    enrol_totp(provider.user)
    return provider


@pytest.fixture
def alert(patient, therapist, physician) -> SafetyAlert:
    past_visit(patient, physician)
    return raise_alert(patient, therapy_visit(patient, therapist))


def page_of(client, alert: SafetyAlert):
    return client.get(reverse("safety_alert_detail", args=[alert.pk]))


class TestDashboard:
    def test_the_recipient_sees_the_phone_and_the_response_page(self, client, alert, therapist):
        """My day lists the alert with a tel: link to the patient and a link to answer it."""
        client.force_login(therapist.user)
        content = client.get(reverse("clinician_dashboard")).content.decode()
        assert "Safety alerts (1)" in content
        assert 'href="tel:+15125550123"' in content
        assert "(512) 555-0123" in content
        assert reverse("safety_alert_detail", args=[alert.pk]) in content

    @pytest.mark.parametrize("page", ["clinician_dashboard", "records:day"])
    def test_more_alerts_cost_no_more_queries(
        self, client, alert, therapist, patient, page, django_assert_max_num_queries
    ):
        """Each open alert's name, phone and reason come in the list's one query."""
        client.force_login(therapist.user)
        with django_assert_max_num_queries(40) as few:
            client.get(reverse(page))
        for _ in range(3):
            raise_alert(patient)  # answers not tied to a visit go to the behavioral clinician
        with django_assert_max_num_queries(len(few.captured_queries)):
            content = client.get(reverse(page)).content.decode()
        assert "Safety alerts (4)" in content
        assert content.count('href="tel:+15125550123"') == 4

    def test_another_treating_clinician_sees_nothing(self, client, alert, physician):
        """The urgent-care physician who treats the patient is not given the alert."""
        client.force_login(physician.user)
        assert "Safety alerts" not in client.get(reverse("clinician_dashboard")).content.decode()


class TestResponsePage:
    def test_shows_whom_to_call_and_where_to_go(self, client, alert, therapist, patient):
        """Reason, when (zone named), the patient's phone, the emergency contact, the answers,
        the visit and the history."""
        client.force_login(therapist.user)
        response = page_of(client, alert)
        content = response.content.decode()
        assert response.status_code == 200
        assert alert.reason in content
        assert "Central time" in content
        assert 'href="tel:+15125550123"' in content
        assert "Sam Rivera (Brother)" in content
        assert 'href="tel:+15125550199"' in content
        assert "(512) 555-0199" in content
        assert reverse("questionnaire_result", args=[alert.response_id]) in content
        assert reverse("scheduling:visit_detail", args=[alert.response.visit_id]) in content
        assert reverse("patient_alerts", args=[patient.pk]) in content
        assert 'action="{}"'.format(reverse("safety_alert_acknowledge", args=[alert.pk])) in content

    def test_raised_time_is_in_the_viewers_zone(self, client, alert, therapist):
        """A clinician in Los Angeles reads the time on their own clock, named."""
        raised = datetime.datetime(2026, 12, 2, 7, 29, tzinfo=datetime.UTC)
        SafetyAlert.objects.filter(pk=alert.pk).update(created_at=raised)
        therapist.time_zone = "America/Los_Angeles"
        therapist.save(update_fields=["time_zone"])
        client.force_login(therapist.user)
        content = page_of(client, alert).content.decode()
        assert "Tuesday, December 1, 2026, 11:29 PM (Pacific time)" in content

    def test_the_read_is_audited_once(self, client, alert, therapist, patient):
        """Opening the page writes one view event for the alert."""
        client.force_login(therapist.user)
        page_of(client, alert)
        event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
        assert (event.actor, event.patient, event.what, event.object_id) == (
            therapist.user,
            patient,
            "safety alert",
            str(alert.pk),
        )

    def test_404_for_everyone_else(self, client, alert, physician, patient, scheduler):
        """A treating clinician not given the alert, a stranger, staff and the patient get 404
        (staff and the patient are refused by role)."""
        stranger = ProviderProfileFactory(kind="therapist")
        enrol_totp(stranger.user)
        for clinician in (physician.user, stranger.user):
            client.force_login(clinician)
            assert page_of(client, alert).status_code == 404
        for person in (scheduler, patient):
            client.force_login(person)
            assert page_of(client, alert).status_code in (403, 404)
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).exists()

    def test_escalation_opens_it_to_the_other_clinicians(self, client, alert, physician, settings):
        """Once escalated, the physician sees the alert and may answer it."""
        due = timezone.now() - settings.SAFETY_ALERT_ESCALATE_AFTER - datetime.timedelta(minutes=1)
        SafetyAlert.objects.filter(pk=alert.pk).update(created_at=due)
        escalate_safety_alert.call(alert.pk)
        client.force_login(physician.user)
        content = page_of(client, alert).content.decode()
        assert "(escalated)" in content
        assert "Safety alerts (1)" in client.get(reverse("clinician_dashboard")).content.decode()


class TestAcknowledging:
    def url(self, alert: SafetyAlert) -> str:
        return reverse("safety_alert_acknowledge", args=[alert.pk])

    def test_records_the_outcome_and_leaves_the_dashboard(self, client, alert, therapist):
        """Called the patient: who, when and what are kept, the message says so, it leaves My day."""
        client.force_login(therapist.user)
        response = client.post(self.url(alert), {"outcome": "called_patient"}, follow=True)
        content = response.content.decode()
        assert "Safety alert acknowledged: Called the patient." in content
        assert "Safety alerts" not in content
        alert.refresh_from_db()
        assert (alert.acknowledged_by, alert.outcome, alert.note) == (
            therapist.user,
            SafetyAlert.Outcome.CALLED_PATIENT,
            "",
        )
        assert alert.acknowledged_at is not None
        event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
        assert (event.actor, event.what, event.object_id) == (
            therapist.user,
            "safety alert",
            str(alert.pk),
        )

    @pytest.mark.parametrize("outcome", ["urgent_visit", "emergency_care"])
    def test_every_outcome_is_kept_with_an_optional_note(self, client, alert, therapist, outcome):
        """Each outcome from the list is recorded, with the note when given."""
        client.force_login(therapist.user)
        client.post(self.url(alert), {"outcome": outcome, "note": "Booked for 3 PM"})
        alert.refresh_from_db()
        assert (alert.outcome, alert.note) == (outcome, "Booked for 3 PM")

    def test_other_needs_a_note_and_keeps_what_was_typed(self, client, alert, therapist):
        """Other without a note re-renders the form with the error by the note; nothing is saved."""
        client.force_login(therapist.user)
        response = client.post(self.url(alert), {"outcome": "other", "note": "  "})
        content = response.content.decode()
        assert response.status_code == 200
        assert "Say what you did, since you chose Other." in content
        assert re.search(r'value="other"[^>]*checked', content)
        assert 'id="id_note_error"' in content
        alert.refresh_from_db()
        assert alert.acknowledged_at is None
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()

    def test_other_with_a_note_is_kept(self, client, alert, therapist):
        """Other with a note is recorded as typed."""
        client.force_login(therapist.user)
        client.post(self.url(alert), {"outcome": "other", "note": "Texted the client"})
        alert.refresh_from_db()
        assert (alert.outcome, alert.note) == ("other", "Texted the client")

    def test_no_outcome_is_refused(self, client, alert, therapist):
        """An outcome must be chosen."""
        client.force_login(therapist.user)
        content = client.post(self.url(alert), {"note": "Called"}).content.decode()
        assert "Choose what you did." in content
        assert "Called</textarea>" in content

    def test_htmx_gets_the_form_back_or_a_client_redirect(self, client, alert, therapist):
        """With htmx an invalid post returns only the form; success sends the browser on."""
        client.force_login(therapist.user)
        headers = {"HX-Request": "true"}
        invalid = client.post(self.url(alert), {"outcome": "other"}, headers=headers)
        content = invalid.content.decode()
        assert content.lstrip().startswith('<section id="alert-acknowledge"')
        assert "<h1>" not in content
        done = client.post(self.url(alert), {"outcome": "called_patient"}, headers=headers)
        assert done["HX-Redirect"] == reverse("clinician_dashboard")

    def test_a_treating_clinician_not_given_it_gets_404(self, client, alert, physician):
        """The urgent-care physician cannot acknowledge the therapist's alert."""
        client.force_login(physician.user)
        response = client.post(self.url(alert), {"outcome": "called_patient"})
        assert response.status_code == 404
        alert.refresh_from_db()
        assert alert.acknowledged_at is None

    def test_someone_else_got_there_first(self, client, alert, therapist, physician, patient):
        """When another recipient already acknowledged it, the first acknowledgement stands."""
        AlertRecipient.objects.create(alert=alert, clinician=physician.user, escalated=True)
        alert_acknowledge(alert=alert, actor=physician.user, outcome="emergency_care")
        client.force_login(therapist.user)
        response = client.post(self.url(alert), {"outcome": "called_patient"})
        assert response["Location"] == reverse("safety_alert_detail", args=[alert.pk])
        alert.refresh_from_db()
        assert (alert.acknowledged_by, alert.outcome) == (physician.user, "emergency_care")
        content = page_of(client, alert).content.decode()
        assert "Another clinician acknowledged this alert a moment ago." in content
        assert "Referred to emergency care" in content


class TestHistory:
    def url(self, patient) -> str:
        return reverse("patient_alerts", args=[patient.pk])

    def test_every_alert_and_its_outcome_for_treating_clinicians(
        self, client, alert, therapist, physician, patient
    ):
        """The physician who treats the patient reads the history: reason, recipients, outcome."""
        alert_acknowledge(
            alert=alert, actor=therapist.user, outcome="called_patient", note="Safe at home"
        )
        open_alert = raise_alert(patient)
        client.force_login(physician.user)
        response = client.get(self.url(patient))
        content = response.content.decode()
        assert response.status_code == 200
        assert content.count(alert.reason) == 2
        assert "Called the patient" in content
        assert "Safe at home" in content
        assert therapist.user.display_name in content
        assert "Open" in content
        assert open_alert.reason in content
        event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
        assert (event.actor, event.patient, event.what) == (
            physician.user,
            patient,
            "safety alert history",
        )

    def test_404_for_clinicians_who_do_not_treat(self, client, alert, patient):
        """A clinician with no visit with the patient cannot read the history."""
        stranger = ProviderProfileFactory(kind="therapist")
        enrol_totp(stranger.user)
        client.force_login(stranger.user)
        assert client.get(self.url(patient)).status_code == 404

    def test_linked_from_the_score_history(self, client, alert, therapist, patient):
        """The clinician's score history links to the alert history."""
        client.force_login(therapist.user)
        content = client.get(reverse("patient_scores", args=[patient.pk])).content.decode()
        assert self.url(patient) in content

    @pytest.mark.parametrize("count", [1, 30])
    def test_fixed_number_of_queries(
        self, client, patient, therapist, count, django_assert_max_num_queries
    ):
        """One alert or thirty, the page costs the same number of queries."""
        visit = therapy_visit(patient, therapist)
        for _ in range(count):
            alert_acknowledge(
                alert=raise_alert(patient, visit), actor=therapist.user, outcome="other", note="x"
            )
        client.force_login(therapist.user)
        with django_assert_max_num_queries(10):
            assert client.get(self.url(patient)).status_code == 200

    def test_the_list_is_paged(self, client, patient, therapist, monkeypatch):
        """Beyond a page, older alerts are a link away."""
        monkeypatch.setattr("visits.questionnaires.selectors.HISTORY_PAGE", 2)
        visit = therapy_visit(patient, therapist)
        for _ in range(3):
            raise_alert(patient, visit)
        client.force_login(therapist.user)
        first = client.get(self.url(patient)).content.decode()
        assert first.count("<strong>Open</strong>") == 2
        assert "?page=2" in first
        second = client.get(self.url(patient) + "?page=2").content.decode()
        assert second.count("<strong>Open</strong>") == 1
        assert "?page=1" in second
