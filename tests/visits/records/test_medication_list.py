"""A patient's medication list: active ones, then recent past ones, in two queries."""

import datetime

import pytest

from tests.visits.records.order_factories import visit_in_progress, written_prescription
from visits.records.models import Prescription
from visits.records.selectors import medication_list

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 2, 2, 17, 0, tzinfo=datetime.UTC)


def test_active_and_past_are_listed_apart_newest_past_first():
    """Active prescriptions, and completed or stopped ones by when they changed, newest first."""
    visit = visit_in_progress()
    active = written_prescription(visit, medication="Lisinopril")
    older = written_prescription(
        visit,
        medication="Amoxicillin",
        status=Prescription.Status.COMPLETED,
        status_changed_at=NOW - datetime.timedelta(days=30),
    )
    newer = written_prescription(
        visit,
        medication="Cephalexin",
        status=Prescription.Status.STOPPED,
        stop_reason="Rash",
        status_changed_at=NOW,
    )
    someone_else = written_prescription(visit_in_progress(), medication="Metformin")

    medications = medication_list(visit.patient)

    assert medications.active == [active]
    assert medications.past == [newer, older]
    assert medications.more_past is False
    assert someone_else not in medications.active


def test_past_ones_are_bounded_and_say_there_are_more():
    visit = visit_in_progress()
    for day in range(3):
        written_prescription(
            visit,
            status=Prescription.Status.COMPLETED,
            status_changed_at=NOW - datetime.timedelta(days=day),
        )
    medications = medication_list(visit.patient, past_limit=2)
    assert len(medications.past) == 2
    assert medications.more_past is True


@pytest.mark.parametrize("rows", [10, 500])
def test_two_queries_whatever_the_number(rows, django_assert_num_queries):
    """Pinned at 10 and 500 prescriptions each way, reading the prescriber of each."""
    visit = visit_in_progress()
    base = {
        "visit": visit,
        "patient": visit.patient,
        "prescriber": visit.provider.user,
        "medication": "Amoxicillin",
        "strength": "500 mg",
        "form": Prescription.Form.CAPSULE,
        "directions": "Take 1 capsule 3 times daily",
        "quantity": 30,
    }
    Prescription.objects.bulk_create(Prescription(**base) for _ in range(rows))
    Prescription.objects.bulk_create(
        Prescription(**base, status=Prescription.Status.COMPLETED, status_changed_at=NOW)
        for _ in range(rows)
    )
    with django_assert_num_queries(2):
        medications = medication_list(visit.patient)
        names = {
            str(rx.prescriber.provider_profile) for rx in medications.active + medications.past
        }
    assert len(medications.active) == rows
    assert len(medications.past) == min(rows, 20)
    assert names == {str(visit.provider)}
