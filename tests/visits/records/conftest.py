"""What the visit record's tests share: a treating clinician (with MFA) and their patient's visit."""

import pytest

from tests.accounts.factories import ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import VisitFactory


@pytest.fixture
def provider(db):
    """A physician in Texas, Chicago time, with an authenticator app."""
    provider = ProviderProfileFactory(states=["TX"])
    enrol_totp(provider.user)
    return provider


@pytest.fixture
def treating_clinician(provider):
    """The clinician of `visit`, who therefore treats `patient`."""
    return provider.user


@pytest.fixture
def visit(patient, provider):
    """A booked urgent-care visit of `patient` with `provider` (upcoming, so they treat them)."""
    return VisitFactory(patient=patient, provider=provider)


@pytest.fixture
def treating_client(client, treating_clinician, visit):
    """A browser signed in as the treating clinician."""
    client.force_login(treating_clinician)
    return client
