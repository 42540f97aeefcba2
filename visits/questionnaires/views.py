"""Patients answer questionnaires; crisis answers show help at once and alert their clinicians."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import Role, User
from accounts.policy import allow, can_view_clinical, can_view_visit, treats
from visits.audit import audit_read
from visits.questionnaires import charts, engine
from visits.questionnaires.forms import QuestionnaireForm
from visits.questionnaires.models import (
    CheckInPreference,
    Questionnaire,
    QuestionnaireResponse,
    SafetyAlert,
)
from visits.questionnaires.services import (
    alert_acknowledge,
    response_save_draft,
    response_start,
    response_submit,
)
from visits.scheduling.models import Visit
from visits.web import HtmxHttpRequest


@allow(Role.PATIENT)
@require_GET
def symptom_start(request: HtmxHttpRequest) -> HttpResponse:
    """Choose the complaint; each has a short symptom questionnaire."""
    latest = {}
    for questionnaire in Questionnaire.objects.filter(kind=Questionnaire.Kind.SYMPTOM).order_by(
        "slug", "-version"
    ):
        latest.setdefault(questionnaire.slug, questionnaire)
    return render(
        request, "visits/questionnaires/symptom_start.html", {"questionnaires": latest.values()}
    )


def _answer(request: HtmxHttpRequest, slug: str, *, visit: Visit | None) -> HttpResponse:
    try:
        response = response_start(patient=request.user, slug=slug, visit=visit)
    except Questionnaire.DoesNotExist as missing:
        raise Http404("No such questionnaire.") from missing
    definition = response.questionnaire.definition
    action = request.path
    errors: dict = {}
    if request.method == "POST":
        if request.POST.get("_draft"):
            # htmx, on every change: keep the draft, show newly relevant items and any crisis help.
            response_save_draft(response=response, data=request.POST)
        else:
            submission = response_submit(response=response, data=request.POST)
            if submission.ok:
                url = reverse("questionnaire_result", args=[response.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
            errors = submission.errors
    answers_so_far = engine.clean_answers(definition, response.answers)[0]
    form = QuestionnaireForm(
        definition,
        answers_so_far,
        data=request.POST if request.method == "POST" else None,
        errors=errors,
    )
    # Flags from the answers as typed, so crisis help appears before the form is even sent.
    flags = engine.red_flags(definition, answers_so_far)
    template = "visits/questionnaires/questionnaire_answer.html"
    if request.htmx:
        template += "#questionnaire-form"
    return render(
        request,
        template,
        {
            "questionnaire": response.questionnaire,
            "definition": definition,
            "form": form,
            "action": action,
            "visit": visit,
            "crisis": any(flag.kind == "crisis" for flag in flags),
            "emergency": any(flag.kind == "emergency" for flag in flags),
            "error_count": len(errors),
        },
    )


@allow(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def questionnaire_answer(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Answer a questionnaire; drafts are kept as the patient goes."""
    return _answer(request, slug, visit=None)


@allow(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def visit_questionnaire(request: HtmxHttpRequest, visit_id, slug: str) -> HttpResponse:
    """Answer the questionnaire a visit asks for before it starts."""
    visit = get_object_or_404(Visit.objects.select_related("visit_type"), pk=visit_id)
    if not can_view_visit(request.user, visit) or slug not in visit.visit_type.questionnaires:
        raise Http404("No such questionnaire for this visit.")
    return _answer(request, slug, visit=visit)


@allow(Role.PATIENT, Role.CLINICIAN)
@require_GET
def questionnaire_result(request: HtmxHttpRequest, response_id: int) -> HttpResponse:
    """A submitted response: score and band, red flags first, then every answer."""
    response = get_object_or_404(
        QuestionnaireResponse.objects.select_related("questionnaire", "patient", "visit"),
        pk=response_id,
    )
    if not response.is_submitted or not can_view_clinical(request.user, response.patient):
        raise Http404("No such response.")
    audit_read(
        request,
        what="questionnaire response",
        records=[(response.patient_id, response.pk)],
    )
    return render(
        request,
        "visits/questionnaires/questionnaire_result.html",
        {"response": response, "rows": response.items_with_answers()},
    )


@allow(Role.CLINICIAN)
@require_POST
def safety_alert_acknowledge(request: HtmxHttpRequest, alert_id: int) -> HttpResponse:
    """A treating clinician acknowledges a safety alert; who and when are recorded."""
    alert = get_object_or_404(SafetyAlert.objects.select_related("patient"), pk=alert_id)
    if not treats(request.user, alert.patient):
        raise Http404("No such alert.")
    alert_acknowledge(alert=alert, clinician=request.user, note=request.POST.get("note", ""))
    messages.success(request, "Safety alert acknowledged.")
    url = reverse("clinician_dashboard")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _score_history(request: HtmxHttpRequest, patient: User) -> HttpResponse:
    responses = list(
        QuestionnaireResponse.objects.submitted()
        .filter(patient=patient, questionnaire__slug__in=["phq-9", "gad-7"])
        .select_related("questionnaire")
        .order_by("submitted_at")
    )
    audit_read(
        request,
        what="score history",
        records=[(patient.pk, "phq-9,gad-7")] if responses else [],
    )
    series = charts.score_series(responses)
    return render(
        request,
        "visits/questionnaires/score_history.html",
        {
            "patient": patient,
            "chart": charts.line_chart(series),
            "series": series,
            "responses": responses,
        },
    )


@allow(Role.PATIENT)
@require_GET
def my_scores(request: HtmxHttpRequest) -> HttpResponse:
    """A patient's PHQ-9 and GAD-7 totals over time."""
    return _score_history(request, request.user)


@allow(Role.CLINICIAN)
@require_GET
def patient_scores(request: HtmxHttpRequest, patient_id: int) -> HttpResponse:
    """A treating clinician's view of a patient's PHQ-9 and GAD-7 totals over time."""
    patient = get_object_or_404(User, pk=patient_id, role=Role.PATIENT)
    if not can_view_clinical(request.user, patient):
        raise Http404("No such patient.")
    return _score_history(request, patient)


@allow(Role.CLINICIAN)
@require_POST
def check_in_toggle(request: HtmxHttpRequest, visit_id) -> HttpResponse:
    """The treating clinician switches a client's pre-session check-ins off or back on."""
    visit = get_object_or_404(Visit.objects.select_related("provider"), pk=visit_id)
    if visit.provider.user_id != request.user.pk:
        raise Http404("No such visit.")
    enabled = request.POST.get("enabled") == "1"
    CheckInPreference.objects.update_or_create(
        patient_id=visit.patient_id, provider=visit.provider, defaults={"enabled": enabled}
    )
    messages.success(request, f"Check-ins are {'on' if enabled else 'off'} for this client.")
    url = reverse("scheduling:visit_detail", args=[visit.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
