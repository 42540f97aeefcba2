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


CRISIS_PHQ9 = {**QUIET_PHQ9, "phq9_9": "1"}


def past_visit(patient, provider, *, slug: str = "urgent-care", days_ago: int = 30) -> Visit:
    """A completed visit of `slug` `days_ago` days ago: the clinician still treats the patient."""
    return VisitFactory(
        patient=patient,
        provider=provider,
        visit_type=visit_type(slug),
        start=timezone.now() - datetime.timedelta(days=days_ago),
        status=Visit.Status.COMPLETED,
    )


def raise_alert(patient, visit: Visit | None = None):
    """A PHQ-9 with item 9 positive, submitted (for `visit` if given); returns its safety alert."""
    return submit(patient, "phq-9", CRISIS_PHQ9, visit=visit).safety_alert
