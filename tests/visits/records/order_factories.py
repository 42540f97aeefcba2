"""Visits to prescribe from and orders already written, for the orders tests."""

import datetime
import itertools

from accounts.models import ProviderProfile
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import MONDAY, VisitFactory, at
from visits.records.models import LabOrder, Prescription
from visits.scheduling.models import Visit

AMOXICILLIN = {
    "medication": "Amoxicillin",
    "strength": "500 mg",
    "form": Prescription.Form.CAPSULE,
    "directions": "Take 1 capsule by mouth 3 times daily for 10 days",
    "quantity": 30,
    "quantity_unit": "capsules",
    "refills": 0,
    "substitution_allowed": True,
    "pharmacy": "CVS South Congress, 2 S Congress Ave, Austin, TX",
}


def clinician_profile(**profile) -> ProviderProfile:
    """A physician with an authenticator app, so their pages pass MFA."""
    provider = ProviderProfileFactory(**profile)
    enrol_totp(provider.user)
    return provider


# Each visit an hour after the last, so one patient's visits never overlap (PostgreSQL refuses).
_HOURS = itertools.count()


def visit_in_progress(*, provider: ProviderProfile | None = None, patient=None, **fields) -> Visit:
    """A visit that has started, with a patient whose intake is complete."""
    fields.setdefault(
        "start", at(MONDAY + datetime.timedelta(days=1), 8) + datetime.timedelta(hours=next(_HOURS))
    )
    return VisitFactory(
        provider=provider or clinician_profile(),
        patient=patient or PatientProfileFactory().user,
        status=fields.pop("status", Visit.Status.IN_PROGRESS),
        **fields,
    )


def written_prescription(visit: Visit, **fields) -> Prescription:
    """A prescription straight to the table, for setting the scene."""
    values = AMOXICILLIN | fields
    return Prescription.objects.create(
        visit=visit, patient=visit.patient, prescriber=visit.provider.user, **values
    )


def placed_lab_order(visit: Visit, **fields) -> LabOrder:
    values = {
        "test_name": "Lipid panel",
        "loinc_code": "24331-1",
        "reason": "Cholesterol screening",
        "where_to_go": "Any Quest Diagnostics",
        "instructions": "Fast for 9 to 12 hours.",
    } | fields
    return LabOrder.objects.create(
        visit=visit, patient=visit.patient, ordering_clinician=visit.provider.user, **values
    )
