"""Fixtures for signed-in people in each role."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import Role
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory


def enrol_totp(user) -> str:
    """Give the user an authenticator app; returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def patient(db):
    return PatientProfileFactory().user


@pytest.fixture
def new_patient(db):
    """A patient who has signed up but not yet given their details."""
    return UserFactory(role=Role.PATIENT)


@pytest.fixture
def clinician(db):
    user = ProviderProfileFactory(states=["TX", "CA"]).user
    enrol_totp(user)
    return user


@pytest.fixture
def scheduler(db):
    user = UserFactory(role=Role.STAFF)
    enrol_totp(user)
    return user


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient)
    return client


@pytest.fixture
def clinician_client(client, clinician):
    client.force_login(clinician)
    return client


@pytest.fixture
def scheduler_client(client, scheduler):
    client.force_login(scheduler)
    return client
