"""Documenting a visit: the note's draft, its signing, addenda, diagnoses, psychotherapy notes.

Only the visit's clinician writes (policy.DOCUMENTABLE_VISITS). Every service locks the visit's
row, so two tabs or an autosave racing a button never interleave, refuses what makes no sense
with a message for the clinician (`NoteRefused`), and records its change (`audit_change`) in
the same transaction. A signed note never changes again: it only gains addenda.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import policy
from accounts.models import ProviderProfile
from visits.audit import AuditEvent, audit_change
from visits.records import icd10
from visits.records.models import (
    AfterVisitSummary,
    NoteAddendum,
    NoteDiagnosis,
    PsychotherapyNote,
    VisitNote,
)
from visits.scheduling.models import Visit

NOTE_FIELDS = ("subjective", "objective", "assessment", "plan")
SUMMARY_FIELDS = ("findings", "instructions", "when_to_seek_care", "follow_up")
DRAFT_FIELDS = NOTE_FIELDS + SUMMARY_FIELDS
# Who keeps psychotherapy notes: the clinicians who give psychotherapy.
PSYCHOTHERAPY_KINDS = (ProviderProfile.Kind.THERAPIST, ProviderProfile.Kind.PSYCHIATRIST)

NOT_YOURS = "Only the visit's own clinician writes its note."
SIGNED_ALREADY = "This note is signed and cannot change. Add an addendum instead."


class NoteRefused(Exception):
    """A change to a visit's record that cannot be made, with a message for the clinician."""


class DraftConflict(NoteRefused):
    """The draft was saved meanwhile from another tab or window: nothing was overwritten."""

    def __init__(self, message: str, *, note: VisitNote) -> None:
        super().__init__(message)
        self.note = note


@dataclass(frozen=True)
class DraftSaved:
    """What a draft save did: the note as now saved, and whether anything was new."""

    note: VisitNote
    summary: AfterVisitSummary
    changed: bool


def _locked_visit(visit: Visit, actor) -> Visit:
    """The visit's row, locked for this change, once it is sure the actor documents it."""
    if not policy.DOCUMENTABLE_VISITS.allows(actor, visit):
        raise NoteRefused(NOT_YOURS)
    return Visit.objects.select_for_update().get(pk=visit.pk)


def _note_and_summary(visit: Visit) -> tuple[VisitNote | None, AfterVisitSummary | None]:
    note = VisitNote.objects.filter(visit=visit).first()
    summary = AfterVisitSummary.objects.filter(visit=visit).first()
    return note, summary


def _audit(actor, action: str, what: str, visit: Visit, obj_id, ip_address: str | None) -> None:
    audit_change(
        actor=actor,
        action=action,
        what=what,
        records=[(visit.patient_id, obj_id)],
        ip_address=ip_address,
    )


def draft_says_same(
    note: VisitNote | None, summary: AfterVisitSummary | None, text: Mapping[str, str]
) -> bool:
    """Whether what was typed is exactly what is saved (nothing saved counts as empty)."""
    for name in NOTE_FIELDS:
        if text.get(name, "") != (getattr(note, name) if note else ""):
            return False
    for name in SUMMARY_FIELDS:
        if text.get(name, "") != (getattr(summary, name) if summary else ""):
            return False
    return True


def note_save_draft(
    *,
    visit: Visit,
    actor,
    text: Mapping[str, str],
    revision: int,
    ip_address: str | None = None,
) -> DraftSaved:
    """Save what the clinician typed (note and after-visit summary) as the draft.

    The first save creates the note and the summary. `revision` is the one the typed text
    started from: when another tab saved since, nothing is overwritten (`DraftConflict`) unless
    the text typed is already what is saved (an autosave racing a button says the same).
    """
    with transaction.atomic():
        locked = _locked_visit(visit, actor)
        note, summary = _note_and_summary(locked)
        if note is not None and note.is_signed:
            raise NoteRefused(SIGNED_ALREADY)
        same = draft_says_same(note, summary, text)
        current = note.revision if note is not None else 0
        if note is not None and revision != current and not same:
            raise DraftConflict(
                "This note was saved from another tab or window after you opened it, so what "
                "you typed here was not saved. Your text is kept below.",
                note=note,
            )
        if note is not None and summary is not None and same:
            return DraftSaved(note=note, summary=summary, changed=False)
        created = note is None
        if note is None:
            note = VisitNote(visit=locked, patient_id=locked.patient_id, author=actor)
        for name in NOTE_FIELDS:
            setattr(note, name, text.get(name, ""))
        note.revision = current + 1
        note.save()
        if summary is None:
            summary = AfterVisitSummary(visit=locked, patient_id=locked.patient_id)
        for name in SUMMARY_FIELDS:
            setattr(summary, name, text.get(name, ""))
        summary.save()
        _audit(
            actor,
            AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
            "visit note",
            locked,
            note.pk,
            ip_address,
        )
    return DraftSaved(note=note, summary=summary, changed=True)


def sign_refusal(note: VisitNote) -> str:
    """Why this note cannot be signed yet, for the clinician; empty when it can."""
    if note.is_signed:
        return "This note is already signed."
    missing = [name for name in ("assessment", "plan") if not getattr(note, name).strip()]
    if missing:
        return f"Write the {' and the '.join(missing)} before signing the note."
    return ""


def note_sign(
    *,
    visit: Visit,
    actor,
    revision: int | None = None,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> VisitNote:
    """Sign the note: it never changes again, and the patient may read the after-visit summary.

    Refused when already signed, when the assessment or plan is empty, or (given `revision`)
    when the draft changed after the clinician reviewed it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_visit(visit, actor)
        note, summary = _note_and_summary(locked)
        if note is None:
            raise NoteRefused("Write the note before signing it.")
        if note.is_signed:
            raise NoteRefused("This note is already signed.")
        if revision is not None and note.revision != revision:
            raise NoteRefused(
                "The note changed after you reviewed it (in another tab or window). "
                "Review it again before signing."
            )
        refusal = sign_refusal(note)
        if refusal:
            raise NoteRefused(refusal)
        note.status = VisitNote.Status.SIGNED
        note.signed_at = now
        note.save(update_fields=["status", "signed_at", "updated_at"])
        if summary is None:
            summary = AfterVisitSummary(visit=locked, patient_id=locked.patient_id)
        summary.released_at = now
        summary.save()
        _audit(actor, AuditEvent.Action.UPDATE, "visit note", locked, note.pk, ip_address)
        _audit(
            actor, AuditEvent.Action.UPDATE, "after-visit summary", locked, summary.pk, ip_address
        )
    return note


def note_add_addendum(
    *, visit: Visit, actor, text: str, ip_address: str | None = None
) -> NoteAddendum:
    """Add to a signed note, recording who and when; a draft is changed directly instead."""
    text = text.strip()
    with transaction.atomic():
        locked = _locked_visit(visit, actor)
        note = VisitNote.objects.filter(visit=locked).first()
        if note is None or not note.is_signed:
            raise NoteRefused("Addenda are for signed notes: while it is a draft, edit the note.")
        if not text:
            raise NoteRefused("Write the addendum before adding it.")
        addendum = NoteAddendum.objects.create(note=note, author=actor, text=text)
        _audit(actor, AuditEvent.Action.CREATE, "note addendum", locked, addendum.pk, ip_address)
    return addendum


def _draft_note_for(locked: Visit, actor) -> VisitNote:
    """The visit's draft note, created empty if nothing was saved yet."""
    note = VisitNote.objects.filter(visit=locked).first()
    if note is None:
        note = VisitNote.objects.create(
            visit=locked, patient_id=locked.patient_id, author=actor, revision=1
        )
        AfterVisitSummary.objects.get_or_create(
            visit=locked, defaults={"patient_id": locked.patient_id}
        )
    if note.is_signed:
        raise NoteRefused("This note is signed: its diagnoses cannot change.")
    return note


def note_add_diagnosis(
    *, visit: Visit, actor, code: str, ip_address: str | None = None
) -> NoteDiagnosis:
    """Put an ICD-10-CM code from the clinic's list on the draft note, with its description."""
    diagnosis = icd10.lookup(code)
    if diagnosis is None:
        shown = code.strip()[:12] or "That code"
        raise NoteRefused(
            f"{shown} is not in the clinic's list of ICD-10-CM codes. "
            "Search by code or words and choose from the matches."
        )
    with transaction.atomic():
        locked = _locked_visit(visit, actor)
        note = _draft_note_for(locked, actor)
        if note.diagnoses.filter(code=diagnosis.code).exists():
            raise NoteRefused(f"{diagnosis.code} is already on this note.")
        position = note.diagnoses.count()
        try:
            with transaction.atomic():
                added = NoteDiagnosis.objects.create(
                    note=note,
                    code=diagnosis.code,
                    description=diagnosis.description,
                    position=position,
                )
        except IntegrityError as twice:  # pragma: no cover - the visit's lock prevents it
            raise NoteRefused(f"{diagnosis.code} is already on this note.") from twice
        _audit(actor, AuditEvent.Action.UPDATE, "visit note", locked, note.pk, ip_address)
    return added


def note_remove_diagnosis(
    *, visit: Visit, actor, diagnosis_id: int, ip_address: str | None = None
) -> NoteDiagnosis:
    """Take a diagnosis off the draft note."""
    with transaction.atomic():
        locked = _locked_visit(visit, actor)
        note = _draft_note_for(locked, actor)
        diagnosis = note.diagnoses.filter(pk=diagnosis_id).first()
        if diagnosis is None:
            raise NoteRefused("That diagnosis is no longer on this note.")
        diagnosis.delete()
        _audit(actor, AuditEvent.Action.UPDATE, "visit note", locked, note.pk, ip_address)
    return diagnosis


def keeps_psychotherapy_notes(actor, visit: Visit, *, documentable: bool | None = None) -> bool:
    """Whether this clinician keeps psychotherapy notes for this visit: it is their own visit
    and they are a therapist or psychiatrist.

    `documentable` is policy.DOCUMENTABLE_VISITS's answer for this actor and visit when the
    caller already has it (it loaded the visit through that rule); otherwise it is asked.
    """
    if visit.provider.user_id != actor.pk or visit.provider.kind not in PSYCHOTHERAPY_KINDS:
        return False
    if documentable is None:
        documentable = policy.DOCUMENTABLE_VISITS.allows(actor, visit)
    return documentable


def psychotherapy_note_save(
    *, visit: Visit, actor, text: str, ip_address: str | None = None
) -> PsychotherapyNote:
    """Keep the clinician's process notes for this visit, apart from the visit's record.

    One per visit and author: the first save creates it, later saves change it.
    """
    if not keeps_psychotherapy_notes(actor, visit):
        raise NoteRefused("Psychotherapy notes are kept by the visit's therapist or psychiatrist.")
    if not text.strip():
        raise NoteRefused("Write the psychotherapy note before saving it.")
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        note = PsychotherapyNote.objects.filter(visit=locked, author=actor).first()
        created = note is None
        if note is None:
            note = PsychotherapyNote(visit=locked, patient_id=locked.patient_id, author=actor)
        note.text = text
        note.save()
        _audit(
            actor,
            AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
            "psychotherapy note",
            locked,
            note.pk,
            ip_address,
        )
    return note
