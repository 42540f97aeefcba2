"""The one on-demand gate: may this patient ask to be seen now, and if not, why.

The patient's page and the joining service both ask `seen_now_gate`. It starts from the booking
gate's answer for urgent care (details, a symptom check within its validity and without an
emergency answer, a complete health history), then adds the on-demand rules: the clinic's
on-demand hours, and a physician licensed in the patient's state on duty now.
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.urls import reverse

from accounts.models import PatientProfile
from visits.ondemand.hours import opening_hours
from visits.ondemand.selectors import physicians_on_duty
from visits.questionnaires.models import QuestionnaireResponse
from visits.scheduling.gate import Refusal, patient_refusal, valid_symptom_check
from visits.scheduling.models import VisitType

URGENT_CARE = "urgent-care"


@dataclass(frozen=True)
class Closed(Refusal):
    """Outside the clinic's on-demand hours."""


@dataclass(frozen=True)
class NobodyOnDuty(Refusal):
    """No physician licensed in the patient's state is on duty now: book the next free time."""

    @property
    def url(self) -> str:
        return reverse("scheduling:booking_providers", args=[URGENT_CARE])


@dataclass(frozen=True)
class SeenNowAnswer:
    """What stops the patient (None if nothing) and the symptom check they would join with."""

    refusal: Refusal | None
    profile: PatientProfile | None = None
    # Whose symptom check, as of when: it is read only when asked for, by the service that joins
    # the patient to the queue; the page that only says whether they may does not need it.
    checked: tuple[Any, datetime.datetime] | None = field(default=None, repr=False)

    @cached_property
    def symptom_check(self) -> QuestionnaireResponse | None:
        """The valid symptom check the patient would join with, once the booking gate passed."""
        if self.checked is None:
            return None
        patient, now = self.checked
        return valid_symptom_check(patient, now=now)


def urgent_care() -> VisitType | None:
    return VisitType.objects.filter(slug=URGENT_CARE, is_active=True).first()


def seen_now_gate(*, patient, now: datetime.datetime) -> SeenNowAnswer:
    """Whether this patient may join the on-demand queue now, and with which symptom check."""
    hours = opening_hours(now)
    if not hours.open_now:
        message = "Seen-now visits are closed at the moment. Book a time instead."
        return SeenNowAnswer(Closed(message, message))
    visit_type = urgent_care()
    if visit_type is None:
        message = "Urgent care is not offered at the moment."
        return SeenNowAnswer(Closed(message, message))
    answer = patient_refusal(patient=patient, visit_type=visit_type, now=now)
    if answer.refusal is not None:
        return SeenNowAnswer(answer.refusal)
    profile = patient.patient_profile
    if not physicians_on_duty(profile.current_state, now=now).exists():
        state = profile.get_current_state_display()
        return SeenNowAnswer(
            NobodyOnDuty(
                f"No physician licensed in {state}, where you are now, is on duty at the moment. "
                "Book the next free time instead, or try again later.",
                f"No physician licensed in {state} is on duty.",
            ),
            profile,
            (patient, now),
        )
    return SeenNowAnswer(None, profile, (patient, now))
