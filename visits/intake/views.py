"""The intake: patients fill it in step by step with drafts kept; clinicians and staff read it."""

import datetime
import uuid
from zoneinfo import ZoneInfo

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import PatientProfile, ProviderProfile, Role, User
from accounts.policy import allow
from accounts.sessions import restores_pending_form, take_pending_form
from visits.audit import audit_read
from visits.intake.consents import CONSENTS
from visits.intake.forms import MAX_ROWS, STEP_FORMS, ConsentsForm, IntakeStepForm, RowsStepForm
from visits.intake.models import Intake, IntakeStep
from visits.intake.selectors import intake_as_of, intake_sections_visible_to, intake_summary
from visits.intake.services import (
    intake_discard_draft,
    intake_for,
    intake_remember_step,
    intake_save_draft,
    intake_save_step,
    intake_sign_consents,
)
from visits.scheduling.models import Visit
from visits.web import HtmxHttpRequest

STEP_TEMPLATE = "visits/intake/intake_step.html"
VISITS_LISTED = 20
NO_DETAILS_MESSAGE = (
    "Add your details first: your legal name is needed to sign the consents in your health history."
)


def _step_url(step: IntakeStep) -> str:
    return reverse("intake_step", args=[step.value])


def _go(request: HtmxHttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@allow(Role.PATIENT)
@require_GET
def intake_start(request: HtmxHttpRequest) -> HttpResponse:
    """Back to the step the patient left, else the first one missing, else their answers."""
    intake = Intake.objects.filter(patient=request.user).first()
    if intake is None:
        return redirect(_step_url(IntakeStep.DEMOGRAPHICS))
    if intake.current_step:
        return redirect(_step_url(IntakeStep(intake.current_step)))
    missing = intake.missing_steps
    if missing:
        return redirect(_step_url(missing[0]))
    return redirect("patient_intake", patient_id=request.user.pk)


def _form_options(step: IntakeStep, intake: Intake, profile: PatientProfile) -> dict:
    """What a step's form needs beyond the answers: the consents still to sign."""
    if step != IntakeStep.CONSENTS:
        return {}
    signed = intake.answers.get(IntakeStep.CONSENTS, {})
    return {
        "legal_name": profile.legal_name,
        "to_sign": [
            document
            for slug, document in CONSENTS.items()
            if signed.get(slug, {}).get("version") != document.version
        ],
    }


def _change_rows(
    form_class: type[RowsStepForm], raw: dict, data: QueryDict
) -> tuple[dict, int | None, str]:
    """Add an empty row or remove one; returns the raw answers, the row to focus and a status."""
    rows = raw[form_class.rows_key]
    noun = form_class.row_noun
    if "add_row" in data:
        if len(rows) >= MAX_ROWS:
            return raw, None, f"You can list up to {MAX_ROWS} here; tell your clinician the rest."
        rows.append({})
        return raw, len(rows) - 1, f"Added {noun} {len(rows)}."
    try:
        index = int(data.get("remove_row", ""))
    except ValueError:
        return raw, None, ""
    if 0 <= index < len(rows):
        del rows[index]
        return raw, None, f"Removed {noun} {index + 1}."
    return raw, None, ""


@restores_pending_form
@allow(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def intake_step(request: HtmxHttpRequest, step: str) -> HttpResponse:
    """One step of the intake: drafts autosaved, rows added and removed inline, saved when valid."""
    try:
        step = IntakeStep(step)
    except ValueError as unknown:
        raise Http404("No such intake step.") from unknown
    profile = PatientProfile.objects.filter(user=request.user).first()
    if profile is None:
        messages.info(request, NO_DETAILS_MESSAGE)
        return _go(request, reverse("profile_edit"))
    intake = intake_for(request.user)
    form_class = STEP_FORMS[step]
    options = _form_options(step, intake, profile)
    zone = ZoneInfo(profile.time_zone)
    extra: dict = {}

    if request.method == "POST":
        raw = form_class.raw_from(request.POST)
        if request.POST.get("_draft"):
            if _same_as_saved(form_class(raw, bound=True, **options), intake, step):
                # Nothing new (e.g. an autosave racing the submit): the step has no draft.
                intake = intake_discard_draft(intake=intake, step=step)
            else:
                intake = intake_save_draft(intake=intake, step=step, raw=raw)
            if request.htmx:
                return render(
                    request,
                    f"{STEP_TEMPLATE}#draft-status",
                    {"draft_saved_at": _draft_time(intake, step), "zone": zone, "unchanged": True},
                )
            return redirect(_step_url(step))
        if issubclass(form_class, RowsStepForm) and (
            "add_row" in request.POST or "remove_row" in request.POST
        ):
            raw, focus_row, extra["rows_status"] = _change_rows(form_class, raw, request.POST)
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

    template = STEP_TEMPLATE + ("#intake-step" if request.htmx else "")
    return render(request, template, _step_context(step, intake, form, zone) | extra)


def _same_as_saved(form: IntakeStepForm, intake: Intake, step: IntakeStep) -> bool:
    """Whether a draft says exactly what the step already saved."""
    return (
        step in intake.answers
        and not isinstance(form, ConsentsForm)
        and form.is_valid()
        and form.answers() == intake.answers[step]
    )


def _saved(
    request: HtmxHttpRequest, intake: Intake, step: IntakeStep, form: IntakeStepForm
) -> HttpResponse:
    """After a valid step: save it, then on to the next missing step or the finished intake."""
    was_complete = intake.is_complete
    if isinstance(form, ConsentsForm):
        intake = intake_sign_consents(
            intake=intake,
            signatures=form.signatures(),
            ip_address=get_adapter(request).get_client_ip(request),
        )
    else:
        intake = intake_save_step(intake=intake, step=step, answers=form.answers())
    if intake.current_step:
        messages.success(request, f"Saved: {step.label.lower()}.")
        return _go(request, _step_url(IntakeStep(intake.current_step)))
    if was_complete:
        messages.success(
            request, f"Saved: {step.label.lower()}. Your health history is up to date."
        )
    else:
        messages.success(
            request, "Your health history is complete. Thank you: your clinician will read it."
        )
    return _go(request, reverse("patient_intake", args=[request.user.pk]))


def _documents(form: IntakeStepForm, signed: dict) -> list[dict]:
    """Each consent in full, with its current signature or the field to sign it."""
    documents = []
    for slug, document in CONSENTS.items():
        signature = signed.get(slug)
        if signature and signature.get("version") == document.version:
            signature = {
                **signature,
                "signed_at": datetime.datetime.fromisoformat(signature["signed_at"]),
            }
        else:
            signature = None
        name = ConsentsForm.field_for(document)
        documents.append(
            {
                "document": document,
                "signature": signature,
                "field": form[name] if name in form.fields else None,
            }
        )
    return documents


def _draft_time(intake: Intake, step: IntakeStep) -> datetime.datetime | None:
    draft = intake.drafts.get(step)
    return datetime.datetime.fromisoformat(draft["saved_at"]) if draft else None


def _step_context(step: IntakeStep, intake: Intake, form: IntakeStepForm, zone: ZoneInfo) -> dict:
    missing = intake.missing_steps
    order = list(IntakeStep)
    previous = order[order.index(step) - 1] if step.number > 1 else None
    signed = intake.answers.get(IntakeStep.CONSENTS, {})
    return {
        "step": step,
        "total": len(order),
        "steps": [
            {
                "title": other.label,
                "url": _step_url(other),
                "current": other == step,
                "done": other not in missing,
            }
            for other in order
        ],
        "form": form,
        "error_links": form.error_links() if form.is_bound else [],
        "action": _step_url(step),
        "previous_url": _step_url(previous) if previous else None,
        "is_last": step == IntakeStep.CONSENTS,
        "step_template": f"visits/intake/_step_{step.value}.html",
        "documents": _documents(form, signed) if step == IntakeStep.CONSENTS else [],
        "draft_saved_at": _draft_time(intake, step),
        "zone": zone,
    }


@allow(Role.PATIENT, Role.CLINICIAN, Role.STAFF)
@require_GET
def patient_intake(request: HtmxHttpRequest, patient_id: int) -> HttpResponse:
    """A patient's intake as it stands, or as it was at a visit, in the sections this user may see."""
    patient = get_object_or_404(
        User.objects.select_related("patient_profile"), pk=patient_id, role=Role.PATIENT
    )
    sections = intake_sections_visible_to(request.user, patient)
    if not sections:
        raise Http404("No such patient.")
    intake = Intake.objects.filter(patient=patient).first()
    visits = Visit.objects.visible_to(request.user).filter(patient=patient)
    visit = version = None
    if request.GET.get("visit"):
        try:
            visit_id = uuid.UUID(request.GET["visit"])
        except ValueError as bad:
            raise Http404("No such visit.") from bad
        visit = get_object_or_404(
            visits.select_related("visit_type", "provider__user"), pk=visit_id
        )
        version = intake_as_of(patient, visit.start)
    answers = version.answers if version else (intake.answers if intake else {})
    object_id = ""
    if intake is not None:
        object_id = f"{intake.pk}@v{version.number}" if version else str(intake.pk)
    audit_read(
        request,
        what="intake",
        records=[(patient.pk, object_id)],
    )
    profile = getattr(patient, "patient_profile", None)
    is_own = request.user.pk == patient.pk
    listed = visits.select_related("visit_type", "provider__user").order_by("-start")
    return render(
        request,
        "visits/intake/patient_intake.html",
        {
            "patient": patient,
            "profile": profile,
            "is_own": is_own,
            "intake": intake,
            "summary": intake_summary(answers, sections),
            "hidden_sections": _listed(
                [step.label.lower() for step in IntakeStep if step.value not in sections]
            ),
            "visit": visit,
            "version": version,
            "visits": [] if is_own else list(listed[:VISITS_LISTED]),
            "zone": _viewer_zone(request.user, profile),
            "drafts": [IntakeStep(slug).label for slug in intake.drafts]
            if is_own and intake
            else [],
        },
    )


def _listed(names: list[str]) -> str:
    """'a, b and c', capitalised."""
    if not names:
        return ""
    text = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return text[0].upper() + text[1:]


def _viewer_zone(user: User, patient_profile: PatientProfile | None) -> ZoneInfo:
    """Times in the reader's own zone: a clinician's, else the patient's (staff read with them)."""
    if user.role == Role.CLINICIAN:
        zone = ProviderProfile.objects.filter(user=user).values_list("time_zone", flat=True).first()
        if zone:
            return ZoneInfo(zone)
    return ZoneInfo(patient_profile.time_zone) if patient_profile else ZoneInfo("UTC")
