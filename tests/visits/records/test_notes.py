# ruff: noqa: F811 -- fixtures imported from notes_fixtures are test arguments
"""The note's services: drafts guarded by revision, signing, addenda, diagnoses, psychotherapy
notes; only the visit's clinician writes, and every change is audited."""

import datetime

import pytest

from tests.visits.records.notes_fixtures import (  # noqa: F401
    SOAP,
    colleague,
    draft,
    signed,
    therapist,
    therapy_visit,
    visit,
)
from visits.audit import AuditEvent
from visits.records.models import AfterVisitSummary, NoteAddendum, NoteDiagnosis, VisitNote
from visits.records.notes import (
    DraftConflict,
    NoteRefused,
    note_add_addendum,
    note_add_diagnosis,
    note_remove_diagnosis,
    note_save_draft,
    note_sign,
    psychotherapy_note_save,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 2, 2, 16, 40, tzinfo=datetime.UTC)


def events(patient, what):
    return list(
        AuditEvent.objects.filter(patient=patient, what=what).values_list("action", flat=True)
    )


class TestDraft:
    def test_the_first_save_creates_the_note_and_the_summary(self, visit, clinician):
        """Revision 0 → the note (revision 1, draft, by the clinician) and the summary exist."""
        saved = note_save_draft(visit=visit, actor=clinician, text=SOAP, revision=0)
        note = VisitNote.objects.get(visit=visit)
        assert saved.changed
        assert note.revision == 1
        assert note.status == VisitNote.Status.DRAFT
        assert note.author == clinician
        assert note.patient == visit.patient
        assert note.plan == SOAP["plan"]
        summary = AfterVisitSummary.objects.get(visit=visit)
        assert summary.when_to_seek_care == SOAP["when_to_seek_care"]
        assert summary.released_at is None
        assert events(visit.patient, "visit note") == [AuditEvent.Action.CREATE]

    def test_a_later_save_from_the_current_revision_changes_it(self, visit, clinician):
        """Saving from revision 1 writes the new text and raises the revision to 2."""
        draft(visit, clinician)
        note_save_draft(
            visit=visit, actor=clinician, text=SOAP | {"plan": "Amoxicillin"}, revision=1
        )
        note = VisitNote.objects.get(visit=visit)
        assert (note.plan, note.revision) == ("Amoxicillin", 2)
        assert sorted(events(visit.patient, "visit note")) == ["create", "update"]

    def test_a_stale_revision_is_refused_and_nothing_is_overwritten(self, visit, clinician):
        """Two tabs: the second, still at revision 1 after the first saved 2, is refused."""
        draft(visit, clinician)
        note_save_draft(visit=visit, actor=clinician, text=SOAP | {"plan": "Tab one"}, revision=1)
        with pytest.raises(DraftConflict, match="another tab or window") as refused:
            note_save_draft(
                visit=visit, actor=clinician, text=SOAP | {"plan": "Tab two"}, revision=1
            )
        assert refused.value.note.plan == "Tab one"
        assert VisitNote.objects.get(visit=visit).plan == "Tab one"

    def test_a_stale_revision_saying_the_same_is_no_conflict(self, visit, clinician):
        """An autosave racing a button sends the same text: nothing changes, nothing refused."""
        draft(visit, clinician)
        saved = note_save_draft(visit=visit, actor=clinician, text=SOAP, revision=0)
        assert not saved.changed
        assert saved.note.revision == 1
        assert events(visit.patient, "visit note") == [AuditEvent.Action.CREATE]

    def test_only_the_visits_clinician_writes(self, visit, colleague):
        """A colleague who treats the patient still cannot write this visit's note."""
        with pytest.raises(NoteRefused, match="visit's own clinician"):
            note_save_draft(visit=visit, actor=colleague, text=SOAP, revision=0)
        assert not VisitNote.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_a_signed_note_takes_no_draft(self, visit, clinician):
        """After signing, drafts are refused: the note never changes again."""
        signed(visit, clinician)
        with pytest.raises(NoteRefused, match="Add an addendum"):
            note_save_draft(visit=visit, actor=clinician, text=SOAP | {"plan": "x"}, revision=1)
        assert VisitNote.objects.get(visit=visit).plan == SOAP["plan"]


class TestSign:
    def test_signing_stamps_the_note_and_releases_the_summary(self, visit, clinician):
        """Signed at the time given; the after-visit summary released at the same moment."""
        draft(visit, clinician)
        note = note_sign(visit=visit, actor=clinician, revision=1, now=NOW)
        assert note.is_signed
        assert note.signed_at == NOW
        assert VisitNote.objects.get(visit=visit).status == VisitNote.Status.SIGNED
        assert AfterVisitSummary.objects.get(visit=visit).released_at == NOW
        assert "update" in events(visit.patient, "visit note")
        assert events(visit.patient, "after-visit summary") == [AuditEvent.Action.UPDATE]

    @pytest.mark.parametrize(
        ("empty", "message"),
        [
            ({"assessment": ""}, "Write the assessment before"),
            ({"plan": "  "}, "Write the plan before"),
            ({"assessment": "", "plan": ""}, "Write the assessment and the plan"),
        ],
    )
    def test_an_empty_assessment_or_plan_is_refused(self, visit, clinician, empty, message):
        """The note is signed only with an assessment and a plan."""
        draft(visit, clinician, **empty)
        with pytest.raises(NoteRefused, match=message):
            note_sign(visit=visit, actor=clinician)
        assert not VisitNote.objects.get(visit=visit).is_signed
        assert AfterVisitSummary.objects.get(visit=visit).released_at is None

    def test_signing_twice_is_refused(self, visit, clinician):
        """Already signed: refused, the first time kept."""
        first = signed(visit, clinician)
        with pytest.raises(NoteRefused, match="already signed"):
            note_sign(visit=visit, actor=clinician, now=NOW)
        assert VisitNote.objects.get(visit=visit).signed_at == first.signed_at

    def test_a_note_changed_after_review_is_not_signed(self, visit, clinician):
        """The review showed revision 1; another tab saved revision 2 meanwhile."""
        draft(visit, clinician)
        draft(visit, clinician, plan="Changed in another tab")
        with pytest.raises(NoteRefused, match="Review it again"):
            note_sign(visit=visit, actor=clinician, revision=1)

    def test_nothing_written_cannot_be_signed(self, visit, clinician):
        with pytest.raises(NoteRefused, match="Write the note"):
            note_sign(visit=visit, actor=clinician)

    def test_a_colleague_cannot_sign(self, visit, clinician, colleague):
        draft(visit, clinician)
        with pytest.raises(NoteRefused):
            note_sign(visit=visit, actor=colleague)
        assert not VisitNote.objects.get(visit=visit).is_signed


class TestAddendum:
    def test_an_addendum_records_who_and_when(self, visit, clinician):
        """On a signed note: the text, its author and its time; the note itself unchanged."""
        signed(visit, clinician)
        addendum = note_add_addendum(visit=visit, actor=clinician, text="  Strep test positive. ")
        assert addendum.text == "Strep test positive."
        assert addendum.author == clinician
        assert addendum.created_at is not None
        assert events(visit.patient, "note addendum") == [AuditEvent.Action.CREATE]
        assert VisitNote.objects.get(visit=visit).plan == SOAP["plan"]

    def test_a_draft_takes_no_addendum(self, visit, clinician):
        draft(visit, clinician)
        with pytest.raises(NoteRefused, match="for signed notes"):
            note_add_addendum(visit=visit, actor=clinician, text="Later")
        assert not NoteAddendum.objects.exists()

    def test_an_empty_addendum_is_refused(self, visit, clinician):
        signed(visit, clinician)
        with pytest.raises(NoteRefused, match="Write the addendum"):
            note_add_addendum(visit=visit, actor=clinician, text="   ")

    def test_a_colleague_adds_no_addendum(self, visit, clinician, colleague):
        signed(visit, clinician)
        with pytest.raises(NoteRefused):
            note_add_addendum(visit=visit, actor=colleague, text="Mine")
        assert not NoteAddendum.objects.exists()


class TestDiagnoses:
    def test_a_code_from_the_list_is_added_with_its_description(self, visit, clinician):
        """Typed loosely ("j02.0"), stored as the code set writes it, in order."""
        draft(visit, clinician)
        first = note_add_diagnosis(visit=visit, actor=clinician, code="j02.0")
        second = note_add_diagnosis(visit=visit, actor=clinician, code="R07.0")
        assert (first.code, first.description) == ("J02.0", "Streptococcal pharyngitis")
        assert [dx.code for dx in VisitNote.objects.get(visit=visit).diagnoses.all()] == [
            "J02.0",
            "R07.0",
        ]
        assert second.position == 1

    def test_a_code_not_in_the_list_is_refused(self, visit, clinician):
        draft(visit, clinician)
        with pytest.raises(NoteRefused, match=r"Z99\.999 is not in the clinic's list"):
            note_add_diagnosis(visit=visit, actor=clinician, code="Z99.999")
        assert not NoteDiagnosis.objects.exists()

    def test_the_same_code_twice_is_refused(self, visit, clinician):
        draft(visit, clinician)
        note_add_diagnosis(visit=visit, actor=clinician, code="J02.0")
        with pytest.raises(NoteRefused, match="already on this note"):
            note_add_diagnosis(visit=visit, actor=clinician, code="J020")
        assert NoteDiagnosis.objects.count() == 1

    def test_adding_before_any_draft_starts_the_note(self, visit, clinician):
        """A diagnosis picked first creates the draft note it belongs to."""
        note_add_diagnosis(visit=visit, actor=clinician, code="I10")
        note = VisitNote.objects.get(visit=visit)
        assert note.revision == 1
        assert [dx.code for dx in note.diagnoses.all()] == ["I10"]

    def test_a_signed_notes_diagnoses_do_not_change(self, visit, clinician):
        signed(visit, clinician)
        with pytest.raises(NoteRefused, match="signed"):
            note_add_diagnosis(visit=visit, actor=clinician, code="I10")
        assert not NoteDiagnosis.objects.exists()

    def test_a_diagnosis_is_removed_from_the_draft(self, visit, clinician):
        draft(visit, clinician)
        added = note_add_diagnosis(visit=visit, actor=clinician, code="I10")
        note_remove_diagnosis(visit=visit, actor=clinician, diagnosis_id=added.pk)
        assert not NoteDiagnosis.objects.exists()
        with pytest.raises(NoteRefused, match="no longer on this note"):
            note_remove_diagnosis(visit=visit, actor=clinician, diagnosis_id=added.pk)

    def test_a_colleague_changes_no_diagnosis(self, visit, clinician, colleague):
        draft(visit, clinician)
        with pytest.raises(NoteRefused):
            note_add_diagnosis(visit=visit, actor=colleague, code="I10")


class TestPsychotherapyNote:
    def test_the_therapist_keeps_one_per_session(self, therapy_visit, therapist):
        """Saved once, then changed in place; audited as a psychotherapy note."""
        from visits.records.models import PsychotherapyNote

        first = psychotherapy_note_save(visit=therapy_visit, actor=therapist, text="Process notes")
        again = psychotherapy_note_save(visit=therapy_visit, actor=therapist, text="Revised")
        assert first.pk == again.pk
        assert PsychotherapyNote.objects.get().text == "Revised"
        assert again.author == therapist
        assert again.patient == therapy_visit.patient
        assert sorted(events(therapy_visit.patient, "psychotherapy note")) == ["create", "update"]

    def test_a_physician_keeps_none(self, visit, clinician):
        """The visit's own physician is refused: psychotherapy notes are a therapist's."""
        with pytest.raises(NoteRefused, match="therapist or psychiatrist"):
            psychotherapy_note_save(visit=visit, actor=clinician, text="Notes")

    def test_another_therapist_keeps_none_for_this_visit(self, therapy_visit, db):
        from tests.accounts.factories import ProviderProfileFactory

        other = ProviderProfileFactory(kind="therapist").user
        with pytest.raises(NoteRefused):
            psychotherapy_note_save(visit=therapy_visit, actor=other, text="Notes")

    def test_an_empty_note_is_refused(self, therapy_visit, therapist):
        with pytest.raises(NoteRefused, match="Write the psychotherapy note"):
            psychotherapy_note_save(visit=therapy_visit, actor=therapist, text="  ")
