"""The intake: patients fill it in step by step with drafts kept; clinicians and staff read it."""

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from accounts.policy import allow
from accounts.sessions import restores_pending_form, take_pending_form
from visits.audit import audit_read
from visits.intake.display import STEP_TEMPLATE, draft_time, step_context, step_url
from visits.intake.forms import STEP_FORMS, ConsentsForm, IntakeStepForm, RowsStepForm, form_options
from visits.intake.models import Intake, IntakeStep
from visits.intake.selectors import intake_of, intake_page, intake_patient
from visits.intake.services import (
    intake_autosave,
    intake_for,
    intake_remember_step,
    intake_save_draft,
    intake_save_step,
    intake_sign_consents,
)
from visits.scheduling.models import Visit
from visits.web import SignedInRequest, client_ip, go, render_page

NO_DETAILS_MESSAGE = (
    "Add your details first: your legal name is needed to sign the consents in your health history."
)


@allow(Role.PATIENT)
@require_GET
def intake_start(request: SignedInRequest) -> HttpResponse:
    """Back to the step the patient left, else the first one missing, else their answers."""
    intake = intake_of(request.user)
    if intake is None:
        return redirect(step_url(IntakeStep.DEMOGRAPHICS))
    if intake.current_step:
        return redirect(step_url(IntakeStep(intake.current_step)))
    missing = intake.missing_steps
    if missing:
        return redirect(step_url(missing[0]))
    return redirect("patient_intake", patient_id=request.user.pk)


@restores_pending_form
@allow(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def intake_step(request: SignedInRequest, step: str) -> HttpResponse:
    """One step of the intake: drafts autosaved, rows added and removed inline, saved when valid."""
    try:
        step = IntakeStep(step)
    except ValueError as unknown:
        raise Http404("No such intake step.") from unknown
    profile = request.user.patient_profile_or_none
    if profile is None:
        messages.info(request, NO_DETAILS_MESSAGE)
        return go(request, reverse("profile_edit"))
    intake = intake_for(request.user)
    form_class = STEP_FORMS[step]
    form: IntakeStepForm
    options = form_options(step, intake, profile.legal_name)
    extra: dict = {}

    if request.method == "POST":
        raw = form_class.raw_from(request.POST)
        if request.POST.get("_draft"):
            intake, autosave = intake_autosave(
                intake=intake,
                step=step,
                raw=raw,
                basis=request.POST.get("_basis"),
                says_same_as=form_class(raw, bound=True, **options).says_same_as,
            )
            if request.htmx:
                return render_page(
                    request,
                    STEP_TEMPLATE,
                    {
                        "draft_saved_at": draft_time(intake, step),
                        "zone": profile.zone,
                        "autosave": autosave,
                    },
                    partial="draft-status",
                )
            return redirect(step_url(step))
        if issubclass(form_class, RowsStepForm) and form_class.asks_to_change_rows(request.POST):
            raw, focus_row, extra["rows_status"] = form_class.change_rows(raw, request.POST)
            extra["focus_status"] = focus_row is None
            intake = intake_save_draft(intake=intake, step=step, raw=raw)
            form = form_class(raw, focus_row=focus_row)
        else:
            form = form_class(raw, bound=True, **options)
            if form.is_valid():
                return _saved(request, intake, step, form)
            # Invalid: keep everything typed as the draft, and show it with the messages.
            intake = intake_save_draft(intake=intake, step=step, raw=raw)
    else:
        pending = take_pending_form(request)
        if pending is not None:
            # Posted when the session had expired: restore it as this step's draft.
            intake = intake_save_draft(intake=intake, step=step, raw=form_class.raw_from(pending))
        else:
            intake_remember_step(intake=intake, step=step)
        draft = intake.drafts.get(step)
        if draft is not None:
            raw = draft["raw"]
            extra["resumed_draft"] = True
        else:
            raw = form_class.raw_from_answers(intake.answers.get(step, {}))
        form = form_class(raw, **options)

    context = step_context(step, intake, form, profile.zone) | extra
    return render_page(request, STEP_TEMPLATE, context, partial="intake-step")


def _saved(
    request: SignedInRequest, intake: Intake, step: IntakeStep, form: IntakeStepForm
) -> HttpResponse:
    """After a valid step: save it, then on to the next missing step or the finished intake."""
    was_complete = intake.is_complete
    if isinstance(form, ConsentsForm):
        intake = intake_sign_consents(
            intake=intake, signatures=form.signatures(), ip_address=client_ip(request)
        )
    else:
        intake = intake_save_step(intake=intake, step=step, answers=form.answers())
    if intake.current_step:
        messages.success(request, f"Saved: {step.label.lower()}.")
        return go(request, step_url(IntakeStep(intake.current_step)))
    if was_complete:
        messages.success(
            request, f"Saved: {step.label.lower()}. Your health history is up to date."
        )
    else:
        messages.success(
            request, "Your health history is complete. Thank you: your clinician will read it."
        )
    return go(request, reverse("patient_intake", args=[request.user.pk]))


@allow(Role.PATIENT, Role.CLINICIAN, Role.STAFF)
@require_GET
def patient_intake(request: SignedInRequest, patient_id: int) -> HttpResponse:
    """A patient's intake as it stands, or as it was at a visit, in the sections this user may see."""
    found = intake_patient(request.user, patient_id)
    if found is None:
        raise Http404("No such patient.")
    patient, access = found
    visit = None
    if request.GET.get("visit"):
        try:
            visit_id = uuid.UUID(request.GET["visit"])
        except ValueError as bad:
            raise Http404("No such visit.") from bad
        visits = Visit.objects.visible_to(request.user).filter(patient=patient)
        visit = get_object_or_404(
            visits.select_related("visit_type", "provider__user"), pk=visit_id
        )
    page = intake_page(request.user, patient, visit=visit, access=access)
    audit_read(request, what="intake", records=[page.record])
    return render_page(request, "visits/intake/patient_intake.html", page.context)
