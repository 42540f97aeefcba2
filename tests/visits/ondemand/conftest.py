"""People and places for the on-demand tests: physicians on duty, patients ready to be seen."""

import datetime

import pytest

from accounts.models import ProviderLicense
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import CHICAGO, MONDAY, RED_FLAG_COUGH, symptoms_checked
from visits.ondemand import services

# Monday 10:00 in the clinic's zone (Chicago): inside the default 08:00-22:00 hours.
OPEN = datetime.datetime.combine(MONDAY, datetime.time(10), tzinfo=CHICAGO).astimezone(datetime.UTC)


def ready_patient(
    state: str = "TX", *, at: datetime.datetime = OPEN, red_flag: bool = False, **profile
):
    """A patient in `state` with a complete health history and a symptom check at `at`."""
    user = PatientProfileFactory(current_state=state, **profile).user
    if red_flag:
        symptoms_checked(user, answers=RED_FLAG_COUGH, at=at)
    else:
        symptoms_checked(user, at=at)
    return user


def physician(states=("TX",), *, on_duty: bool = True, at: datetime.datetime = OPEN, **profile):
    """A physician licensed in `states` (MFA enrolled), on duty from `at` unless told otherwise."""
    provider = ProviderProfileFactory(states=list(states), **profile)
    enrol_totp(provider.user)
    if on_duty:
        services.duty_start(provider=provider, now=at)
    return provider


def expire_licence(provider, state: str) -> None:
    ProviderLicense.objects.filter(provider=provider, state=state).update(
        expires_on=datetime.date(2020, 1, 1)
    )


def joined(state: str = "TX", *, at: datetime.datetime = OPEN, **profile):
    """A patient who joined the queue at `at`; returns their entry."""
    return services.queue_join(patient=ready_patient(state, at=at, **profile), now=at)


@pytest.fixture
def open_all_day(settings):
    """View tests run at the real time of day: keep the on-demand hours open all day."""
    settings.ON_DEMAND_HOURS = ("00:00", "23:59")
