"""Responses and visits for questionnaire tests: answers submitted through the services."""

import datetime

from django.utils import timezone

from tests.visits.factories import VisitFactory, visit_type
from visits.questionnaires.models import QuestionnaireResponse
from visits.questionnaires.services import response_start, response_submit
from visits.scheduling.models import Visit

QUIET_PHQ9 = {f"phq9_{n}": "0" for n in range(1, 10)}
QUIET_GAD7 = {f"gad7_{n}": "0" for n in range(1, 8)}


def therapy_visit(patient, provider, *, slug: str = "therapy", days: int = 3) -> Visit:
    """A visit of `slug` (therapy asks for PHQ-9 and GAD-7) `days` from now."""
    return VisitFactory(
        patient=patient,
        provider=provider,
        visit_type=visit_type(slug),
        start=timezone.now() + datetime.timedelta(days=days),
    )


def submit(patient, slug: str, answers: dict, visit: Visit | None = None) -> QuestionnaireResponse:
    """A response answered and submitted as the patient would."""
    response = response_start(patient=patient, slug=slug, visit=visit)
    assert response_submit(response=response, data=answers).ok
    return response
