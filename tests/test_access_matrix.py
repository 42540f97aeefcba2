"""The access matrix: every URL, every role, the patient's own and another patient's records.

Over the demo clinic, every GET URL of the URL configuration is opened as the patient, another
patient, a clinician who treats the patient, one who does not, clinic staff, the admin and
nobody signed in, once with the patient's own objects in the URL and once with another
patient's. Each answer must be what the view's declared rule allows (403 for a role it does
not admit, sign-in for nobody), never a server error, never another patient's object for a
patient, and its body must hold no patient's name or email that the viewer may not see and no
clinical text (notes, prescriptions, results) of a patient the viewer may not read. A route
the walk cannot build a URL for fails the test, so a new view cannot be added uncovered.
"""

import dataclasses
import re
from html import unescape

import pytest
from django.test import Client

from accounts import policy
from accounts.models import Role, User
from tests.test_audit_walk import identities
from tests.walk import Clinic, Route, demo_clinic, routes
from visits.records.models import Prescription, PsychotherapyNote, VisitNote
from visits.results.models import LabReport, Observation
from visits.scheduling.models import Visit

pytestmark = pytest.mark.django_db

# Routes the walk cannot open with a GET of its own making, each with the reason.
UNCOVERED = {
    "admin:view_on_site": "redirects to an object's own page, which the walk opens itself",
}
# Parameters that name an object (the rest pick a page: a questionnaire, an intake step).
OBJECT_PARAMETERS = {"visit_id", "patient_id", "pk", "response_id", "alert_id", "object_id", "id"}
ALLOWED_STATUSES = {200, 204, 301, 302, 400, 403, 404, 405}


def plant_markers(clinic: Clinic) -> dict[str, dict[int, str]]:
    """Clinical text no one may see but whom the rules allow, one per patient and kind."""
    markers: dict[str, dict[int, str]] = {"clinical": {}, "held": {}, "process": {}}
    for patient in (clinic.patient, clinic.other_patient):
        visit = Visit.objects.filter(patient=patient).order_by("start").first()
        clinician = visit.provider.user
        clinical = f"Clinical marker {patient.pk}"
        note, _ = VisitNote.objects.get_or_create(
            visit=visit, defaults={"patient": patient, "author": clinician}
        )
        note.subjective = f"{clinical} in a note"
        note.save(update_fields=["subjective"])
        Prescription.objects.create(
            visit=visit,
            patient=patient,
            prescriber=clinician,
            medication=f"{clinical} medication",
            strength="1 mg",
            form=Prescription.Form.TABLET,
            directions="Once a day",
            quantity=1,
        )
        markers["clinical"][patient.pk] = clinical
        held = LabReport.objects.filter(patient=patient, held_at__isnull=False).first()
        if held is not None:
            Observation.objects.filter(report=held).update(name=f"Held marker {patient.pk}")
            markers["held"][patient.pk] = f"Held marker {patient.pk}"
        # Written by a clinician other than the treating one: only its author may ever read it.
        PsychotherapyNote.objects.create(
            visit=visit,
            patient=patient,
            author=clinic.not_treating,
            text=f"Process marker {patient.pk}",
        )
        markers["process"][patient.pk] = f"Process marker {patient.pk}"
    return markers


def who_may_see(user: User | None) -> tuple[set[int], set[int]]:
    """(patients whose name this user may see, patients whose clinical record they may read)."""
    if user is None:
        return set(), set()
    patients = User.objects.filter(role=Role.PATIENT)
    if user.is_superuser:  # the admin's own pages show every record, each read audited
        everyone = set(patients.values_list("pk", flat=True))
        return everyone, everyone
    names = set(policy.FRONT_DESK_PATIENTS.filter(patients, user).values_list("pk", flat=True))
    clinical = set(policy.CLINICAL_PATIENTS.filter(patients, user).values_list("pk", flat=True))
    return names | {user.pk}, clinical


def test_every_url_every_role_own_and_others(settings):
    clinic = demo_clinic(settings)
    markers = plant_markers(clinic)
    names = identities()
    swapped = dataclasses.replace(
        clinic, patient=clinic.other_patient, other_patient=clinic.patient
    )
    uncovered, cases = [], []
    for route in routes():
        own = clinic.urls(route)
        if not own:
            if route.name not in UNCOVERED and not _external(route):
                uncovered.append(route.route)
            continue
        object_route = bool(OBJECT_PARAMETERS & set(route.parameters))
        others = [u for u in swapped.urls(route) if u not in own] if object_route else []
        cases += [(route, url, "own") for url in own] + [(route, url, "other") for url in others]
    assert uncovered == [], "routes the access matrix cannot open: add them to tests/walk.py"

    failures = []
    people = {**clinic.roles, "anonymous": None}
    for role, user in people.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        may_name, may_read = who_may_see(user)
        for route, url, whose in cases:
            response = client.get(url)
            status = response.status_code
            failures += _status_failures(route, role, user, url, whose, status, clinic)
            if status != 200:
                continue
            text = re.sub(r"\s+", " ", unescape(response.content.decode(errors="replace")))
            for patient, words in names.items():
                if patient not in may_name and any(word in text for word in words):
                    failures.append(f"{role} {url}: shows patient {patient}'s name")
            for patient, marker in markers["clinical"].items():
                if patient not in may_read and marker in text:
                    failures.append(f"{role} {url}: shows patient {patient}'s clinical record")
            for patient, marker in markers["process"].items():
                if marker in text:
                    failures.append(f"{role} {url}: shows patient {patient}'s process notes")
            if user is not None and user.role == Role.PATIENT:
                held = [marker for marker in markers["held"].values() if marker in text]
                if held:
                    failures.append(f"{role} {url}: shows a held result")
    assert failures == []
    print(
        f"\naccess matrix: {len(cases)} URLs x {len(people)} roles, every answer as its rule says"
    )


def _external(route: Route) -> bool:
    return route.route.startswith(("accounts/", "admin/"))


def _status_failures(
    route: Route, role: str, user: User | None, url: str, whose: str, status: int, clinic: Clinic
) -> list[str]:
    rule = policy.rule_for(route.pattern.callback, route.route)
    where = f"{role} GET {url} ({whose}): {status}"
    if status >= 500 or status not in ALLOWED_STATUSES:
        return [f"{where}, a server error or an unexpected answer"]
    if user is None:
        if isinstance(rule, frozenset) and status not in (302, 403):
            return [f"{where}, should send nobody to sign in"]
        return []
    if isinstance(rule, frozenset) and user.role not in rule and status not in (302, 403):
        return [f"{where}, should be refused (403) to this role"]
    if (
        whose == "other"
        and user == clinic.patient
        and status == 200
        and not route.route.startswith("admin/")
    ):
        return [f"{where}, a patient opened another patient's record"]
    return []
