"""The one booking gate: may this patient book this visit type now, and if not, why.

The patient's booking pages, staff booking for a patient, and the booking services all ask
`booking_gate` (or `booking_refusal`, its refusal alone); each refusal is a small typed value
with a message for the patient and one for the clinic, which pages turn into their message and
link. While a symptom check with an emergency answer is valid, the answer also carries
`red_flag_warning`, the guidance every booking page shows first, for any visit type.
"""

import datetime
from dataclasses import dataclass

from django.db.models import BigIntegerField, DateTimeField
from django.urls import reverse

from accounts.licensure import current_licence
from accounts.models import ProviderProfile, Role
from config.prepared import Param, Prepared
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
    """The latest symptom check has an emergency answer: not a video visit for that complaint."""

    response: QuestionnaireResponse | None = None


@dataclass(frozen=True)
class OtherComplaintUnconfirmed(Refusal):
    """A recent symptom check has an emergency answer, and nobody has yet confirmed that this
    other kind of visit is for something else."""

    response: QuestionnaireResponse | None = None


@dataclass(frozen=True)
class RedFlagWarning:
    """The emergency guidance every booking shows while a red-flag symptom check is valid.

    `message` is for the patient, `staff_message` for the clinic booking for them; `response`
    is the symptom check it comes from.
    """

    message: str
    staff_message: str
    response: QuestionnaireResponse


@dataclass(frozen=True)
class GateAnswer:
    """The gate's answer: what stops the booking (None if nothing), and the red-flag warning to
    show first whatever the answer (None if there is none)."""

    refusal: Refusal | None
    red_flag_warning: RedFlagWarning | None = None


# On every booking step: built and compiled once (config.prepared).
LATEST_SYMPTOM_CHECK = Prepared(
    lambda patient, since: (
        QuestionnaireResponse.objects.submitted()
        .filter(
            patient=patient,
            questionnaire__kind=Questionnaire.Kind.SYMPTOM,
            submitted_at__gte=since,
        )
        .select_related("questionnaire")
        .order_by("-submitted_at")
    ),
    patient=Param("patient", BigIntegerField()),
    since=Param("since", DateTimeField()),
)


def valid_symptom_check(patient, *, now: datetime.datetime) -> QuestionnaireResponse | None:
    """The patient's latest symptom check submitted within its validity, if any."""
    found = LATEST_SYMPTOM_CHECK.run(patient=patient, since=now - SYMPTOM_CHECK_VALID_FOR, limit=1)
    return found[0] if found else None


def _red_flag_warning(latest: QuestionnaireResponse | None, *, name: str) -> RedFlagWarning | None:
    """The warning for a symptom check with an emergency answer, if this one has one."""
    if latest is None or not latest.has_emergency:
        return None
    title = latest.questionnaire.title.lower()
    return RedFlagWarning(
        "Your recent answers about "
        f"{title} include warning signs that need emergency care now, not a video visit. "
        "Call 911 or go to the nearest emergency department.",
        f"{name}'s symptom answers about {title} (within the last 12 hours) need emergency "
        "care. Call the patient. Book another visit only if it is for something else.",
        latest,
    )


def patient_refusal(
    *,
    patient,
    visit_type: VisitType,
    now: datetime.datetime,
    other_complaint_confirmed: bool = False,
) -> GateAnswer:
    """What stops this patient booking this visit type with anyone: details, symptoms, intake.

    The symptom check comes before the health history, so a patient is asked about their
    symptoms (and told to get emergency care) before anything else. While a symptom check with
    an emergency answer is valid, every visit type carries its warning: the complaint's own
    visit type (one that starts with a symptom check) is refused, and any other books only once
    the person booking confirms it is for something else.
    """
    profile = patient.patient_profile_or_none
    if patient.role != Role.PATIENT or profile is None:
        return GateAnswer(
            NeedsDetails(
                "Add your details (name, date of birth and the state you are in) before booking.",
                "This patient has not given their name, date of birth and state yet.",
            )
        )
    latest = valid_symptom_check(patient, now=now)
    warning = _red_flag_warning(latest, name=profile.legal_name)
    if visit_type.symptom_check:
        if latest is None:
            return GateAnswer(
                NeedsSymptomCheck(
                    "First, a few questions about your symptoms.",
                    f"{visit_type.name} needs {profile.legal_name} to answer the symptom "
                    "questions first, within the last 12 hours. Ask them to sign in and answer "
                    "them.",
                )
            )
        if warning is not None:
            return GateAnswer(
                RedFlag(
                    "A video visit is not safe for these symptoms. Get emergency care now.",
                    f"{profile.legal_name}'s symptom answers need emergency care, not a "
                    f"{visit_type.name.lower()} video visit. Do not book it; call the patient.",
                    response=latest,
                ),
                warning,
            )
    elif warning is not None and not other_complaint_confirmed:
        return GateAnswer(
            OtherComplaintUnconfirmed(
                f"Confirm that this {visit_type.name.lower()} visit is for something other "
                "than the symptoms you told us about.",
                f"Confirm with {profile.legal_name} that this {visit_type.name.lower()} visit "
                "is for something other than the symptoms that need emergency care.",
                response=latest,
            ),
            warning,
        )
    missing = intake_missing_steps(patient)
    if missing:
        steps = ", ".join(step.lower() for step in missing)
        return GateAnswer(
            IntakeIncomplete(
                f"Complete your health history before booking. Still to do: {steps}.",
                f"{profile.legal_name} has not completed their health history yet. "
                f"Still to do: {steps}.",
                missing=tuple(missing),
            ),
            warning,
        )
    return GateAnswer(None, warning)


def booking_gate(
    *,
    patient,
    visit_type: VisitType,
    provider: ProviderProfile | None = None,
    now: datetime.datetime,
    other_complaint_confirmed: bool = False,
) -> GateAnswer:
    """Whether this patient may book this visit type (with this provider) now, and the
    red-flag warning every booking page shows first while one is valid."""
    answer = patient_refusal(
        patient=patient,
        visit_type=visit_type,
        now=now,
        other_complaint_confirmed=other_complaint_confirmed,
    )
    if answer.refusal is not None or provider is None:
        return answer
    return GateAnswer(
        _provider_refusal(patient, visit_type, provider, now), answer.red_flag_warning
    )


def booking_refusal(
    *,
    patient,
    visit_type: VisitType,
    provider: ProviderProfile | None = None,
    now: datetime.datetime,
    other_complaint_confirmed: bool = False,
) -> Refusal | None:
    """Whether this patient may book this visit type (with this provider) now; None if so."""
    return booking_gate(
        patient=patient,
        visit_type=visit_type,
        provider=provider,
        now=now,
        other_complaint_confirmed=other_complaint_confirmed,
    ).refusal


def _provider_refusal(
    patient, visit_type: VisitType, provider: ProviderProfile, now: datetime.datetime
) -> Refusal | None:
    """What stops this provider seeing this patient for this visit type, if anything."""
    if not visit_type.is_active or not provider.visit_types.filter(pk=visit_type.pk).exists():
        message = f"{provider} does not offer {visit_type.name.lower()} visits."
        return NotOffered(message, message)
    if provider.kind not in visit_type.provider_kinds:
        message = f"{visit_type.name} visits are not with a {provider.get_kind_display().lower()}."
        return NotOffered(message, message)
    profile = patient.patient_profile
    if not provider.licenses.filter(current_licence(now=now, state=profile.current_state)).exists():
        state = profile.get_current_state_display()
        return NotLicensed(
            f"{provider} is not licensed in {state}, where you are now. "
            "Choose a provider licensed there, or update your state if you have moved.",
            f"{provider} is not licensed in {state}, where {profile.legal_name} is now.",
        )
    return None
