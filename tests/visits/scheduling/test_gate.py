"""The booking gate: each reason a patient may not book, for the patient and for the clinic."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import ProviderLicense, Role
from tests.accounts.factories import PatientProfileFactory, UserFactory
from tests.visits.factories import (
    NOW,
    RED_FLAG_COUGH,
    at,
    book,
    provider_with_hours,
    symptoms_checked,
    therapist_with_hours,
    visit_type,
)
from visits.scheduling.gate import (
    SYMPTOM_CHECK_VALID_FOR,
    IntakeIncomplete,
    NeedsDetails,
    NeedsSymptomCheck,
    NotLicensed,
    NotOffered,
    OtherComplaintUnconfirmed,
    RedFlag,
    booking_gate,
    booking_refusal,
    valid_symptom_check,
)
from visits.scheduling.services import NotBookable, visit_book

pytestmark = pytest.mark.django_db

TUESDAY = NOW.date() + datetime.timedelta(days=1)


def refusal(patient, slug="urgent-care", provider=None):
    return booking_refusal(patient=patient, visit_type=visit_type(slug), provider=provider, now=NOW)


class TestBookingRefusal:
    def test_a_patient_with_everything_in_order_may_book(self, patient):
        """Details, intake, a recent clear symptom check and a licensed provider: no refusal."""
        symptoms_checked(patient, at=NOW)
        assert refusal(patient, provider=provider_with_hours()) is None

    def test_without_details_the_patient_is_sent_to_add_them(self, new_patient):
        """No profile yet: the refusal links to the profile page."""
        refused = refusal(new_patient)
        assert isinstance(refused, NeedsDetails)
        assert refused.url == reverse("profile_edit")

    def test_only_patients_may_be_booked(self):
        """A clinician is never the patient of a visit."""
        assert isinstance(refusal(UserFactory(role=Role.CLINICIAN)), NeedsDetails)

    def test_an_incomplete_health_history_names_the_steps_left(self):
        """The refusal carries the missing steps, for the patient's page to list."""
        patient = PatientProfileFactory(intake=False).user
        refused = refusal(patient, slug="follow-up")
        assert isinstance(refused, IntakeIncomplete)
        assert refused.missing
        assert "health history" in refused.message
        assert "has not completed their health history" in refused.staff_message

    def test_urgent_care_needs_a_symptom_check_within_twelve_hours(self, patient):
        """An older symptom check no longer counts; a recent one does."""
        symptoms_checked(patient, at=NOW - SYMPTOM_CHECK_VALID_FOR - datetime.timedelta(minutes=1))
        refused = refusal(patient)
        assert isinstance(refused, NeedsSymptomCheck)
        assert "symptom questions" in refused.staff_message
        symptoms_checked(patient, at=NOW - datetime.timedelta(hours=11))
        assert refusal(patient) is None

    def test_a_red_flag_stops_urgent_care(self, patient):
        """Chest pain with breathlessness: emergency care, not a video visit."""
        answers = symptoms_checked(patient, answers=RED_FLAG_COUGH, at=NOW)
        refused = refusal(patient)
        assert isinstance(refused, RedFlag)
        assert refused.response == answers
        assert "emergency care" in refused.staff_message

    def test_visit_types_without_a_symptom_check_do_not_ask_for_one(self, patient):
        """A follow-up needs no symptom answers."""
        assert refusal(patient, slug="follow-up") is None

    def test_a_provider_who_does_not_offer_the_type_is_refused(self, patient):
        """A therapist does not offer follow-ups."""
        refused = refusal(patient, slug="follow-up", provider=therapist_with_hours())
        assert isinstance(refused, NotOffered)

    def test_an_expired_licence_does_not_count(self, patient):
        """Licensure is checked in the patient's current state, and the licence must be current."""
        provider = provider_with_hours()
        ProviderLicense.objects.filter(provider=provider).update(
            expires_on=NOW.date() - datetime.timedelta(days=1)
        )
        refused = refusal(patient, slug="follow-up", provider=provider)
        assert isinstance(refused, NotLicensed)
        assert "not licensed in Texas, where you are now" in refused.message
        assert refused.staff_message.endswith(f"where {patient.patient_profile.legal_name} is now.")


class TestServicesAskTheGate:
    def test_staff_booking_urgent_care_without_a_symptom_check_is_refused(self, patient, scheduler):
        """The clinic cannot skip the symptom check, and is told why in its own words."""
        with pytest.raises(NotBookable, match="answer the symptom questions first") as refused:
            visit_book(
                patient=patient,
                provider=provider_with_hours(),
                visit_type=visit_type("urgent-care"),
                start=at(TUESDAY, 10),
                actor=scheduler,
                now=NOW,
            )
        assert isinstance(refused.value.refusal, NeedsSymptomCheck)

    def test_staff_booking_after_a_red_flag_is_refused(self, patient, scheduler):
        """A red flag stops a booking by staff as it stops the patient's own."""
        symptoms_checked(patient, answers=RED_FLAG_COUGH, at=NOW)
        with pytest.raises(NotBookable, match="need emergency care"):
            visit_book(
                patient=patient,
                provider=provider_with_hours(),
                visit_type=visit_type("urgent-care"),
                start=at(TUESDAY, 10),
                actor=scheduler,
                now=NOW,
            )

    def test_booking_links_the_symptom_answers_to_the_visit(self, patient):
        """The answers the booking passed the gate with go with the visit, in its transaction."""
        visit = book(provider=provider_with_hours(), patient=patient, start=at(TUESDAY, 10))
        answers = valid_symptom_check(patient, now=NOW)
        assert answers.visit == visit


class TestRedFlagWarning:
    """A red-flag symptom check, for its 12 hours, warns every booking of any visit type."""

    def gate(self, patient, slug, **kwargs):
        return booking_gate(patient=patient, visit_type=visit_type(slug), now=NOW, **kwargs)

    def test_another_visit_type_waits_for_confirmation(self, patient):
        """A follow-up is held until the person booking confirms it is for something else."""
        answers = symptoms_checked(patient, answers=RED_FLAG_COUGH, at=NOW)
        answer = self.gate(patient, "follow-up")
        assert isinstance(answer.refusal, OtherComplaintUnconfirmed)
        assert answer.refusal.response == answers
        assert "something other than the symptoms" in answer.refusal.message
        assert answer.red_flag_warning is not None
        assert answer.red_flag_warning.response == answers
        assert "emergency care" in answer.red_flag_warning.message

    def test_confirmed_it_proceeds_with_the_warning_still_shown(self, patient):
        """Once confirmed the gate lets it through, and still hands back the warning to show."""
        symptoms_checked(patient, answers=RED_FLAG_COUGH, at=NOW)
        answer = self.gate(patient, "follow-up", other_complaint_confirmed=True)
        assert answer.refusal is None
        assert answer.red_flag_warning is not None
        assert (
            f"{patient.patient_profile.legal_name}'s symptom answers"
            in answer.red_flag_warning.staff_message
        )

    def test_the_complaints_own_visit_type_stays_refused_even_confirmed(self, patient):
        """Urgent care is refused for a red flag whatever anyone confirms."""
        symptoms_checked(patient, answers=RED_FLAG_COUGH, at=NOW)
        answer = self.gate(patient, "urgent-care", other_complaint_confirmed=True)
        assert isinstance(answer.refusal, RedFlag)
        assert answer.red_flag_warning is not None

    def test_the_warning_lasts_as_long_as_the_symptom_check(self, patient):
        """After 12 hours the red flag no longer warns: a new symptom check would be asked for."""
        symptoms_checked(
            patient,
            answers=RED_FLAG_COUGH,
            at=NOW - SYMPTOM_CHECK_VALID_FOR - datetime.timedelta(minutes=1),
        )
        answer = self.gate(patient, "follow-up")
        assert answer.refusal is None
        assert answer.red_flag_warning is None

    def test_a_clear_symptom_check_warns_nothing(self, patient):
        """Answers without a red flag add nothing to any booking."""
        symptoms_checked(patient, at=NOW)
        assert self.gate(patient, "follow-up").red_flag_warning is None

    def test_the_services_hold_staff_booking_until_confirmed(self, patient, scheduler):
        """Staff booking a follow-up after a red flag are told to confirm, then may book."""
        symptoms_checked(patient, answers=RED_FLAG_COUGH, at=NOW)
        provider = provider_with_hours()
        with pytest.raises(NotBookable, match="Confirm with") as refused:
            visit_book(
                patient=patient,
                provider=provider,
                visit_type=visit_type("follow-up"),
                start=at(TUESDAY, 10),
                actor=scheduler,
                now=NOW,
            )
        assert isinstance(refused.value.refusal, OtherComplaintUnconfirmed)
        visit = visit_book(
            patient=patient,
            provider=provider,
            visit_type=visit_type("follow-up"),
            start=at(TUESDAY, 10),
            actor=scheduler,
            now=NOW,
            other_complaint_confirmed=True,
        )
        assert visit.visit_type.slug == "follow-up"
