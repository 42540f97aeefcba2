"""What the intake's pages show around a form."""

import datetime

import pytest

from tests.visits.intake.factories import complete_intake
from visits.intake.display import draft_time, listed, step_context, step_url
from visits.intake.forms import STEP_FORMS
from visits.intake.models import IntakeStep
from visits.intake.services import intake_for, intake_save_draft


class TestListed:
    @pytest.mark.parametrize(
        ("names", "text"),
        [([], ""), (["allergies"], "Allergies"), (["a", "b", "c"], "A, b and c")],
    )
    def test_names_read_as_a_sentence(self, names, text):
        """Hidden sections are named as a capitalised list."""
        assert listed(names) == text


@pytest.mark.django_db
class TestStepContext:
    def test_progress_marks_done_and_current_steps(self, patient):
        """Every step is listed with its link; saved ones are done."""
        intake = complete_intake(patient)
        form = STEP_FORMS[IntakeStep.HISTORY]()
        context = step_context(IntakeStep.HISTORY, intake, form, patient.patient_profile.zone)
        assert [entry["done"] for entry in context["steps"]] == [True] * 8
        assert [entry["current"] for entry in context["steps"]].index(True) == 3
        assert context["previous_url"] == step_url(IntakeStep.INSURANCE)
        assert context["documents"] == []

    def test_consents_show_each_document_signed(self, patient):
        """On the last step every consent is shown with its signature."""
        intake = complete_intake(patient)
        form = STEP_FORMS[IntakeStep.CONSENTS]()
        context = step_context(IntakeStep.CONSENTS, intake, form, patient.patient_profile.zone)
        assert context["is_last"]
        assert all(entry["signature"]["typed_name"] for entry in context["documents"])

    def test_draft_time_is_when_it_was_kept(self, patient):
        """A step's draft says when it was saved; a step without one says nothing."""
        when = datetime.datetime(2027, 2, 1, 12, tzinfo=datetime.UTC)
        intake = intake_save_draft(
            intake=intake_for(patient), step=IntakeStep.HISTORY, raw={}, now=when
        )
        assert draft_time(intake, IntakeStep.HISTORY) == when
        assert draft_time(intake, IntakeStep.PHARMACY) is None
