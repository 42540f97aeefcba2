"""What the visit record's tests share: a treating clinician (with MFA) and their patient's visit."""

import datetime

import pytest
from django.utils import timezone

from tests.accounts.factories import ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import CHICAGO, VisitFactory, at


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
    """A booked urgent-care visit of `patient` with `provider` (upcoming, so they treat them).

    It is at 10:00 in Chicago two days from today, so it is upcoming whenever the tests run.
    """
    day = timezone.localdate(timezone.now(), CHICAGO) + datetime.timedelta(days=2)
    return VisitFactory(patient=patient, provider=provider, start=at(day, 10))


@pytest.fixture
def treating_client(client, treating_clinician, visit):
    """A browser signed in as the treating clinician."""
    client.force_login(treating_clinician)
    return client
