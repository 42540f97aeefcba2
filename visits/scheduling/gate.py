"""The one booking gate: may this patient book this visit type now, and if not, why.

The patient's booking pages, staff booking for a patient, and the booking services all ask
`booking_refusal`; each refusal is a small typed value with a message for the patient and one
for the clinic, which pages turn into their message and link.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import PatientProfile, ProviderProfile, Role
from visits.intake.selectors import intake_missing_steps
from visits.questionnaires.models import Questionnaire, QuestionnaireResponse
from visits.scheduling.models import VisitType

SYMPTOM_CHECK_VALID_FOR = datetime.timedelta(hours=12)


@dataclass(frozen=True)
class Refusal:
    """Why a booking cannot be made: `message` for the patient, `staff_message` for the clinic."""

    message: str
    staff_message: str

    def message_for(self, *, by_patient: bool) -> str:
        return self.message if by_patient else self.staff_message


@dataclass(frozen=True)
class NeedsDetails(Refusal):
    """The patient has no profile yet: name, date of birth and the state they are in."""

    @property
    def url(self) -> str:
        return reverse("profile_edit")


@dataclass(frozen=True)
class IntakeIncomplete(Refusal):
    """The health history has steps still to do."""

    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotOffered(Refusal):
    """The provider does not offer this visit type, or is not the kind who sees it."""


@dataclass(frozen=True)
class NotLicensed(Refusal):
    """The provider holds no current licence in the state the patient is in now."""


@dataclass(frozen=True)
class NeedsSymptomCheck(Refusal):
    """This visit type starts with a symptom check, and there is none recent enough."""

    @property
    def url(self) -> str:
        return reverse("symptom_start")


@dataclass(frozen=True)
class RedFlag(Refusal):
    """The latest symptom check has an emergency answer: not a video visit."""

    response: QuestionnaireResponse | None = None


def valid_symptom_check(patient, *, now: datetime.datetime) -> QuestionnaireResponse | None:
    """The patient's latest symptom check submitted within its validity, if any."""
    return (
        QuestionnaireResponse.objects.submitted()
        .filter(
            patient=patient,
            questionnaire__kind=Questionnaire.Kind.SYMPTOM,
            submitted_at__gte=now - SYMPTOM_CHECK_VALID_FOR,
        )
        .select_related("questionnaire")
        .order_by("-submitted_at")
        .first()
    )


def patient_refusal(*, patient, visit_type: VisitType, now: datetime.datetime) -> Refusal | None:
    """What stops this patient booking this visit type with anyone: details, symptoms, intake.

    The symptom check comes before the health history, so a patient is asked about their
    symptoms (and told to get emergency care) before anything else.
    """
    profile = PatientProfile.objects.filter(user=patient).first()
    if patient.role != Role.PATIENT or profile is None:
        return NeedsDetails(
            "Add your details (name, date of birth and the state you are in) before booking.",
            "This patient has not given their name, date of birth and state yet.",
        )
    if visit_type.symptom_check:
        latest = valid_symptom_check(patient, now=now)
        if latest is None:
            return NeedsSymptomCheck(
                "First, a few questions about your symptoms.",
                f"{visit_type.name} needs {profile.legal_name} to answer the symptom questions "
                "first, within the last 12 hours. Ask them to sign in and answer them.",
            )
        if latest.has_emergency:
            return RedFlag(
                "A video visit is not safe for these symptoms. Get emergency care now.",
                f"{profile.legal_name}'s symptom answers need emergency care, not a "
                f"{visit_type.name.lower()} video visit. Do not book it; call the patient.",
                response=latest,
            )
    missing = intake_missing_steps(patient)
    if missing:
        steps = ", ".join(step.lower() for step in missing)
        return IntakeIncomplete(
            f"Complete your health history before booking. Still to do: {steps}.",
            f"{profile.legal_name} has not completed their health history yet. "
            f"Still to do: {steps}.",
            missing=tuple(missing),
        )
    return None


def booking_refusal(
    *,
    patient,
    visit_type: VisitType,
    provider: ProviderProfile | None = None,
    now: datetime.datetime,
) -> Refusal | None:
    """Whether this patient may book this visit type (with this provider) now; None if so."""
    refusal = patient_refusal(patient=patient, visit_type=visit_type, now=now)
    if refusal is not None or provider is None:
        return refusal
    if not visit_type.is_active or not provider.visit_types.filter(pk=visit_type.pk).exists():
        message = f"{provider} does not offer {visit_type.name.lower()} visits."
        return NotOffered(message, message)
    if provider.kind not in visit_type.provider_kinds:
        message = f"{visit_type.name} visits are not with a {provider.get_kind_display().lower()}."
        return NotOffered(message, message)
    profile = patient.patient_profile
    current_licence = provider.licenses.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate(now)),
        state=profile.current_state,
    )
    if not current_licence.exists():
        state = profile.get_current_state_display()
        return NotLicensed(
            f"{provider} is not licensed in {state}, where you are now. "
            "Choose a provider licensed there, or update your state if you have moved.",
            f"{provider} is not licensed in {state}, where {profile.legal_name} is now.",
        )
    return None
