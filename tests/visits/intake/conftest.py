"""The people the intake's tests share: a patient with details and no intake, their clinician."""

import pytest

from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import VisitFactory


@pytest.fixture
def patient(db):
    """A patient with their details saved and no intake yet."""
    return PatientProfileFactory(intake=False).user


@pytest.fixture
def treating_clinician(patient):
    """A clinician with a visit booked with `patient`."""
    provider = ProviderProfileFactory(states=["TX"])
    enrol_totp(provider.user)
    VisitFactory(patient=patient, provider=provider)
    return provider.user
