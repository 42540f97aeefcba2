"""A visit about to start, its patient and clinician signed in, and others who may not join."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import VisitFactory
from visits.scheduling.models import Visit


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def soon(db) -> Visit:
    """A booked urgent-care visit starting in five minutes: check-in is open."""
    start = timezone.now() + datetime.timedelta(minutes=5)
    provider = ProviderProfileFactory(states=["TX"])
    enrol_totp(provider.user)
    return VisitFactory(
        provider=provider,
        patient=PatientProfileFactory(
            intake=False, phone="+15125550123", legal_first_name="Sam", legal_last_name="Lee"
        ).user,
        start=start,
    )


@pytest.fixture
def checked_in(soon) -> Visit:
    Visit.objects.filter(pk=soon.pk).update(
        status=Visit.Status.CHECKED_IN, checked_in_at=timezone.now()
    )
    soon.refresh_from_db()
    return soon


@pytest.fixture
def started(checked_in) -> Visit:
    Visit.objects.filter(pk=checked_in.pk).update(
        status=Visit.Status.IN_PROGRESS, started_at=timezone.now()
    )
    checked_in.refresh_from_db()
    return checked_in


@pytest.fixture
def patient_of(soon) -> Client:
    return signed_in(soon.patient)


@pytest.fixture
def clinician_of(soon) -> Client:
    return signed_in(soon.provider.user)


@pytest.fixture
def other_patient(db) -> Client:
    return signed_in(PatientProfileFactory(intake=False).user)


@pytest.fixture
def other_clinician(db) -> Client:
    user = ProviderProfileFactory(states=["TX"]).user
    enrol_totp(user)
    return signed_in(user)


@pytest.fixture
def staff(db) -> Client:
    user = UserFactory(role=Role.STAFF)
    enrol_totp(user)
    return signed_in(user)
