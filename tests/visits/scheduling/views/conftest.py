"""Fixtures of the scheduling page tests: visit types and the providers who offer them."""

import pytest

from tests.accounts.factories import ProviderProfileFactory
from tests.visits.scheduling.views.patient import open_all_week
from tests.visits.scheduling.views.staff import at, hours, next_monday, visit_at
from visits.scheduling.models import (
    Visit,
    VisitType,
)


@pytest.fixture
def follow_up(db) -> VisitType:
    """Follow-up: physicians, 20 minutes, 5 after, two hours' notice, 30 days ahead."""
    return VisitType.objects.get(slug="follow-up")


@pytest.fixture
def provider(clinician, follow_up):
    """The clinician's own profile in Chicago, offering follow-ups, working Mondays 9 to 12."""
    profile = clinician.provider_profile
    profile.visit_types.add(follow_up)
    hours(profile, 0, 9, 12)
    return profile


@pytest.fixture
def monday_visit(provider, patient, follow_up) -> Visit:
    """Jordan Rivera's follow-up at 10:00 next Monday."""
    return visit_at(provider, patient, follow_up, at(next_monday(), 10))


@pytest.fixture
def urgent_care():
    return VisitType.objects.get(slug="urgent-care")


@pytest.fixture
def therapy():
    return VisitType.objects.get(slug="therapy")


@pytest.fixture
def physician(urgent_care):
    provider = ProviderProfileFactory(
        user__display_name="Dr. Grace Hopper", states=["TX"], language_codes=["en", "es"]
    )
    urgent_care.providers.add(provider)
    open_all_week(provider)
    return provider


@pytest.fixture
def therapist(therapy):
    provider = ProviderProfileFactory(
        user__display_name="Sam Rivera", kind="therapist", credentials="LCSW", states=["TX"]
    )
    therapy.providers.add(provider)
    open_all_week(provider)
    return provider


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Make a request (or any call) as if its transaction committed, so its emails go out."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run
