"""Psychotherapy notes: a therapist's process notes, kept apart from the visit's record.

HIPAA's Privacy Rule (45 CFR 164.501) keeps them from everyone but their author: the page is
the visit's own therapist's or psychiatrist's, and shows only notes they wrote themselves
(policy.PSYCHOTHERAPY_NOTES). Nobody else learns that the page or its notes exist (404).
"""

from django.contrib import messages
from django.db.models import BigIntegerField, UUIDField
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import policy
from accounts.models import Role
from accounts.policy import allow
from accounts.sessions import restores_pending_form, take_pending_form
from config.prepared import Param, Prepared, Viewer
from visits.audit import audit_page
from visits.records.models import PsychotherapyNote
from visits.records.note_forms import PsychotherapyNoteForm
from visits.records.note_panel import own_visit
from visits.records.notes import NoteRefused, keeps_psychotherapy_notes, psychotherapy_note_save
from visits.web import SignedInRequest, client_ip

TEMPLATE = "visits/records/psychotherapy_notes.html"
EARLIER_SHOWN = 20

# The page's reads, built and compiled once (config.prepared).
VISIT = Param("visit", UUIDField())
SESSION_NOTE = Prepared(
    lambda viewer, visit: (
        policy.PSYCHOTHERAPY_NOTES.filter(PsychotherapyNote.objects.all(), viewer)
        .filter(visit=visit)
        .order_by("pk")
    ),
    viewer=Viewer(),
    visit=VISIT,
)
EARLIER_NOTES = Prepared(
    lambda viewer, patient, visit: (
        policy.PSYCHOTHERAPY_NOTES.filter(PsychotherapyNote.objects.all(), viewer)
        .filter(patient_id=patient)
        .exclude(visit=visit)
        .select_related("visit")
        .order_by("-created_at")
    ),
    viewer=Viewer(),
    patient=Param("patient", BigIntegerField()),
    visit=VISIT,
)


@restores_pending_form
@allow(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def psychotherapy_notes(request: SignedInRequest, visit_id: object) -> HttpResponse:
    """The session's psychotherapy note (written and changed here) and the author's earlier ones
    for this patient."""
    visit = own_visit(request.user, visit_id)
    # Read through DOCUMENTABLE_VISITS, so the rule's answer for this visit is already yes.
    if visit is None or not keeps_psychotherapy_notes(request.user, visit, documentable=True):
        raise Http404("No such page.")
    found = SESSION_NOTE.run(viewer=request.user, visit=visit.pk, limit=1)
    current = found[0] if found else None
    status = 200
    if request.method == "POST":
        form = PsychotherapyNoteForm(request.POST)
        if form.is_valid():
            try:
                psychotherapy_note_save(
                    visit=visit,
                    actor=request.user,
                    text=form.cleaned_data["text"],
                    ip_address=client_ip(request),
                )
            except NoteRefused as refused:
                form.add_error("text", str(refused))
            else:
                messages.success(request, "Psychotherapy note saved. Only you can read it.")
                return redirect("records:psychotherapy_notes", visit_id=visit.pk)
        status = 400
    else:
        pending = take_pending_form(request)
        if pending is not None:
            form = PsychotherapyNoteForm(pending)
        else:
            form = PsychotherapyNoteForm(initial={"text": current.text if current else ""})
    earlier = EARLIER_NOTES.run(
        viewer=request.user, patient=visit.patient_id, visit=visit.pk, limit=EARLIER_SHOWN
    )
    shown = [(visit.patient_id, note.pk) for note in [current, *earlier] if note is not None]
    audit_page(request, {"psychotherapy note": shown or [(visit.patient_id, visit.pk)]})
    profile = visit.patient.patient_profile_or_none
    context = {
        "visit": visit,
        "patient_name": profile.legal_name if profile else visit.patient.get_full_name(),
        "form": form,
        "current": current,
        "earlier": earlier,
        "restored": request.method == "GET" and form.is_bound,
        "zone_name": getattr(request, "viewer_zone_name", ""),
    }
    return render(request, TEMPLATE, context, status=status)
