"""Saving the intake: drafts, steps, versions and signatures."""

import pytest

from tests.visits.intake.factories import COMPLETE_ANSWERS, complete_intake
from visits.intake.models import ConsentSignature, IntakeStep, IntakeVersion
from visits.intake.services import (
    Autosave,
    intake_autosave,
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
        intake, autosave = intake_autosave(
            intake=intake,
            step=IntakeStep.HISTORY,
            raw={"conditions": ""},
            basis=intake.basis(IntakeStep.HISTORY),
            says_same_as=lambda saved: True,
        )
        assert autosave == Autosave.UNCHANGED
        intake.refresh_from_db()
        assert intake.drafts == {}

    def test_a_draft_kept_from_an_older_copy_loses_nothing_saved_meanwhile(self, patient):
        """A request holding the intake as it was when it began (another tab saved a step since)
        adds its draft to what is saved now: it writes back neither old answers nor old drafts."""
        intake_save_draft(intake=intake_for(patient), step=IntakeStep.PHARMACY, raw={"name": "CV"})
        older = intake_for(patient)
        intake_save_step(
            intake=intake_for(patient),
            step=IntakeStep.PHARMACY,
            answers=COMPLETE_ANSWERS[IntakeStep.PHARMACY],
        )
        intake_save_draft(intake=older, step=IntakeStep.HISTORY, raw={"conditions": "Asth"})
        intake = intake_for(patient)
        assert intake.answers == {IntakeStep.PHARMACY: COMPLETE_ANSWERS[IntakeStep.PHARMACY]}
        assert list(intake.drafts) == [IntakeStep.HISTORY]

    def test_an_autosave_is_stale_once_the_step_it_drafts_is_saved(self, patient):
        """The basis a page was shown with no longer matches once its step is saved: the
        autosave from that page keeps nothing, and a page shown after the save is kept again."""
        intake = intake_for(patient)
        shown = intake.basis(IntakeStep.PHARMACY)
        intake = intake_save_step(
            intake=intake, step=IntakeStep.PHARMACY, answers=COMPLETE_ANSWERS[IntakeStep.PHARMACY]
        )
        raw = {"name": "CVS South Congress"}
        intake, autosave = intake_autosave(
            intake=intake,
            step=IntakeStep.PHARMACY,
            raw=raw,
            basis=shown,
            says_same_as=lambda saved: False,
        )
        assert autosave == Autosave.STALE
        assert intake_for(patient).drafts == {}
        intake, autosave = intake_autosave(
            intake=intake,
            step=IntakeStep.PHARMACY,
            raw=raw,
            basis=intake.basis(IntakeStep.PHARMACY),
            says_same_as=lambda saved: False,
        )
        assert autosave == Autosave.KEPT
        assert intake_for(patient).drafts[IntakeStep.PHARMACY]["raw"] == raw

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
