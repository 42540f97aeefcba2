"""A symptom check without red flags, as a patient answers it before urgent care."""

from accounts.models import User

# Answers without red flags to the symptom questions urgent care asks before booking.
CLEAR_SYMPTOMS = (
    "symptoms-respiratory",
    {
        "symptoms": ["cough"],
        "days": "2",
        "chest_pain": "no",
        "short_of_breath": "no",
        "blue_lips": "no",
    },
)


class SymptomQuestionsChanged(Exception):
    """The benchmark's answers no longer fit the symptom questions."""


def answer_symptom_questions(patient: User) -> None:
    """The patient answers the respiratory symptom questions, with no red flags."""
    from visits.questionnaires.services import response_start, response_submit

    slug, answers = CLEAR_SYMPTOMS
    submission = response_submit(response=response_start(patient=patient, slug=slug), data=answers)
    if not submission.ok:
        raise SymptomQuestionsChanged(f"The symptom questions changed: {submission.errors}")
