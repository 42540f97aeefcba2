"""The patient chart: everything a treating clinician reads about a patient, and nothing more."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import VisitFactory
from tests.visits.questionnaires.factories import QUIET_GAD7, QUIET_PHQ9, submit
from tests.visits.records.record_rows import addendum, lab_report, note, prescription
from visits.audit import AuditEvent
from visits.intake.models import IntakeVersion
from visits.records.models import PsychotherapyNote, VisitNote
from visits.results.models import Observation
from visits.scheduling.models import Visit

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def chart_url(patient) -> str:
    return reverse("records:chart", args=[patient.pk])


def chart(client, patient, **params) -> str:
    response = client.get(chart_url(patient), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def seen(patient, provider):
    """A completed visit of `patient` with `provider` ten days ago."""
    return VisitFactory(
        patient=patient,
        provider=provider,
        start=timezone.now() - 10 * DAY,
        status=Visit.Status.COMPLETED,
        reason="Cough",
    )


def colleague(patient):
    """Another clinician who also treats `patient` (a past visit with them)."""
    other = ProviderProfileFactory(credentials="DO")
    enrol_totp(other.user)
    past = VisitFactory(
        patient=patient, provider=other, start=timezone.now() - 40 * DAY, status="completed"
    )
    return other, past


class TestWhatTheChartShows:
    def test_demographics_with_the_record_number(self, treating_client, patient):
        """Who the patient is: MRN, legal name, date of birth and age, phone, where they are."""
        profile = patient.patient_profile
        content = chart(treating_client, patient)
        assert "Chart: Jordan Rivera" in content
        assert profile.record_number
        assert profile.record_number in content
        assert "May 17, 1990" in content
        assert "(age " in content
        assert "(512) 555-0123" in content
        assert "Texas" in content

    def test_the_health_history_as_it_stands_and_at_each_visit(
        self, treating_client, patient, seen
    ):
        """Conditions, medications and allergies now; each visit links to the history as it
        stood then, with its version."""
        IntakeVersion.objects.filter(patient=patient).update(created_at=seen.start - DAY)
        content = chart(treating_client, patient)
        assert "Asthma" in content
        assert "Albuterol inhaler" in content
        assert "Penicillin" in content
        assert f"{reverse('patient_intake', args=[patient.pk])}?visit={seen.pk}" in content
        assert "Health history as it stood then (version 1)" in content

    def test_questionnaires_and_the_score_chart(self, treating_client, patient, seen):
        """Answers newest first with total and band; PHQ-9 and GAD-7 drawn over time."""
        phq = submit(patient, "phq-9", QUIET_PHQ9, visit=seen)
        submit(patient, "gad-7", QUIET_GAD7)
        content = chart(treating_client, patient)
        assert reverse("questionnaire_result", args=[phq.pk]) in content
        assert "PHQ-9 depression questionnaire</a>, 0 (" in content
        assert '<svg viewBox="0 0 ' in content
        assert "series-phq9" in content
        assert reverse("patient_scores", args=[patient.pk]) in content

    def test_past_visits_with_their_signed_notes_diagnoses_and_addenda(
        self, treating_client, patient, seen
    ):
        """A signed note shows in full with its diagnosis and an addendum with who and when."""
        written = note(seen, assessment="Viral URI.")
        addendum(written, "Called back: better.")
        content = chart(treating_client, patient)
        assert "Cough for three days." in content
        assert "Viral URI." in content
        assert "J06.9 Acute upper respiratory infection, unspecified" in content
        assert "Addendum by" in content
        assert "Called back: better." in content
        assert "Note signed by" in content

    def test_a_colleagues_signed_note_shows_their_draft_does_not(
        self, treating_client, patient, seen
    ):
        """Another treating clinician's signed note is in the chart; their draft is not, and
        the reader's own draft is, marked as such."""
        other, past = colleague(patient)
        note(past, plan="Colleague's signed plan.")
        later = VisitFactory(
            patient=patient, provider=other, start=timezone.now() - 5 * DAY, status="completed"
        )
        note(later, signed=False, plan="Colleague's draft plan.")
        note(seen, signed=False, plan="My own draft plan.")
        content = chart(treating_client, patient)
        assert "Colleague&#x27;s signed plan." in content
        assert "Colleague&#x27;s draft plan." not in content
        assert "My own draft plan." in content
        assert "Your draft note (not signed)" in content

    def test_never_psychotherapy_notes(self, client, patient):
        """Process notes are not on the chart, not even for their author."""
        therapist = ProviderProfileFactory(kind="therapist")
        enrol_totp(therapist.user)
        session = VisitFactory(
            patient=patient, provider=therapist, start=timezone.now() - 3 * DAY, status="completed"
        )
        PsychotherapyNote.objects.create(
            visit=session, patient=patient, author=therapist.user, text="Process: transference."
        )
        client.force_login(therapist.user)
        assert "transference" not in chart(client, patient)

    def test_prescriptions_active_first(self, treating_client, patient, seen):
        """Active prescriptions come before stopped ones, with the reason it was stopped."""
        prescription(seen, medication="Benzonatate", status="stopped", stop_reason="Rash")
        prescription(seen, medication="Amoxicillin")
        content = chart(treating_client, patient)
        assert content.index("Amoxicillin 500 mg") < content.index("Benzonatate")
        assert "Stopped: Rash" in content
        assert "Active" in content

    def test_lab_results_with_flags_in_words(self, treating_client, patient, seen):
        """Each report links to its page; values carry their range and flag in words and
        symbol; a corrected value replaces the earlier one."""
        report = lab_report(seen, value="5.6")
        first = report.observations.get()
        corrected = Observation.objects.create(
            report=report,
            patient=patient,
            loinc_code="2823-3",
            name="Potassium",
            value="5.4",
            unit="mmol/L",
            reference_low="3.5",
            reference_high="5.1",
            status="corrected",
        )
        first.superseded_by = corrected
        first.save(update_fields=["superseded_by"])
        content = chart(treating_client, patient)
        assert reverse("results:report_detail", args=[report.pk]) in content
        assert "5.4 mmol/L" in content
        assert "5.6 mmol/L" not in content
        assert "3.5\N{EN DASH}5.1" in content
        assert "↑ High (corrected)" in content


class TestShowMore:
    def test_visits_ten_at_a_time(self, treating_client, patient, provider):
        """Ten visits, then a link for ten more that works without JavaScript."""
        for n in range(12):
            VisitFactory(patient=patient, provider=provider, start=timezone.now() - (n + 1) * DAY)
        content = chart(treating_client, patient)
        assert content.count('<article aria-labelledby="visit-') == 10
        assert 'href="?visits=20#visits"' in content
        content = chart(treating_client, patient, visits="20")
        assert content.count('<article aria-labelledby="visit-') == 12
        assert "Show more visits" not in content

    @pytest.mark.parametrize("raw", ["abc", "-5", "3", "100000", "9" * 40])
    def test_odd_counts_show_the_first_page(self, treating_client, patient, provider, raw):
        """Anything but a count from 10 to 500 shows the first ten, never an error."""
        for n in range(11):
            VisitFactory(patient=patient, provider=provider, start=timezone.now() - (n + 1) * DAY)
        content = chart(treating_client, patient, visits=raw)
        assert content.count('<article aria-labelledby="visit-') == 10


class TestAuditAndCost:
    def test_one_event_naming_what_was_shown(
        self, treating_client, treating_clinician, patient, seen
    ):
        """One view event for the patient, on the chart page, naming each kind shown."""
        note(seen)
        prescription(seen)
        lab_report(seen)
        submit(patient, "phq-9", QUIET_PHQ9, visit=seen)
        chart(treating_client, patient)
        event = AuditEvent.objects.get(actor=treating_clinician, action="view")
        assert event.patient == patient
        assert event.page == "records:chart"
        assert event.what == "details, intake, visit, note, answers, prescription, lab result"
        assert event.summary.endswith("lab result on your chart")

    @pytest.mark.parametrize("count", [10, 500])
    def test_the_query_count_is_fixed(
        self, treating_client, patient, provider, count, django_assert_max_num_queries
    ):
        """As many queries for 10 visits, notes, prescriptions and results as for 500."""
        start = timezone.now() - DAY
        visits = Visit.objects.bulk_create(
            Visit(
                patient=patient,
                provider=provider,
                visit_type=seen_type(),
                start=start - n * DAY,
                end=start - n * DAY + datetime.timedelta(minutes=15),
                blocked_until=start - n * DAY + datetime.timedelta(minutes=15),
                status="completed",
            )
            for n in range(count)
        )
        for visit in visits[:count]:
            VisitNote.objects.create(
                visit=visit,
                patient=patient,
                author=provider.user,
                status="signed",
                signed_at=timezone.now(),
                plan="Rest.",
            )
        for visit in visits[:20]:
            prescription(visit)
            lab_report(visit)
        with django_assert_max_num_queries(18):
            content = chart(
                treating_client, patient, visits="500", results="500", prescriptions="500"
            )
        assert content.count("Note signed by") == count


def seen_type():
    from tests.visits.factories import visit_type

    return visit_type("urgent-care")


class TestAccess:
    def test_another_clinicians_patient_is_not_found(self, clinician_client, patient, visit):
        """A clinician who never saw the patient gets 404, and nothing is audited."""
        assert clinician_client.get(chart_url(patient)).status_code == 404
        assert not AuditEvent.objects.exists()

    def test_a_cancelled_visit_does_not_open_the_chart(self, client, patient):
        """A clinician whose only visit with the patient was cancelled does not treat them."""
        provider = ProviderProfileFactory()
        enrol_totp(provider.user)
        VisitFactory(patient=patient, provider=provider, status="cancelled")
        client.force_login(provider.user)
        assert client.get(chart_url(patient)).status_code == 404

    @pytest.mark.parametrize("fixture", ["patient_client", "scheduler_client"])
    def test_patients_and_staff_are_refused(self, request, fixture, patient, visit):
        """Neither the patient nor the front desk reads the clinical chart."""
        assert request.getfixturevalue(fixture).get(chart_url(patient)).status_code == 403

    def test_a_colleague_who_treats_the_patient_reads_it(self, patient, visit):
        """Any clinician who treats the patient reads the chart."""
        other, _ = colleague(patient)
        client = Client()
        client.force_login(other.user)
        assert "Chart: Jordan Rivera" in chart(client, patient)
