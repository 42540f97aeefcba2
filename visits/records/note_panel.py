"""What the note editor shows, for the note page and for any page that includes the panel.

`note_panel_context(request, visit, ...)` gives `visits/records/_note_panel.html` everything it
renders; the page that includes it audits `context["audit_records"]` with its own audit_page,
so each patient still has one event per page view. The queries are fixed: the note, the
summary, the diagnoses and the addenda with their authors, whatever their number.
"""

import functools
from dataclasses import dataclass

from django.db.models import BigIntegerField, QuerySet, UUIDField
from django.http import Http404
from django.urls import reverse

from accounts import policy
from config.prepared import Param, Prepared, Viewer
from visits.audit import Record
from visits.records import icd10
from visits.records.models import AfterVisitSummary, NoteAddendum, NoteDiagnosis, VisitNote
from visits.records.note_forms import AddendumForm, DiagnosisSearchForm, NoteDraftForm
from visits.records.notes import DraftConflict, keeps_psychotherapy_notes, sign_refusal
from visits.scheduling.models import Visit
from visits.web import SignedInRequest

PANEL_TEMPLATE = "visits/records/_note_panel.html"


@dataclass(frozen=True)
class NoteAccess:
    """A visit someone may open the note of, and whether they write it (its own clinician) or
    only read it (another clinician treating the patient, once it is signed)."""

    visit: Visit
    writes: bool
    # True when the visit was loaded through policy.DOCUMENTABLE_VISITS for this viewer, so the
    # rule's answer is known; None when it has still to be asked.
    documentable: bool | None = None


def _visits(*, with_record: bool = False) -> QuerySet[Visit]:
    visits = Visit.objects.select_related(
        "patient__patient_profile", "provider__user", "visit_type"
    )
    return visits.select_related("note__author", "summary") if with_record else visits


# The clinician's own visit by its id, with or without its note and summary: built and compiled
# once (config.prepared). Unordered: it matches one row at most.
OWN_VISIT = {
    with_record: Prepared(
        functools.partial(
            lambda viewer, visit, with_record: (
                policy.DOCUMENTABLE_VISITS.filter(_visits(with_record=with_record), viewer)
                .filter(pk=visit)
                .order_by()
            ),
            with_record=with_record,
        ),
        viewer=Viewer(),
        visit=Param("visit", UUIDField()),
    )
    for with_record in (True, False)
}


def own_visit(viewer, visit_id: object, *, with_record: bool = False) -> Visit | None:
    """The clinician's own visit (policy.DOCUMENTABLE_VISITS) with its patient, provider and
    type, or None: one query."""
    found = OWN_VISIT[with_record].run(viewer=viewer, visit=visit_id)
    return found[0] if found else None


def note_access(
    request: SignedInRequest, visit_id: object, *, with_record: bool = False
) -> NoteAccess:
    """The visit whose note this clinician may open; 404 for anyone else.

    The visit's clinician writes it (policy.DOCUMENTABLE_VISITS); other clinicians who treat
    the patient read it once signed (policy.VISIT_NOTES); drafts stay with their author.
    `with_record`: the note and the summary come with the visit, in its query, for a page that
    only reads them (saved_note takes them from the visit then).
    """
    user = request.user
    own = own_visit(user, visit_id, with_record=with_record)
    if own is not None:
        return NoteAccess(visit=own, writes=True, documentable=True)
    visits = _visits(with_record=with_record)
    readable = policy.VISIT_NOTES.filter(VisitNote.objects.all(), user).filter(
        visit_id=visit_id, status=VisitNote.Status.SIGNED
    )
    visit = visits.filter(pk__in=readable.values("visit_id")).order_by().first()
    if visit is None:
        raise Http404("No such visit note.")
    return NoteAccess(visit=visit, writes=False)


def panel_urls(visit: Visit) -> dict[str, str]:
    """Where the panel's forms go."""
    args = [visit.pk]
    return {
        "page": reverse("records:visit_note", args=args),
        "draft": reverse("records:visit_note_draft", args=args),
        "sign": reverse("records:visit_note_sign", args=args),
        "addendum": reverse("records:visit_note_addendum", args=args),
        "search": reverse("records:visit_note_diagnosis_search", args=args),
        "add": reverse("records:visit_note_diagnosis_add", args=args),
        "psychotherapy": reverse("records:psychotherapy_notes", args=args),
    }


# A visit has one note and one summary (config.prepared: built and compiled once).
VISIT_NOTE = Prepared(
    lambda visit: VisitNote.objects.select_related("author").filter(visit=visit).order_by(),
    visit=Param("visit", UUIDField()),
)
NOTE = Param("note", BigIntegerField())
# A note's diagnoses and addenda (with their authors), in their models' order.
NOTE_DIAGNOSES = Prepared(lambda note: NoteDiagnosis.objects.filter(note=note), note=NOTE)
NOTE_ADDENDA = Prepared(
    lambda note: NoteAddendum.objects.filter(note=note).select_related("author"), note=NOTE
)
VISIT_SUMMARY = Prepared(
    lambda visit: AfterVisitSummary.objects.filter(visit=visit).order_by(),
    visit=Param("visit", UUIDField()),
)


def saved_note(visit: Visit) -> tuple[VisitNote | None, AfterVisitSummary | None]:
    """The visit's note (with its author) and summary: one each per visit, read unordered, or
    taken from the visit when it was read with them (note_access's `with_record`)."""
    if _NOTE.is_cached(visit) and _SUMMARY.is_cached(visit):
        return getattr(visit, "note", None), getattr(visit, "summary", None)
    notes = VISIT_NOTE.run(visit=visit.pk, limit=1)
    summaries = VISIT_SUMMARY.run(visit=visit.pk, limit=1)
    return (notes[0] if notes else None), (summaries[0] if summaries else None)


_NOTE = Visit._meta.get_field("note")
_SUMMARY = Visit._meta.get_field("summary")


def note_panel_context(
    request: SignedInRequest,
    access: NoteAccess,
    *,
    form: NoteDraftForm | None = None,
    addendum_form: AddendumForm | None = None,
    search_form: DiagnosisSearchForm | None = None,
    matches: list[icd10.Diagnosis] | None = None,
    conflict: DraftConflict | None = None,
    restored: bool = False,
    error: str = "",
) -> dict:
    """Everything `_note_panel.html` shows for this viewer, with what the page must audit."""
    visit = access.visit
    note, summary = saved_note(visit)
    if not access.writes and (note is None or not note.is_signed):
        raise Http404("No such visit note.")  # drafts are their author's alone
    editing = access.writes and not (note is not None and note.is_signed)
    if editing and form is None:
        form = NoteDraftForm.from_saved(note, summary)
    diagnoses = NOTE_DIAGNOSES.run(note=note.pk) if note is not None else []
    addenda = NOTE_ADDENDA.run(note=note.pk) if note is not None else []
    records: list[Record] = []
    if note is not None:
        records.append((visit.patient_id, note.pk))
    else:
        records.append((visit.patient_id, visit.pk))
    return {
        "visit": visit,
        "patient_name": visit.patient.patient_profile.legal_name
        if hasattr(visit.patient, "patient_profile")
        else visit.patient.get_full_name(),
        "note": note,
        "summary": summary,
        "diagnoses": diagnoses,
        "addenda": addenda,
        "writes": access.writes,
        "editing": editing,
        "form": form,
        # After a conflict, saving again deliberately replaces the other version with this text.
        "revision": conflict.note.revision if conflict is not None else _revision(form, note),
        "addendum_form": addendum_form or AddendumForm(),
        "search_form": search_form or DiagnosisSearchForm(),
        "matches": matches,
        "searched": matches is not None,
        "conflict": conflict,
        "restored": restored,
        "error": error,
        "sign_refusal": sign_refusal(note) if note is not None else "",
        "keeps_psychotherapy_notes": access.writes
        and keeps_psychotherapy_notes(request.user, visit, documentable=access.documentable),
        "urls": panel_urls(visit),
        "zone_name": getattr(request, "viewer_zone_name", ""),
        "code_source": "ICD-10-CM FY2026 (CMS, CDC NCHS)",
        "audit_records": records,
        "audit_what": "visit note" if note is not None else "visit",
    }


def _revision(form: NoteDraftForm | None, note: VisitNote | None) -> int:
    """The revision the form's text started from (what the hidden field carries)."""
    if form is not None and form.is_bound:
        try:
            return int(form.data.get("revision") or 0)
        except (TypeError, ValueError):
            return 0
    return note.revision if note is not None else 0
