"""The intake's step forms: each turns what was typed (a draft or a post) into saved answers.

`base` holds what every step shares, `steps` the plain question steps, `rows` the steps with a
list of rows and `consents` the signing step; `STEP_FORMS` says which form asks each step.
"""

from visits.intake.consents import CONSENTS
from visits.intake.forms.base import MAX_ROWS, IntakeStepForm
from visits.intake.forms.consents import ConsentsForm
from visits.intake.forms.rows import AllergiesForm, AllergyRowForm, MedicationsForm, RowsStepForm
from visits.intake.forms.steps import (
    ZIP_MESSAGE,
    DemographicsForm,
    EmergencyContactForm,
    HistoryForm,
    InsuranceForm,
    PharmacyForm,
)
from visits.intake.models import Intake, IntakeStep

__all__ = [
    "MAX_ROWS",
    "STEP_FORMS",
    "ZIP_MESSAGE",
    "AllergiesForm",
    "AllergyRowForm",
    "ConsentsForm",
    "DemographicsForm",
    "EmergencyContactForm",
    "HistoryForm",
    "InsuranceForm",
    "IntakeStepForm",
    "MedicationsForm",
    "PharmacyForm",
    "RowsStepForm",
    "form_options",
]

STEP_FORMS: dict[IntakeStep, type[IntakeStepForm]] = {
    IntakeStep.DEMOGRAPHICS: DemographicsForm,
    IntakeStep.EMERGENCY_CONTACT: EmergencyContactForm,
    IntakeStep.INSURANCE: InsuranceForm,
    IntakeStep.HISTORY: HistoryForm,
    IntakeStep.MEDICATIONS: MedicationsForm,
    IntakeStep.ALLERGIES: AllergiesForm,
    IntakeStep.PHARMACY: PharmacyForm,
    IntakeStep.CONSENTS: ConsentsForm,
}


def form_options(step: IntakeStep, intake: Intake, legal_name: str) -> dict:
    """What a step's form needs beyond the answers: for the consents, those still to sign."""
    if step != IntakeStep.CONSENTS:
        return {}
    signed = intake.answers.get(IntakeStep.CONSENTS, {})
    return {
        "legal_name": legal_name,
        "to_sign": [
            document
            for slug, document in CONSENTS.items()
            if signed.get(slug, {}).get("version") != document.version
        ],
    }
