"""The intake's step forms on their own: normalising, messages, and drafts that round-trip."""

import pytest

from tests.visits.intake.factories import COMPLETE_ANSWERS
from visits.intake.consents import CONSENTS
from visits.intake.forms import (
    STEP_FORMS,
    ConsentsForm,
    DemographicsForm,
    InsuranceForm,
    MedicationsForm,
)
from visits.intake.forms.consents import same_name
from visits.intake.models import IntakeStep

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


class TestRowChanges:
    def test_add_row_appends_an_empty_row_and_focuses_it(self):
        """Adding a row keeps the rows typed and points focus at the new one."""
        raw = {"medications": [{"name": "Aspirin"}]}
        raw, focus, status = MedicationsForm.change_rows(raw, {"add_row": "1"})
        assert raw["medications"] == [{"name": "Aspirin"}, {}]
        assert (focus, status) == (1, "Added medication 2.")

    def test_remove_row_drops_that_row(self):
        """Removing a row names it and leaves focus to the status."""
        raw = {"medications": [{"name": "Aspirin"}, {"name": "Ibuprofen"}]}
        raw, focus, status = MedicationsForm.change_rows(raw, {"remove_row": "0"})
        assert raw["medications"] == [{"name": "Ibuprofen"}]
        assert (focus, status) == (None, "Removed medication 1.")

    @pytest.mark.parametrize("index", ["7", "x"])
    def test_an_unknown_row_changes_nothing(self, index):
        """A row that is not there, or no number at all, is ignored."""
        raw = {"medications": [{"name": "Aspirin"}]}
        assert MedicationsForm.change_rows(raw, {"remove_row": index}) == (raw, None, "")

    def test_only_row_buttons_ask_to_change_rows(self):
        """Saving the step is not a row change."""
        assert MedicationsForm.asks_to_change_rows({"add_row": "1"})
        assert not MedicationsForm.asks_to_change_rows({"no_medications": "on"})


class TestSameAsSaved:
    def test_the_saved_answers_again_are_no_change(self):
        """A draft that says what the step saved is not a draft."""
        saved = COMPLETE_ANSWERS[IntakeStep.PHARMACY]
        form = STEP_FORMS[IntakeStep.PHARMACY](
            STEP_FORMS[IntakeStep.PHARMACY].raw_from_answers(saved), bound=True
        )
        assert form.says_same_as(saved)
        assert not form.says_same_as(None)

    def test_a_signature_is_always_new(self):
        """Typing the name again signs again."""
        document = next(iter(CONSENTS.values()))
        form = ConsentsForm(
            {ConsentsForm.field_for(document): "Jordan Rivera"},
            bound=True,
            legal_name="Jordan Rivera",
            to_sign=[document],
        )
        assert not form.says_same_as({})
