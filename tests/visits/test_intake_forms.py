"""The intake's step forms on their own: normalising, messages, and drafts that round-trip."""

import pytest

from tests.visits.intake_factories import COMPLETE_ANSWERS
from visits.intake.consents import CONSENTS
from visits.intake.forms import (
    STEP_FORMS,
    ConsentsForm,
    DemographicsForm,
    InsuranceForm,
    MedicationsForm,
)
from visits.intake.forms.consents import same_name
from visits.intake.models import IntakeStep, missing_steps

ADDRESS = {"address_line1": "1 Main St", "city": "Austin", "state": "TX"}


class TestZipCodes:
    @pytest.mark.parametrize(
        ("typed", "saved"),
        [
            ("78701", "78701"),
            ("78701-1234", "78701-1234"),
            ("787011234", "78701-1234"),
            (" 78701 1234 ", "78701-1234"),
        ],
    )
    def test_zip_and_zip_plus_four_are_accepted(self, typed, saved):
        """Five digits, or nine with or without a hyphen, are saved as 12345 or 12345-6789."""
        form = DemographicsForm({**ADDRESS, "zip_code": typed}, bound=True)
        assert form.is_valid()
        assert form.answers()["zip_code"] == saved

    @pytest.mark.parametrize("typed", ["7870", "787012", "78701-12", "ABCDE", "78701-12345"])
    def test_other_zips_are_refused_with_a_message(self, typed):
        """Anything else says what a ZIP code looks like."""
        form = DemographicsForm({**ADDRESS, "zip_code": typed}, bound=True)
        assert form.errors["zip_code"] == ["Enter a 5-digit ZIP code, or ZIP+4 such as 78701-1234."]


class TestSignatures:
    @pytest.mark.parametrize(
        "typed", ["Jordan Rivera", "jordan rivera", "  JORDAN   Rivera  ", "Jordan\tRivera"]
    )
    def test_case_and_spacing_do_not_matter(self, typed):
        """The typed name matches ignoring case and extra spaces."""
        assert same_name(typed, "Jordan Rivera")

    @pytest.mark.parametrize(
        "typed", ["Jordan", "Jordan Q Rivera", "Jordon Rivera", "JordanRivera"]
    )
    def test_a_different_name_does_not_match(self, typed):
        """Anything else is not the legal name."""
        assert not same_name(typed, "Jordan Rivera")

    def test_only_unsigned_consents_ask_for_a_name(self):
        """A consent already signed at its current version has no field to sign again."""
        form = ConsentsForm(legal_name="Jordan Rivera", to_sign=[CONSENTS["privacy"]])
        assert list(form.fields) == ["sign_privacy"]


class TestInsurance:
    def test_self_pay_drops_card_details(self):
        """With self-pay, half-typed card fields are not kept as insurance."""
        form = InsuranceForm({"payment": "self-pay", "member_id": "12"}, bound=True)
        assert form.is_valid()
        assert form.answers()["member_id"] == ""

    def test_group_number_is_optional(self):
        """Many cards have no group number; insurance is complete without one."""
        data = {
            "payment": "insurance",
            "payer": "Aetna",
            "member_id": "W1",
            "subscriber_name": "Jordan Rivera",
            "subscriber_relationship": "self",
        }
        assert InsuranceForm(data, bound=True).is_valid()


class TestRoundTrip:
    @pytest.mark.parametrize("step", [step for step in IntakeStep if step != IntakeStep.CONSENTS])
    def test_saved_answers_show_and_save_again_unchanged(self, step):
        """Saved answers shown in the form and saved again are the same answers."""
        form_class = STEP_FORMS[step]
        raw = form_class.raw_from_answers(COMPLETE_ANSWERS[step])
        form = form_class(raw, bound=True)
        assert form.is_valid(), form.errors
        assert form.answers() == COMPLETE_ANSWERS[step]

    def test_blank_rows_are_ignored(self):
        """An empty row left on the page is not a medication."""
        raw = {"medications": [{"name": "Aspirin", "dose": "", "frequency": ""}, {}]}
        form = MedicationsForm(raw, bound=True)
        assert form.is_valid()
        assert [row["name"] for row in form.answers()["medications"]] == ["Aspirin"]


class TestMissingSteps:
    def test_an_outdated_consent_counts_as_missing(self):
        """A consent signed at an older version must be signed again."""
        answers = {str(step): {} for step in IntakeStep}
        answers["consents"] = {
            slug: {"version": document.version} for slug, document in CONSENTS.items()
        }
        assert missing_steps(answers) == []
        answers["consents"]["privacy"]["version"] = "2020-01-1"
        assert missing_steps(answers) == [IntakeStep.CONSENTS]
