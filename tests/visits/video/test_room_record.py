"""The room and the visit's record: the note beside the video, and the seen-now hook."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.visits.factories import symptoms_checked
from visits.ondemand.models import QueueEntry
from visits.records.models import VisitNote

pytestmark = pytest.mark.django_db


def test_the_clinician_writes_the_note_beside_the_video(started, clinician_of):
    """The room holds the note editor, which saves drafts to the note's own endpoint."""
    page = clinician_of.get(reverse("video:room", args=[started.pk])).content.decode()
    assert 'id="note-panel"' in page
    assert reverse("records:visit_note_draft", args=[started.pk]) in page
    response = clinician_of.post(
        reverse("records:visit_note_draft", args=[started.pk]),
        {"subjective": "Cough for three days", "revision": "0"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert VisitNote.objects.get(visit=started).subjective == "Cough for three days"


def test_the_patient_sees_no_note(started, patient_of):
    page = patient_of.get(reverse("video:room", args=[started.pk])).content.decode()
    assert 'id="note-panel"' not in page


def test_opening_the_room_joins_the_patient_taken_from_the_queue(started, clinician_of):
    """A physician who took a seen-now patient has joined once they open the room."""
    now = timezone.now()
    entry = QueueEntry.objects.create(
        patient=started.patient,
        state="TX",
        symptom_check=symptoms_checked(started.patient),
        joined_at=now,
        last_seen_at=now,
        status=QueueEntry.Status.TAKEN,
        taken_by=started.provider,
        taken_at=now,
        visit=started,
    )
    assert clinician_of.get(reverse("video:room", args=[started.pk])).status_code == 200
    entry.refresh_from_db()
    assert entry.physician_joined_at is not None
