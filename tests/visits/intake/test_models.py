"""The intake's steps and what counts as missing."""

from visits.intake.consents import CONSENTS
from visits.intake.models import IntakeStep, missing_steps


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
