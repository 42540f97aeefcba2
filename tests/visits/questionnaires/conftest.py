"""The therapist the questionnaire tests share."""

import pytest

from tests.accounts.factories import ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp


@pytest.fixture
def therapist(db):
    """A therapist in Texas with an authenticator app, who treats nobody yet."""
    provider = ProviderProfileFactory(kind="therapist", states=["TX"])
    enrol_totp(provider.user)
    return provider
