"""Intakes for tests: a patient's health history filled in through the services, as the steps would,
and the form data and clients the step pages are driven with."""

import datetime

from django.test import Client
from django.utils import timezone

from visits.intake.consents import CONSENTS
from visits.intake.models import Intake, IntakeStep
from visits.intake.services import intake_for, intake_save_step, intake_sign_consents

COMPLETE_ANSWERS = {
    IntakeStep.DEMOGRAPHICS: {
        "legal_sex": "female",
        "gender_identity": "",
        "address_line1": "100 Congress Ave",
        "address_line2": "Apt 4",
        "city": "Austin",
        "state": "TX",
        "zip_code": "78701",
    },
    IntakeStep.EMERGENCY_CONTACT: {
        "name": "Sam Rivera",
        "relationship": "Brother",
        "phone": "+15125550199",
    },
    IntakeStep.INSURANCE: {
        "payment": "insurance",
        "payer": "Blue Cross Blue Shield of Texas",
        "member_id": "XYZ123456789",
        "group_number": "G-4410",
        "subscriber_name": "Jordan Rivera",
        "subscriber_relationship": "self",
    },
    IntakeStep.HISTORY: {"conditions": ["Asthma"], "surgeries": ["Appendectomy 2012"]},
    IntakeStep.MEDICATIONS: {
        "no_medications": False,
        "medications": [{"name": "Albuterol inhaler", "dose": "90 mcg", "frequency": "as needed"}],
    },
    IntakeStep.ALLERGIES: {
        "no_known_allergies": False,
        "allergies": [{"substance": "Penicillin", "reaction": "Hives", "severity": "severe"}],
    },
    IntakeStep.PHARMACY: {
        "name": "CVS South Congress",
        "phone": "+15125550142",
        "address": "2 S Congress Ave, Austin, TX",
    },
}


def complete_intake(patient, *, now: datetime.datetime | None = None, **changes) -> Intake:
    """Give a patient (with a PatientProfile) a complete intake and its first version.

    `changes` replace whole steps' answers by step slug with underscores, e.g.
    ``complete_intake(patient, allergies={"no_known_allergies": True, "allergies": []})``.
    """
    now = now or timezone.now()
    intake = intake_for(patient)
    replaced = {IntakeStep(slug.replace("_", "-")): answers for slug, answers in changes.items()}
    for step, answers in (COMPLETE_ANSWERS | replaced).items():
        intake = intake_save_step(intake=intake, step=step, answers=answers, now=now)
    legal_name = patient.patient_profile.legal_name
    return intake_sign_consents(
        intake=intake,
        signatures=dict.fromkeys(CONSENTS, legal_name),
        ip_address="203.0.113.10",
        now=now,
    )


def rows(prefix: str, *entries: dict) -> dict:
    """Form data for rows of a list step."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(entries))}
    for index, entry in enumerate(entries):
        data.update({f"{prefix}-{index}-{name}": value for name, value in entry.items()})
    return data


def signed_in(user) -> Client:
    """A test client signed in as `user`, for tests with more than one person."""
    client = Client()
    client.force_login(user)
    return client
