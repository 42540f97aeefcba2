"""Answering questionnaires in the browser: drafts, crisis help, alerts, gates and history."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.questionnaires.factories import QUIET_GAD7, QUIET_PHQ9, submit, therapy_visit
from visits.audit import AuditEvent
from visits.questionnaires.models import CheckInPreference, QuestionnaireResponse, SafetyAlert

pytestmark = pytest.mark.django_db


class TestAnswering:
    def test_form_shows_every_item_with_its_label(self, patient_client):
        """The PHQ-9 page asks the nine published questions with their answer choices."""
        content = patient_client.get(
            reverse("questionnaire_answer", args=["phq-9"])
        ).content.decode()
        assert "Little interest or pleasure in doing things" in content
        assert content.count('type="radio"') == 36
        assert "Over the last 2 weeks" in content

    def test_a_resumed_draft_loads_the_questionnaire_once(self, patient_client):
        """Opening the PHQ-9 again reads its definition once, in the same queries as the first."""
        url = reverse("questionnaire_answer", args=["phq-9"])
        patient_client.get(url)
        with CaptureQueriesContext(connection) as resumed:
            assert patient_client.get(url).status_code == 200
        loads = [q for q in resumed if 'FROM "visits_questionnaire"' in q["sql"]]
        assert len(loads) == 1

    def test_missing_answers_are_marked_and_the_rest_kept(self, patient_client, patient):
        """Submitting half the answers marks the others and keeps what was chosen."""
        url = reverse("questionnaire_answer", args=["gad-7"])
        response = patient_client.post(url, {"gad7_1": "2", "gad7_2": "1"})
        content = response.content.decode()
        assert response.status_code == 200
        assert "Please answer the 5 questions marked below." in content
        assert content.count("Please answer this question.") == 5
        assert re.search(r'name="gad7_1" value="2"[^>]*checked', content)
        draft = QuestionnaireResponse.objects.get(patient=patient)
        assert draft.answers == {"gad7_1": "2", "gad7_2": "1"}
        assert draft.submitted_at is None

    def test_draft_is_kept_and_resumed(self, patient_client, patient):
        """An htmx draft save keeps the answers; coming back later shows them."""
        url = reverse("questionnaire_answer", args=["gad-7"])
        patient_client.post(url, {"gad7_1": "3", "_draft": "1"}, headers={"HX-Request": "true"})
        content = patient_client.get(url).content.decode()
        assert re.search(r'name="gad7_1" value="3"[^>]*checked', content)
        assert QuestionnaireResponse.objects.get(patient=patient).answers == {"gad7_1": "3"}

    def test_submitting_scores_and_shows_the_band(self, patient_client, patient):
        """A complete GAD-7 is scored, banded and shown."""
        url = reverse("questionnaire_answer", args=["gad-7"])
        answers = {**QUIET_GAD7, "gad7_1": "3", "gad7_2": "3", "gad7_3": "2"}
        response = patient_client.post(url, answers)
        saved = QuestionnaireResponse.objects.get(patient=patient)
        assert response["Location"] == reverse("questionnaire_result", args=[saved.pk])
        assert (saved.total, saved.band, saved.screens) == (8, "Mild", {"GAD-2": True})
        content = patient_client.get(response["Location"]).content.decode()
        assert "Score: 8" in content
        assert "Mild" in content
        assert "GAD-2: <strong>positive screen</strong>" in content

    def test_branching_adds_the_temperature_question_after_fever(self, patient_client):
        """Choosing fever brings up the temperature question (htmx re-render, or on submit)."""
        url = reverse("questionnaire_answer", args=["symptoms-respiratory"])
        assert "highest temperature" not in patient_client.get(url).content.decode()
        content = patient_client.post(
            url, {"symptoms": ["fever"], "_draft": "1"}, headers={"HX-Request": "true"}
        ).content.decode()
        assert "What was your highest temperature?" in content


class TestPostsAfterTheSubmit:
    """The page's autosave or a second click reaching the server after the page's own submit."""

    def shown(self, client, url) -> str:
        page = client.get(url).content.decode()
        return re.search(r'name="_response" value="(\d+)"', page).group(1)

    def test_a_late_autosave_changes_nothing_and_starts_no_draft(self, patient_client, patient):
        """The submitted answers stay as scored, no new draft appears, and the page goes to
        the result."""
        url = reverse("questionnaire_answer", args=["gad-7"])
        shown = self.shown(patient_client, url)
        answers = {**QUIET_GAD7, "gad7_1": "3"}
        patient_client.post(url, {**answers, "_response": shown})
        scored = QuestionnaireResponse.objects.get(patient=patient).answers
        late = patient_client.post(
            url,
            {**answers, "gad7_2": "2", "_response": shown, "_draft": "1"},
            headers={"HX-Request": "true"},
        )
        assert late["HX-Redirect"] == reverse("questionnaire_result", args=[shown])
        (submitted,) = QuestionnaireResponse.objects.filter(patient=patient)
        assert submitted.answers == scored
        assert submitted.total == 3

    def test_a_second_submit_raises_no_second_alert(self, patient_client, patient):
        """A double click on "Submit answers" with item 9 above 0: one response, one alert."""
        url = reverse("questionnaire_answer", args=["phq-9"])
        shown = self.shown(patient_client, url)
        data = {**QUIET_PHQ9, "phq9_9": "2", "_response": shown}
        first = patient_client.post(url, data)
        second = patient_client.post(url, data)
        assert second["Location"] == first["Location"]
        assert QuestionnaireResponse.objects.filter(patient=patient).count() == 1
        assert SafetyAlert.objects.filter(patient=patient).count() == 1

    def test_another_patients_response_is_never_the_one_posted_to(self, client, patient):
        """A posted id names a response only among the signed-in patient's own."""
        url = reverse("questionnaire_answer", args=["gad-7"])
        other = PatientProfileFactory().user
        theirs = submit(other, "gad-7", QUIET_GAD7)
        client.force_login(patient)
        response = client.post(
            url,
            {"gad7_1": "1", "_response": str(theirs.pk), "_draft": "1"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        scored = theirs.answers
        theirs.refresh_from_db()
        assert theirs.answers == scored
        assert QuestionnaireResponse.objects.get(patient=patient).answers == {"gad7_1": "1"}


class TestCrisis:
    def test_item_nine_shows_crisis_help_at_once(self, patient_client):
        """As soon as item 9 is answered above 0 (htmx change), 988 and 911 appear on the page."""
        url = reverse("questionnaire_answer", args=["phq-9"])
        content = patient_client.post(
            url, {"phq9_9": "1", "_draft": "1"}, headers={"HX-Request": "true"}
        ).content.decode()
        assert "Call or text 988" in content
        assert "call 911" in content
        assert 'role="alert"' in content

    def test_submitting_item_nine_raises_an_alert_and_shows_help(self, patient_client, patient):
        """The result page leads with crisis help, and a safety alert is raised for clinicians."""
        response = patient_client.post(
            reverse("questionnaire_answer", args=["phq-9"]),
            {**QUIET_PHQ9, "phq9_9": "2"},
            follow=True,
        )
        content = response.content.decode()
        assert content.index("Call or text 988") < content.index("Score: 2")
        alert = SafetyAlert.objects.get(patient=patient)
        assert alert.acknowledged_at is None
        assert "PHQ-9" in alert.reason

    def test_alert_stays_on_the_dashboard_until_acknowledged(self, client, patient, therapist):
        """The treating clinician sees the alert until they acknowledge it; who and when are kept."""
        therapy_visit(patient, therapist)
        submit(patient, "phq-9", {**QUIET_PHQ9, "phq9_9": "1"})
        client.force_login(therapist.user)
        dashboard = client.get(reverse("clinician_dashboard")).content.decode()
        assert "Safety alerts (1)" in dashboard
        alert = SafetyAlert.objects.get()
        client.post(
            reverse("safety_alert_acknowledge", args=[alert.pk]),
            {"outcome": "called_patient", "note": "Called the client"},
        )
        alert.refresh_from_db()
        assert alert.acknowledged_by == therapist.user
        assert alert.acknowledged_at is not None
        assert alert.note == "Called the client"
        assert "Safety alerts" not in client.get(reverse("clinician_dashboard")).content.decode()

    def test_clinicians_without_the_patient_do_not_see_the_alert(self, client, patient, therapist):
        """An alert is shown only to clinicians who treat the patient."""
        submit(patient, "phq-9", {**QUIET_PHQ9, "phq9_9": "1"})
        client.force_login(therapist.user)
        assert "Safety alerts" not in client.get(reverse("clinician_dashboard")).content.decode()
        alert = SafetyAlert.objects.get()
        assert client.post(reverse("safety_alert_acknowledge", args=[alert.pk])).status_code == 404

    def test_suicidal_plan_in_the_mood_check_is_a_crisis(self, patient_client, patient):
        """A plan to end one's life in the mood check raises a safety alert too."""
        answers = {
            "main_concern": "low_mood",
            "weeks": "2",
            "self_harm_thoughts": "yes",
            "plan": "yes",
        }
        content = patient_client.post(
            reverse("questionnaire_answer", args=["symptoms-mood"]), answers, follow=True
        ).content.decode()
        assert "Call or text 988" in content
        assert SafetyAlert.objects.filter(patient=patient).exists()


class TestSymptomGate:
    def test_urgent_care_starts_with_a_symptom_check(self, patient_client):
        """Booking urgent care without a recent symptom check goes to the questions first."""
        response = patient_client.get(reverse("scheduling:booking_providers", args=["urgent-care"]))
        assert response["Location"] == reverse("symptom_start")

    def test_a_red_flag_stops_the_booking(self, patient_client, patient):
        """After chest pain with breathlessness, urgent care cannot be booked; 911 is shown."""
        submit(
            patient,
            "symptoms-respiratory",
            {
                "symptoms": ["cough"],
                "days": "1",
                "chest_pain": "yes",
                "short_of_breath": "yes",
                "blue_lips": "no",
            },
        )
        content = patient_client.get(
            reverse("scheduling:booking_providers", args=["urgent-care"])
        ).content.decode()
        assert "This may be an emergency. Call 911 now." in content
        assert "A video visit is not safe for these symptoms" in content
        assert "provider-card" not in content

    def test_symptom_result_without_red_flags_offers_urgent_care(self, patient_client, patient):
        """Clear answers lead to booking an urgent care visit."""
        answers = {
            "symptoms": ["cough"],
            "days": "2",
            "chest_pain": "no",
            "short_of_breath": "no",
            "blue_lips": "no",
        }
        content = patient_client.post(
            reverse("questionnaire_answer", args=["symptoms-respiratory"]), answers, follow=True
        ).content.decode()
        assert "Book an urgent care visit" in content

    def test_the_complaint_list_names_every_symptom_questionnaire(self, patient_client):
        """The symptom checker lists the four common complaints."""
        content = patient_client.get(reverse("symptom_start")).content.decode()
        for title in [
            "Cough, cold or flu",
            "Urinary symptoms",
            "Rash or skin problem",
            "Anxiety or low mood",
        ]:
            assert title in content


class TestBeforeVisits:
    def test_therapy_clients_are_asked_for_phq9_and_gad7(self, patient_client, patient, therapist):
        """An upcoming therapy session lists the PHQ-9 and GAD-7 check-in on the dashboard."""
        visit = therapy_visit(patient, therapist)
        content = patient_client.get(reverse("patient_dashboard")).content.decode()
        assert reverse("visit_questionnaire", args=[visit.pk, "phq-9"]) in content
        assert reverse("visit_questionnaire", args=[visit.pk, "gad-7"]) in content

    def test_answered_check_ins_leave_the_list_and_reach_the_clinician(
        self, client, patient, therapist
    ):
        """Submitted answers are linked to the visit and appear in the therapist's view of it."""
        visit = therapy_visit(patient, therapist)
        client.force_login(patient)
        client.post(
            reverse("visit_questionnaire", args=[visit.pk, "gad-7"]), {**QUIET_GAD7, "gad7_4": "2"}
        )
        dashboard = client.get(reverse("patient_dashboard")).content.decode()
        assert reverse("visit_questionnaire", args=[visit.pk, "gad-7"]) not in dashboard
        client.force_login(therapist.user)
        detail = client.get(reverse("scheduling:visit_detail", args=[visit.pk])).content.decode()
        assert "GAD-7 anxiety questionnaire" in detail
        assert ": 2 (Minimal)" in detail

    def test_therapist_can_switch_check_ins_off_per_client(self, client, patient, therapist):
        """Switched off, the check-ins no longer appear for that client."""
        visit = therapy_visit(patient, therapist)
        client.force_login(therapist.user)
        client.post(reverse("check_in_toggle", args=[visit.pk]), {"enabled": "0"})
        client.force_login(patient)
        assert (
            reverse("visit_questionnaire", args=[visit.pk, "phq-9"])
            not in client.get(reverse("patient_dashboard")).content.decode()
        )

    def test_staff_never_see_answers(self, scheduler_client, patient, therapist):
        """Clinic staff see the visit but not the questionnaire answers (minimum necessary)."""
        visit = therapy_visit(patient, therapist)
        response = submit(patient, "gad-7", QUIET_GAD7, visit=visit)
        detail = scheduler_client.get(
            reverse("scheduling:visit_detail", args=[visit.pk])
        ).content.decode()
        assert "GAD-7" not in detail
        assert (
            scheduler_client.get(reverse("questionnaire_result", args=[response.pk])).status_code
            == 403
        )

    def test_another_patients_answers_are_not_found(self, client, patient):
        """A patient cannot open someone else's response."""
        response = submit(patient, "gad-7", QUIET_GAD7)
        client.force_login(PatientProfileFactory().user)
        assert client.get(reverse("questionnaire_result", args=[response.pk])).status_code == 404


class TestScoreHistory:
    def test_chart_and_table_show_the_same_totals(self, patient_client, patient):
        """The SVG chart and its table list every PHQ-9 and GAD-7 total."""
        submit(patient, "phq-9", {**QUIET_PHQ9, "phq9_1": "3", "phq9_2": "2"})
        submit(patient, "gad-7", {**QUIET_GAD7, "gad7_1": "1"})
        content = patient_client.get(reverse("my_scores")).content.decode()
        assert '<svg viewBox="0 0 460 260" role="img"' in content
        assert content.count("<polyline") == 2
        assert '<td data-label="Total">5</td><td data-label="Severity">Mild</td>' in content
        assert '<td data-label="Total">1</td><td data-label="Severity">Minimal</td>' in content

    def test_history_queries_do_not_grow_with_responses(self, patient_client, patient):
        """Thirty responses cost the queries of two: the latest twenty are listed with their
        dates and charted, the older ten a page away."""
        submit(patient, "phq-9", QUIET_PHQ9)
        submit(patient, "gad-7", QUIET_GAD7)
        with CaptureQueriesContext(connection) as few:
            patient_client.get(reverse("my_scores"))
        for _ in range(14):
            submit(patient, "phq-9", QUIET_PHQ9)
            submit(patient, "gad-7", QUIET_GAD7)
        with CaptureQueriesContext(connection) as many:
            content = patient_client.get(reverse("my_scores")).content.decode()
        assert len(many) == len(few)
        assert content.count('<td data-label="Date">') == 20
        assert content.count("<circle") == 20
        assert re.search(r"<title>PHQ-9 0 on [A-Z][a-z]{2}\.? \d{1,2}, \d{4}</title>", content)
        assert "The 20 most recent of 30 PHQ-9 and GAD-7 totals" in content
        assert '<a href="?page=2">Older scores</a>' in content
        older = patient_client.get(reverse("my_scores"), {"page": "2"}).content.decode()
        assert older.count('<td data-label="Date">') == 10
        assert '<a href="?page=1">Newer scores</a>' in older
        assert "Older scores" not in older

    @pytest.mark.parametrize("page", ["0", "-3", "x", "2.5"])
    def test_a_bad_page_number_shows_the_latest_scores(self, patient_client, patient, page):
        submit(patient, "phq-9", QUIET_PHQ9)
        response = patient_client.get(reverse("my_scores"), {"page": page})
        assert response.status_code == 200
        assert response.content.decode().count('<td data-label="Date">') == 1

    def test_past_the_last_page_there_are_no_older_scores(self, patient_client, patient):
        submit(patient, "phq-9", QUIET_PHQ9)
        for page in ("5", "99999999999999999999"):
            response = patient_client.get(reverse("my_scores"), {"page": page})
            assert response.status_code == 200
            assert "No older scores." in response.content.decode()

    def test_treating_clinician_sees_history_and_is_audited(self, client, patient, therapist):
        """The therapist sees the client's history; the read is audited."""
        therapy_visit(patient, therapist)
        submit(patient, "phq-9", QUIET_PHQ9)
        client.force_login(therapist.user)
        assert client.get(reverse("patient_scores", args=[patient.pk])).status_code == 200
        assert AuditEvent.objects.filter(
            actor=therapist.user, patient=patient, what="score history"
        ).exists()

    def test_other_clinicians_get_404(self, client, patient, therapist):
        """A clinician with no visits with the patient cannot see their scores."""
        client.force_login(therapist.user)
        assert client.get(reverse("patient_scores", args=[patient.pk])).status_code == 404


class TestAcknowledgingAlerts:
    def test_acknowledging_is_audited_and_sends_htmx_on(self, client, patient, therapist):
        """The acknowledgement is recorded as a change; htmx is sent back to the dashboard."""
        therapy_visit(patient, therapist)
        submit(patient, "phq-9", {**QUIET_PHQ9, "phq9_9": "1"})
        alert = SafetyAlert.objects.get()
        client.force_login(therapist.user)
        response = client.post(
            reverse("safety_alert_acknowledge", args=[alert.pk]),
            {"outcome": "called_patient", "note": "Called"},
            headers={"HX-Request": "true"},
        )
        assert response["HX-Redirect"] == reverse("clinician_dashboard")
        event = AuditEvent.objects.get(what="safety alert")
        assert (event.actor, event.patient, event.action, event.object_id) == (
            therapist.user,
            patient,
            AuditEvent.Action.UPDATE,
            str(alert.pk),
        )

    def test_another_clinician_gets_404_and_nothing_changes(self, client, patient, therapist):
        """A clinician who does not treat the patient cannot acknowledge their alert."""
        therapy_visit(patient, therapist)
        submit(patient, "phq-9", {**QUIET_PHQ9, "phq9_9": "1"})
        alert = SafetyAlert.objects.get()
        other = ProviderProfileFactory(kind="therapist")
        enrol_totp(other.user)
        client.force_login(other.user)
        response = client.post(reverse("safety_alert_acknowledge", args=[alert.pk]))
        assert response.status_code == 404
        alert.refresh_from_db()
        assert alert.acknowledged_at is None
        assert not AuditEvent.objects.filter(what="safety alert").exists()


class TestCheckInSwitch:
    def test_switching_is_audited_and_redirects_to_the_visit(self, client, patient, therapist):
        """The treating clinician's switch is saved and recorded; a plain post goes to the visit."""
        visit = therapy_visit(patient, therapist)
        client.force_login(therapist.user)
        response = client.post(reverse("check_in_toggle", args=[visit.pk]), {"enabled": "0"})
        assert response["Location"] == reverse("scheduling:visit_detail", args=[visit.pk])
        preference = CheckInPreference.objects.get(patient=patient, provider=therapist)
        assert not preference.enabled
        event = AuditEvent.objects.get(what="check-in preference")
        assert (event.actor, event.patient, event.action, event.object_id) == (
            therapist.user,
            patient,
            AuditEvent.Action.UPDATE,
            str(preference.pk),
        )

    def test_another_clinician_gets_404_and_nothing_changes(self, client, patient, therapist):
        """A clinician cannot switch check-ins on another clinician's visit."""
        visit = therapy_visit(patient, therapist)
        other = ProviderProfileFactory(kind="therapist")
        enrol_totp(other.user)
        client.force_login(other.user)
        response = client.post(reverse("check_in_toggle", args=[visit.pk]), {"enabled": "0"})
        assert response.status_code == 404
        assert not CheckInPreference.objects.exists()
        assert not AuditEvent.objects.exists()


class TestRefusals:
    def test_a_draft_response_is_not_found(self, patient_client, patient):
        """Only submitted responses have a result page."""
        draft = QuestionnaireResponse.objects.create(
            patient=patient, questionnaire=submit(patient, "gad-7", QUIET_GAD7).questionnaire
        )
        assert (
            patient_client.get(reverse("questionnaire_result", args=[draft.pk])).status_code == 404
        )

    def test_a_clinician_who_does_not_treat_the_patient_gets_404(self, client, patient, therapist):
        """A response is shown only to clinicians who treat its patient."""
        response = submit(patient, "gad-7", QUIET_GAD7)
        client.force_login(therapist.user)
        assert client.get(reverse("questionnaire_result", args=[response.pk])).status_code == 404
        assert not AuditEvent.objects.exists()

    def test_another_patients_visit_questionnaire_is_not_found(self, client, patient, therapist):
        """A patient cannot answer the check-in of someone else's visit."""
        visit = therapy_visit(patient, therapist)
        client.force_login(PatientProfileFactory().user)
        response = client.get(reverse("visit_questionnaire", args=[visit.pk, "phq-9"]))
        assert response.status_code == 404

    def test_a_questionnaire_the_visit_does_not_ask_is_not_found(self, patient_client, patient):
        """Only the visit type's own questionnaires can be answered for it."""
        visit = therapy_visit(patient, ProviderProfileFactory(kind="therapist"))
        response = patient_client.get(reverse("visit_questionnaire", args=[visit.pk, "phq-2"]))
        assert response.status_code == 404

    def test_a_treating_clinician_sees_the_patient_named(self, client, patient, therapist):
        """The clinician reads whose answers these are, and no booking offer meant for the patient."""
        therapy_visit(patient, therapist)
        response = submit(patient, "gad-7", QUIET_GAD7)
        client.force_login(therapist.user)
        content = client.get(reverse("questionnaire_result", args=[response.pk])).content.decode()
        assert "Patient: Jordan Rivera." in content
        assert reverse("my_scores") not in content
