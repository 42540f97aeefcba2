"""Responses are immutable once submitted."""

import pytest

from tests.visits.questionnaires.factories import QUIET_GAD7, submit

pytestmark = pytest.mark.django_db


class TestResponses:
    def test_submitted_answers_cannot_change(self, patient):
        """Once submitted a response is immutable."""
        response = submit(patient, "gad-7", QUIET_GAD7)
        response.answers = {"gad7_1": 3}
        with pytest.raises(ValueError, match="cannot be changed"):
            response.save()
