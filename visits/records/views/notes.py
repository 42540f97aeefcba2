"""The visit note, its addenda, its diagnoses and the after-visit summary.

One form holds the note and the summary. htmx saves it as a draft a second after typing
stops; without JavaScript, "Save draft", "Search", "Add" and "Review and sign" post the same
form, so whatever the clinician typed is saved before anything else happens. The note page
is the visit's clinician's to write; other clinicians treating the patient read it signed.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import time as time_filter
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from accounts.policy import allow
from accounts.sessions import restores_pending_form, take_pending_form
from visits.audit import audit_page
from visits.records import icd10
from visits.records.note_forms import AddendumForm, DiagnosisSearchForm, NoteDraftForm
from visits.records.note_panel import (
    PANEL_TEMPLATE,
    NoteAccess,
    note_access,
    note_panel_context,
    panel_urls,
)
from visits.records.notes import (
    DraftConflict,
    DraftSaved,
    NoteRefused,
    note_add_addendum,
    note_add_diagnosis,
    note_remove_diagnosis,
    note_save_draft,
    note_sign,
)
from visits.web import SignedInRequest, client_ip, go

PAGE_TEMPLATE = "visits/records/visit_note.html"
SIGN_TEMPLATE = "visits/records/visit_note_sign.html"


def _page(
    request: SignedInRequest, access: NoteAccess, *, status: int = 200, **panel
) -> HttpResponse:
    """The note page, audited: one event for the patient shown."""
    context = note_panel_context(request, access, **panel)
    audit_page(request, {context["audit_what"]: context["audit_records"]})
    return render(request, PAGE_TEMPLATE, context, status=status)


def _writer(request: SignedInRequest, visit_id: object) -> NoteAccess:
    """The visit, for its own clinician only: everyone else's write is "not there" (404)."""
    access = note_access(request, visit_id)
    if not access.writes:
        raise Http404("No such visit note.")
    return access


def _save_typed(
    request: SignedInRequest, access: NoteAccess
) -> tuple[DraftSaved | None, HttpResponse | None]:
    """Save what the posted form holds as the draft, before the button's own action.

    Returns the save, or the response to send instead: the page again with the errors, or with
    the other tab's version beside what was typed when it was saved meanwhile.
    """
    form = NoteDraftForm(request.POST)
    if not form.is_valid():
        return None, _draft_response(request, access, form=form, status=400)
    try:
        saved = note_save_draft(
            visit=access.visit,
            actor=request.user,
            text=form.text(),
            revision=form.typed_revision(),
            ip_address=client_ip(request),
        )
    except DraftConflict as conflict:
        return None, _draft_response(request, access, form=form, conflict=conflict, status=409)
    except NoteRefused as refused:
        messages.error(request, str(refused))
        return None, go(request, reverse("records:visit_note", args=[access.visit.pk]))
    return saved, None


def _draft_response(
    request: SignedInRequest,
    access: NoteAccess,
    *,
    form: NoteDraftForm,
    conflict: DraftConflict | None = None,
    status: int,
) -> HttpResponse:
    if request.htmx:
        # The autosave's status line says so; the text stays in the fields, unsent again.
        context = {"conflict": conflict, "invalid": conflict is None}
        response = render(request, f"{PANEL_TEMPLATE}#draft-status", context)
        response.status_code = 200  # htmx swaps only successful answers
        return response
    return _page(request, access, form=form, conflict=conflict, status=status)


def _saved_words(request: SignedInRequest, saved: DraftSaved) -> str:
    """ "Saved at 10:42 AM Central time": in the viewer's zone, named."""
    at = time_filter(timezone.localtime(saved.note.updated_at), "g:i A")
    zone = getattr(request, "viewer_zone_name", "")
    return f"Saved at {at} {zone}".strip()


@allow(Role.CLINICIAN)
@require_GET
def visit_note(request: SignedInRequest, visit_id: object) -> HttpResponse:
    """The note of a visit: its clinician's editor, or the signed note read-only for others."""
    access = note_access(request, visit_id, with_record=True)
    return _page(request, access)


@restores_pending_form
@allow(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def visit_note_draft(request: SignedInRequest, visit_id: object) -> HttpResponse:
    """Save the draft: as the clinician types (htmx), or with "Save draft" (no JavaScript).

    Opened after signing in again (a save was posted when the session had run out), it shows
    the note with what was being saved put back into the form, for the clinician to save.
    """
    access = _writer(request, visit_id)
    if request.method == "GET":
        pending = take_pending_form(request)
        if pending is None:
            return redirect("records:visit_note", visit_id=access.visit.pk)
        form = NoteDraftForm(pending)
        form.is_valid()
        return _page(request, access, form=form, restored=True)
    saved, refused = _save_typed(request, access)
    if refused is not None or saved is None:
        return refused or redirect("records:visit_note", visit_id=access.visit.pk)
    if request.htmx:
        context = {
            "saved_words": _saved_words(request, saved),
            "revision": saved.note.revision,
            "oob_revision": True,
        }
        return render(request, f"{PANEL_TEMPLATE}#draft-status", context)
    messages.success(request, f"Draft {_saved_words(request, saved).lower()}.")
    return redirect("records:visit_note", visit_id=access.visit.pk)


@allow(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def visit_note_sign(request: SignedInRequest, visit_id: object) -> HttpResponse:
    """Sign the note, with a review step first that works without JavaScript.

    "Review and sign" posts the note's form here: the draft is saved and the review page shows
    the note as it will be signed; its "Sign note" button signs that revision.
    """
    access = _writer(request, visit_id)
    visit = access.visit
    if request.method == "POST" and request.POST.get("confirm") == "sign":
        try:
            revision = int(request.POST.get("revision", ""))
        except ValueError:
            revision = -1
        try:
            note_sign(
                visit=visit, actor=request.user, revision=revision, ip_address=client_ip(request)
            )
        except NoteRefused as not_signed:
            messages.error(request, str(not_signed))
            return go(request, reverse("records:visit_note_sign", args=[visit.pk]))
        messages.success(
            request, "Note signed. The after-visit summary is now the patient's to read."
        )
        return go(request, reverse("records:visit_note", args=[visit.pk]))
    if request.method == "POST":
        _, unsaved = _save_typed(request, access)
        if unsaved is not None:
            return unsaved
        return go(request, reverse("records:visit_note_sign", args=[visit.pk]))
    context = note_panel_context(request, access)
    if context["note"] is not None and context["note"].is_signed:
        return redirect("records:visit_note", visit_id=visit.pk)
    audit_page(request, {context["audit_what"]: context["audit_records"]})
    return render(request, SIGN_TEMPLATE, context)


@allow(Role.CLINICIAN)
@require_POST
def visit_note_addendum(request: SignedInRequest, visit_id: object) -> HttpResponse:
    """Add an addendum to the signed note, with the clinician's name and the time."""
    access = _writer(request, visit_id)
    form = AddendumForm(request.POST)
    if not form.is_valid():
        return _page(request, access, addendum_form=form, status=400)
    try:
        note_add_addendum(
            visit=access.visit,
            actor=request.user,
            text=form.cleaned_data["text"],
            ip_address=client_ip(request),
        )
    except NoteRefused as refused:
        form.add_error("text", str(refused))
        return _page(request, access, addendum_form=form, status=400)
    messages.success(request, "Addendum added.")
    return go(request, reverse("records:visit_note", args=[access.visit.pk]) + "#note-addenda")


@allow(Role.CLINICIAN)
@require_POST
def visit_note_diagnosis_search(request: SignedInRequest, visit_id: object) -> HttpResponse:
    """Matches in the clinic's ICD-10-CM list: a list with "Add" buttons for htmx as the
    clinician types; without JavaScript the note is saved and the page shows the matches."""
    access = _writer(request, visit_id)
    search = DiagnosisSearchForm(request.POST)
    query = search.cleaned_data["dx_query"] if search.is_valid() else ""
    matches = icd10.search(query)
    if request.htmx:
        context = {
            "matches": matches,
            "searched": bool(query.strip()),
            "search_form": search,
            "urls": panel_urls(access.visit),
        }
        return render(request, f"{PANEL_TEMPLATE}#diagnosis-matches", context)
    _, refused = _save_typed(request, access)
    if refused is not None:
        return refused
    return _page(request, access, search_form=search, matches=matches if query.strip() else [])


@allow(Role.CLINICIAN)
@require_POST
def visit_note_diagnosis_add(request: SignedInRequest, visit_id: object) -> HttpResponse:
    """Put a code from the list on the draft note; a code not in the list is refused."""
    access = _writer(request, visit_id)
    saved, refused = _save_typed(request, access)
    if refused is not None:
        return refused
    try:
        added = note_add_diagnosis(
            visit=access.visit,
            actor=request.user,
            code=request.POST.get("code", ""),
            ip_address=client_ip(request),
        )
        status = f"Added {added.code} {added.description}."
        error = ""
    except NoteRefused as refused_code:
        status, error = "", str(refused_code)
    return _diagnoses_changed(request, access, saved, status=status, error=error)


@allow(Role.CLINICIAN)
@require_POST
def visit_note_diagnosis_remove(
    request: SignedInRequest, visit_id: object, diagnosis_id: int
) -> HttpResponse:
    """Take a diagnosis off the draft note."""
    access = _writer(request, visit_id)
    saved, refused = _save_typed(request, access)
    if refused is not None:
        return refused
    try:
        removed = note_remove_diagnosis(
            visit=access.visit,
            actor=request.user,
            diagnosis_id=diagnosis_id,
            ip_address=client_ip(request),
        )
        status, error = f"Removed {removed.code} {removed.description}.", ""
    except NoteRefused as refused_code:
        status, error = "", str(refused_code)
    return _diagnoses_changed(request, access, saved, status=status, error=error)


def _diagnoses_changed(
    request: SignedInRequest,
    access: NoteAccess,
    saved: DraftSaved | None,
    *,
    status: str,
    error: str,
) -> HttpResponse:
    """The diagnoses as they now stand: the section alone for htmx, else back to the note."""
    if request.htmx:
        context = note_panel_context(request, access)
        context |= {"diagnoses_status": status, "error": error, "oob_revision": True}
        if saved is not None and saved.changed:
            context["saved_words"] = _saved_words(request, saved)
        return render(request, f"{PANEL_TEMPLATE}#diagnoses", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, status)
    return redirect(reverse("records:visit_note", args=[access.visit.pk]) + "#note-diagnoses")
