"""People and visits for the note's tests: the visit's clinician, another clinician treating
the same patient, one who does not, and a therapist's session."""

import datetime

import pytest
from django.test import Client

from accounts.models import ProviderProfile
from tests.accounts.factories import ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import VisitFactory, visit_type
from visits.records.notes import note_save_draft, note_sign

SOAP = {
    "subjective": "Sore throat for three days, no cough.",
    "objective": "Tonsils red and swollen on video; no drooling.",
    "assessment": "Likely streptococcal pharyngitis.",
    "plan": "Rapid strep test at the lab; fluids and rest.",
    "findings": "Your throat looks infected.",
    "instructions": "Drink plenty of fluids.",
    "when_to_seek_care": "If you cannot swallow or breathe easily, call 911.",
    "follow_up": "We will call you with the test result.",
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def visit(clinician):
    """A visit with the `clinician` fixture, who writes its note."""
    return VisitFactory(provider=clinician.provider_profile)


@pytest.fixture
def colleague(visit):
    """Another clinician who treats the same patient (a visit of their own with them)."""
    user = ProviderProfileFactory().user
    enrol_totp(user)
    # A day later: a patient is never booked twice at once (PostgreSQL enforces it).
    VisitFactory(
        patient=visit.patient,
        provider=user.provider_profile,
        start=visit.start + datetime.timedelta(days=1),
    )
    return user


@pytest.fixture
def stranger(db):
    """A clinician who has never treated the patient."""
    user = ProviderProfileFactory().user
    enrol_totp(user)
    return user


@pytest.fixture
def therapist(db):
    user = ProviderProfileFactory(kind=ProviderProfile.Kind.THERAPIST, credentials="LCSW").user
    enrol_totp(user)
    return user


@pytest.fixture
def therapy_visit(therapist):
    return VisitFactory(provider=therapist.provider_profile, visit_type=visit_type("therapy"))


def draft(visit, author, **text):
    """Save a draft through the service, from the saved revision."""
    from visits.records.models import VisitNote

    note = VisitNote.objects.filter(visit=visit).first()
    return note_save_draft(
        visit=visit,
        actor=author,
        text=SOAP | text,
        revision=note.revision if note else 0,
    ).note


def signed(visit, author, **text):
    """A visit with its note written and signed."""
    draft(visit, author, **text)
    return note_sign(visit=visit, actor=author)
