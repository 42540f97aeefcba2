"""The audit walk: every URL, as every role, over the demo clinic; whoever is shown is audited.

Each response whose body shows a patient's name or email must have written exactly one view
event for that patient in that request, by the person signed in; a patient reading their own
record writes none.
"""

import re
from html import unescape

import pytest
from django.test import Client

from accounts.models import PatientProfile, Role, User
from tests.walk import demo_clinic, routes
from visits.audit import AuditEvent

pytestmark = pytest.mark.django_db


def identities() -> dict[int, list[str]]:
    """What names a patient on a page: legal name, preferred name with surname, email."""
    names: dict[int, list[str]] = {}
    for user in User.objects.filter(role=Role.PATIENT):
        names[user.pk] = [user.email]
        profile = PatientProfile.objects.filter(user=user).first()
        if profile is not None:
            names[user.pk].append(f"{profile.legal_first_name} {profile.legal_last_name}")
            if profile.preferred_name:
                names[user.pk].append(f"{profile.preferred_name} {profile.legal_last_name}")
        elif user.display_name:
            names[user.pk].append(user.display_name)
    return names


def shown(body: str, names: dict[int, list[str]]) -> set[int]:
    text = re.sub(r"\s+", " ", unescape(body))
    return {patient for patient, words in names.items() if any(word in text for word in words)}


def test_every_page_audits_each_patient_it_shows(settings):
    """Walk every GET page as six roles; each patient shown is one event, the patient's own none."""
    clinic = demo_clinic(settings)
    names = identities()
    urls = sorted({url for route in routes() for url in clinic.urls(route)})
    failures, showing = [], {}
    for role, user in clinic.roles.items():
        client = Client()
        client.force_login(user)
        for url in urls:
            before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(f"{role} GET {url}: {response.status_code}")
                continue
            body = response.content.decode(errors="replace") if response.status_code == 200 else ""
            events = list(AuditEvent.objects.filter(pk__gt=before).values("patient_id", "actor_id"))
            for patient in shown(body, names):
                mine = [event for event in events if event["patient_id"] == patient]
                expected = 0 if patient == user.pk else 1
                if len(mine) != expected or any(e["actor_id"] != user.pk for e in mine):
                    failures.append(
                        f"{role} GET {url}: shows patient {patient}, {len(mine)} events"
                    )
                if patient != user.pk:
                    showing.setdefault(url, set()).add(role)
    assert failures == []
    # The walk did reach pages that show patients: the dashboards, calendars, the admin.
    assert len(showing) >= 10, sorted(showing)
    print(f"\naudit walk: {len(urls)} URLs x {len(clinic.roles)} roles;")
    print(f"{len(showing)} pages showed another person's patient data, each audited once:")
    for url, roles in sorted(showing.items()):
        print(f"  {url}: {', '.join(sorted(roles))}")
