"""Lab orders for patients, and sample messages rendered for them, for the lab-results tests."""

import datetime
from pathlib import Path

from accounts.models import User
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.visits.factories import VisitFactory
from visits.records.models import LabOrder
from visits.results.samples import render_sample, sample_for_order

MESSAGES = Path(__file__).parent / "messages"


def lab_order(patient: User | None = None, **fields) -> LabOrder:
    """A lab order from a visit with a physician, for `patient` (a new one unless given)."""
    patient = patient or PatientProfileFactory(intake=False).user
    provider = fields.pop("provider", None) or ProviderProfileFactory()
    visit = VisitFactory(patient=patient, provider=provider)
    values = {"test_name": "Basic metabolic panel", "loinc_code": "24321-2", **fields}
    return LabOrder.objects.create(
        visit=visit, patient=patient, ordering_clinician=provider.user, **values
    )


def message(name: str, order: LabOrder, **overrides) -> str:
    """Sample `name` as the lab would send it for this order."""
    return sample_for_order(name, order, **overrides)


def message_for(name: str, *, patient: User, order_number: str, **overrides) -> str:
    """Sample `name` naming this patient (their record number, name, birth date) and order."""
    profile = patient.patient_profile
    values = {
        "record_number": profile.record_number,
        "family_name": profile.legal_last_name,
        "given_name": profile.legal_first_name,
        "birth_date": profile.date_of_birth,
        "order_number": order_number,
    }
    return render_sample(name, **{**values, **overrides})


def fixed(name: str, **overrides) -> str:
    """Sample `name` for a patient nobody at the clinic is."""
    values = {
        "record_number": "HC99999999",
        "family_name": "Nobody",
        "given_name": "Known",
        "birth_date": datetime.date(1970, 1, 1),
        "order_number": "HCNOSUCHORD",
    }
    return render_sample(name, **{**values, **overrides})


def stored(name: str) -> str:
    """A message kept as a file under tests/visits/results/messages/."""
    return (MESSAGES / name).read_bytes().decode("utf-8")
