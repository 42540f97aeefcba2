"""Saving the intake: drafts, steps, versions and signatures."""

import pytest

from tests.visits.intake.factories import COMPLETE_ANSWERS, complete_intake
from visits.intake.models import ConsentSignature, IntakeStep, IntakeVersion
from visits.intake.services import (
    intake_discard_draft,
    intake_for,
    intake_remember_step,
    intake_save_draft,
    intake_save_step,
    next_step,
)

pytestmark = pytest.mark.django_db


class TestNextStep:
    def test_the_next_missing_step_after_this_one(self):
        """After a step, the patient goes on to the first missing step after it."""
        missing = [IntakeStep.DEMOGRAPHICS, IntakeStep.PHARMACY]
        assert next_step(IntakeStep.HISTORY, missing) == IntakeStep.PHARMACY

    def test_back_to_an_earlier_gap_then_done(self):
        """With nothing missing later, back to the first gap; with none at all, done."""
        assert next_step(IntakeStep.PHARMACY, [IntakeStep.DEMOGRAPHICS]) == IntakeStep.DEMOGRAPHICS
        assert next_step(IntakeStep.PHARMACY, []) is None


class TestDrafts:
    def test_a_draft_is_kept_and_discarded(self, patient):
        """A draft keeps what was typed until it is dropped."""
        intake = intake_save_draft(
            intake=intake_for(patient), step=IntakeStep.HISTORY, raw={"conditions": "Asth"}
        )
        assert intake.drafts[IntakeStep.HISTORY]["raw"] == {"conditions": "Asth"}
        assert intake.current_step == IntakeStep.HISTORY
        intake = intake_discard_draft(intake=intake, step=IntakeStep.HISTORY)
        intake.refresh_from_db()
        assert intake.drafts == {}

    def test_a_complete_intake_does_not_remember_a_step(self, patient):
        """Once complete, opening a step does not make /intake/ return to it."""
        intake = complete_intake(patient)
        intake_remember_step(intake=intake, step=IntakeStep.HISTORY)
        intake.refresh_from_db()
        assert intake.current_step == ""


class TestVersions:
    def test_completing_records_the_first_version_and_signatures(self, patient):
        """The last step saved makes version 1; each consent is a signature row."""
        intake = complete_intake(patient)
        assert intake.completed_at is not None
        assert list(IntakeVersion.objects.values_list("number", flat=True)) == [1]
        assert ConsentSignature.objects.filter(patient=patient).count() == 2

    def test_only_a_change_makes_a_new_version(self, patient):
        """Saving the same answers again adds nothing; a change adds version 2."""
        intake = complete_intake(patient)
        pharmacy = COMPLETE_ANSWERS[IntakeStep.PHARMACY]
        intake = intake_save_step(intake=intake, step=IntakeStep.PHARMACY, answers=pharmacy)
        assert IntakeVersion.objects.count() == 1
        intake_save_step(
            intake=intake, step=IntakeStep.PHARMACY, answers={**pharmacy, "name": "Walgreens"}
        )
        assert list(IntakeVersion.objects.values_list("number", flat=True)) == [1, 2]
