"""Reads about intakes: sections each reader may see, what is missing, versions, the page."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.visits.factories import VisitFactory
from tests.visits.intake.factories import complete_intake
from visits.intake.models import Intake
from visits.intake.selectors import (
    intake_as_of,
    intake_is_complete,
    intake_missing_steps,
    intake_page,
    intake_sections_visible_to,
)

pytestmark = pytest.mark.django_db


class TestSections:
    @pytest.mark.parametrize(
        ("who", "expected"),
        [
            ("self", 8),
            ("treating", 8),
            ("staff", 3),
            ("other_patient", 0),
            ("other_clinician", 0),
        ],
    )
    def test_sections_visible_to_each_role(
        self, who, expected, patient, treating_clinician, clinician, scheduler
    ):
        """The policy function gives the patient and treating clinicians all, staff three, others none."""
        users = {
            "self": patient,
            "treating": treating_clinician,
            "staff": scheduler,
            "other_patient": PatientProfileFactory().user,
            "other_clinician": clinician,
        }
        sections = intake_sections_visible_to(users[who], patient)
        assert len(sections) == expected
        if who == "staff":
            assert sections == ["demographics", "emergency-contact", "insurance"]


class TestCompleteness:
    def test_missing_steps_are_named(self, patient):
        """The booking flow can say exactly what is left."""
        complete_intake(patient)
        intake = Intake.objects.get(patient=patient)
        del intake.answers["insurance"]
        intake.save()
        assert intake_missing_steps(patient) == ["Insurance"]
        assert not intake_is_complete(patient)

    def test_a_patient_without_an_intake_misses_every_step(self, patient):
        """Nothing saved yet: all eight steps are named, starting with demographics."""
        assert len(intake_missing_steps(patient)) == 8
        assert intake_missing_steps(patient)[0] == "Demographics and home address"


class TestVersions:
    def test_as_of_a_time_before_any_version_is_the_first(self, patient):
        """A visit before the intake was complete reads the earliest version."""
        now = timezone.now()
        complete_intake(patient, now=now)
        assert intake_as_of(patient, now - datetime.timedelta(days=1)).number == 1

    def test_no_version_before_completion(self, patient):
        """An unfinished intake has no version to read."""
        assert intake_as_of(patient, timezone.now()) is None


class TestViewerZone:
    def test_a_clinician_reads_in_their_own_zone(self, patient):
        """A clinician's times are in the clinician's zone, not the patient's."""
        provider = ProviderProfileFactory(time_zone="America/Los_Angeles")
        page = intake_page(provider.user, patient)
        assert page.context["zone"] == ZoneInfo("America/Los_Angeles")

    def test_staff_read_in_their_own_zone_else_the_clinics(self, patient, scheduler, settings):
        """Staff read in the zone on their account, else the clinic's, never the patient's."""
        settings.CLINIC_TIME_ZONE = "America/New_York"
        assert intake_page(scheduler, patient).context["zone"] == ZoneInfo("America/New_York")
        scheduler.time_zone = "America/Phoenix"
        assert intake_page(scheduler, patient).context["zone"] == ZoneInfo("America/Phoenix")


class TestIntakePage:
    def test_the_patient_sees_their_own_without_visits_to_pick(self, patient):
        """A patient's own page lists no visits and names the record it reads."""
        intake = complete_intake(patient)
        page = intake_page(patient, patient)
        assert page.context["is_own"]
        assert page.context["visits"] == []
        assert page.record == (patient.pk, str(intake.pk))

    def test_at_a_visit_the_record_names_the_version(self, patient, treating_clinician):
        """Read as at a visit, the record says which version was shown."""
        intake = complete_intake(patient, now=timezone.now() - datetime.timedelta(days=2))
        visit = VisitFactory(
            patient=patient,
            provider=treating_clinician.provider_profile,
            start=timezone.now(),
        )
        page = intake_page(treating_clinician, patient, visit=visit)
        assert page.record == (patient.pk, f"{intake.pk}@v1")
        assert page.context["version"].number == 1
        assert len(page.context["visits"]) == 2

    def test_staff_are_told_which_sections_are_hidden(self, patient, scheduler):
        """The front desk's page names the clinical sections it leaves out."""
        complete_intake(patient)
        page = intake_page(scheduler, patient)
        assert [entry["step"].value for entry in page.context["summary"]] == [
            "demographics",
            "emergency-contact",
            "insurance",
        ]
        assert page.context["hidden_sections"].startswith("Medical history, current medications")

    def test_nothing_saved_is_an_empty_record(self):
        """A patient with no intake yet is read as an empty record."""
        patient = PatientProfileFactory(intake=False).user
        assert intake_page(patient, patient).record == (patient.pk, "")
