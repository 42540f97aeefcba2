"""The data migration that gives alerts raised before routing to the clinicians who treat the patient."""

import importlib

import pytest
from django.apps import apps

from tests.accounts.factories import ProviderProfileFactory
from tests.visits.questionnaires.factories import past_visit, raise_alert, therapy_visit
from visits.questionnaires.models import AlertRecipient
from visits.questionnaires.services import alert_acknowledge

pytestmark = pytest.mark.django_db

routing = importlib.import_module("visits.migrations.0009_safety_alert_routing")


def test_existing_alerts_go_to_the_treating_clinicians_and_nobody_is_emailed(patient, therapist):
    """Alerts with no recipients get every treating clinician (and whoever acknowledged one),
    marked as already told; a cancelled visit's clinician is not added."""
    physician = ProviderProfileFactory(kind="physician")
    past_visit(patient, physician)
    therapy_visit(patient, therapist)
    cancelled = therapy_visit(patient, ProviderProfileFactory(kind="therapist"), days=6)
    cancelled.status = "cancelled"
    cancelled.save(update_fields=["status"])
    open_alert = raise_alert(patient)
    acknowledged = raise_alert(patient)
    former = ProviderProfileFactory(kind="psychiatrist").user
    alert_acknowledge(alert=acknowledged, actor=former, outcome="called_patient")
    AlertRecipient.objects.all().delete()

    routing.assign_existing_alerts(apps, None)

    assert {r.clinician for r in open_alert.recipients.all()} == {therapist.user, physician.user}
    assert {r.clinician for r in acknowledged.recipients.all()} == {
        therapist.user,
        physician.user,
        former,
    }
    assert not AlertRecipient.objects.filter(notified_at__isnull=True).exists()
    routing.assign_existing_alerts(apps, None)
    assert AlertRecipient.objects.count() == 5
