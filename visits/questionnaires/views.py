"""Patients answer questionnaires; crisis answers show help at once and alert their clinicians."""

from django.contrib import messages
from django.db.models import BigIntegerField, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policy
from accounts.models import Role, User
from accounts.policy import allow
from config.html import conditional_escape, escape
from config.prepared import Param, Prepared, Viewer
from visits.audit import audit_read
from visits.questionnaires import engine
from visits.questionnaires.forms import AlertAcknowledgeForm, QuestionnaireForm
from visits.questionnaires.models import Questionnaire, QuestionnaireResponse, SafetyAlert
from visits.questionnaires.selectors import (
    SCORED_SLUGS,
    alert_history,
    alert_page,
    for_alert_page,
    newest_titles,
    score_history,
)
from visits.questionnaires.services import (
    alert_acknowledge,
    check_ins_set,
    response_save_draft,
    response_start,
    response_submit,
)
from visits.scheduling.models import Visit
from visits.templatetags.remembered_urls import remembered_reverse
from visits.web import (
    SignedInRequest,
    client_ip,
    clinical_patient_or_404,
    go,
    page_number,
    render_page,
)

# The symptom checks' newest titles: built and compiled once (config.prepared).
SYMPTOM_TITLES = Prepared(
    lambda: (
        Questionnaire.objects.filter(kind=Questionnaire.Kind.SYMPTOM)
        .order_by("slug", "-version")
        .values_list("slug", "title")
    )
)


@allow(Role.PATIENT)
@require_GET
def symptom_start(request: SignedInRequest) -> HttpResponse:
    """Choose the complaint; each has a short symptom questionnaire."""
    # The newest version's title of each, read as plain values (not their definitions), and
    # each choice written once here rather than by a link and two lookups a row.
    latest = newest_titles(SYMPTOM_TITLES.run())
    choices = SafeString(
        "".join(
            f'\n    <li><a class="choice" href="{escape(remembered_reverse("questionnaire_answer", [slug]))}">'
            f"<strong>{escape(title)}</strong></a></li>\n  "
            for slug, title in latest.items()
        )
    )
    return render(
        request,
        "visits/questionnaires/symptom_start.html",
        {"questionnaires": latest, "choices_markup": choices},
    )


def _answer(request: SignedInRequest, slug: str, *, visit: Visit | None) -> HttpResponse:
    try:
        response = response_start(
            patient=request.user, slug=slug, visit=visit, shown=request.POST.get("_response")
        )
    except Questionnaire.DoesNotExist as missing:
        raise Http404("No such questionnaire.") from missing
    definition = response.questionnaire.definition
    action = request.path
    errors: dict = {}
    if request.method == "POST":
        if request.POST.get("_draft"):
            # htmx, on every change: keep the draft, show newly relevant items and any crisis help.
            if response.submitted_at or not response_save_draft(
                response=response, data=request.POST
            ):
                # The same page's submit got there first: show what was submitted.
                return go(request, reverse("questionnaire_result", args=[response.pk]))
        else:
            submission = response_submit(response=response, data=request.POST)
            if submission.ok:
                return go(request, reverse("questionnaire_result", args=[response.pk]))
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
    return render_page(
        request,
        "visits/questionnaires/questionnaire_answer.html",
        {
            "questionnaire": response.questionnaire,
            "response_id": response.pk,
            "definition": definition,
            "form": form,
            "action": action,
            "visit": visit,
            "crisis": any(flag.kind == "crisis" for flag in flags),
            "emergency": any(flag.kind == "emergency" for flag in flags),
            "error_count": len(errors),
        },
        partial="questionnaire-form",
    )


@allow(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def questionnaire_answer(request: SignedInRequest, slug: str) -> HttpResponse:
    """Answer a questionnaire; drafts are kept as the patient goes."""
    return _answer(request, slug, visit=None)


@allow(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def visit_questionnaire(request: SignedInRequest, visit_id, slug: str) -> HttpResponse:
    """Answer the questionnaire a visit asks for before it starts."""
    visits = Visit.objects.visible_to(request.user).select_related("visit_type")
    visit = get_object_or_404(visits, pk=visit_id)
    if slug not in visit.visit_type.questionnaires:
        raise Http404("No such questionnaire for this visit.")
    return _answer(request, slug, visit=visit)


def _submitted_response(viewer, response) -> QuerySet:
    """A submitted response the viewer may read (the policy), with its questionnaire; anyone
    but the patient, who is loaded with their profile already, reads the patient's name too."""
    related = (
        ["questionnaire"]
        if viewer.role == Role.PATIENT
        else ["questionnaire", "patient__patient_profile"]
    )
    return (
        policy.CLINICAL_RECORDS.filter(
            QuestionnaireResponse.objects.submitted().select_related(*related), viewer
        )
        .filter(pk=response)
        .order_by("pk")
    )


SUBMITTED_RESPONSE = Prepared(
    _submitted_response, viewer=Viewer(), response=Param("response", BigIntegerField())
)


@allow(Role.PATIENT, Role.CLINICIAN)
@require_GET
def questionnaire_result(request: SignedInRequest, response_id: int) -> HttpResponse:
    """A submitted response: score and band, red flags first, then every answer."""
    # A patient reads only their own responses (the policy), and is already loaded with their
    # profile; anyone else reads the patient's name too.
    found = SUBMITTED_RESPONSE.run(viewer=request.user, response=response_id, limit=1)
    if not found:
        raise Http404("No such response.")
    response = found[0]
    if response.patient_id == request.user.pk:
        response.patient = request.user
    audit_read(request, what="questionnaire response", records=[(response.patient_id, response.pk)])
    return render(
        request,
        "visits/questionnaires/questionnaire_result.html",
        {
            "response": response,
            "answers_markup": _answers_markup(response),
            "is_own": response.patient_id == request.user.pk,
        },
    )


def _answers_markup(response: QuestionnaireResponse) -> SafeString:
    """Each asked item and its answer in words, written once here rather than by lookups a row."""
    return SafeString(
        "".join(
            f"<dt>{conditional_escape(item['text'])}</dt><dd>{conditional_escape(str(shown))}</dd>"
            for item, shown in response.items_with_answers()
        )
    )


ASSIGNED_ALERT = Prepared(
    lambda viewer, alert: (
        for_alert_page(policy.ASSIGNED_SAFETY_ALERTS.filter(SafetyAlert.objects.all(), viewer))
        .filter(pk=alert)
        .order_by("pk")
    ),
    viewer=Viewer(),
    alert=Param("alert", BigIntegerField()),
)


def _assigned_alert(request: SignedInRequest, alert_id: int) -> SafetyAlert:
    """The alert, if it is this clinician's to answer (policy.ASSIGNED_SAFETY_ALERTS); else 404."""
    found = ASSIGNED_ALERT.run(viewer=request.user, alert=alert_id, limit=1)
    if not found:
        raise Http404("No such alert.")
    return found[0]


def _alert_response_page(
    request: SignedInRequest, alert: SafetyAlert, form: AlertAcknowledgeForm
) -> HttpResponse:
    page = alert_page(alert)
    audit_read(request, what="safety alert", records=[(alert.patient_id, alert.pk)])
    return render_page(
        request,
        "visits/questionnaires/safety_alert_detail.html",
        page | {"form": form},
        partial="alert-acknowledge",
    )


@allow(Role.CLINICIAN)
@require_GET
def safety_alert_detail(request: SignedInRequest, alert_id: int) -> HttpResponse:
    """The page a responsible clinician answers an alert from: whom to call, and what was done."""
    alert = _assigned_alert(request, alert_id)
    return _alert_response_page(request, alert, AlertAcknowledgeForm())


@allow(Role.CLINICIAN)
@require_POST
def safety_alert_acknowledge(request: SignedInRequest, alert_id: int) -> HttpResponse:
    """A responsible clinician acknowledges a safety alert with what they did; who and when are
    recorded, and it leaves the dashboards."""
    alert = _assigned_alert(request, alert_id)
    form = AlertAcknowledgeForm(request.POST)
    if alert.acknowledged_at is None and not form.is_valid():
        return _alert_response_page(request, alert, form)
    if alert.acknowledged_at is None:
        alert = alert_acknowledge(
            alert=alert,
            actor=request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            ip_address=client_ip(request),
        )
    if alert.acknowledged_by_id != request.user.pk:
        messages.info(request, "Another clinician acknowledged this alert a moment ago.")
        return go(request, reverse("safety_alert_detail", args=[alert.pk]))
    messages.success(request, f"Safety alert acknowledged: {alert.get_outcome_display()}.")
    return go(request, reverse("clinician_dashboard"))


@allow(Role.CLINICIAN)
@require_GET
def patient_alerts(request: SignedInRequest, patient_id: int) -> HttpResponse:
    """Every safety alert a patient raised, who had it and what was done: for their clinicians."""
    patient = clinical_patient_or_404(request, patient_id)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    history = alert_history(patient, page=page)
    if history["alerts"]:
        audit_read(request, what="safety alert history", records=[(patient.pk, f"page {page}")])
    return render(request, "visits/questionnaires/safety_alert_history.html", history)


def _score_history(request: SignedInRequest, patient: User) -> HttpResponse:
    history = score_history(patient, page=page_number(request.GET.get("page")))
    if history["responses"]:
        audit_read(request, what="score history", records=[(patient.pk, ",".join(SCORED_SLUGS))])
    return render(
        request,
        "visits/questionnaires/score_history.html",
        history | {"is_own": patient.pk == request.user.pk},
    )


@allow(Role.PATIENT)
@require_GET
def my_scores(request: SignedInRequest) -> HttpResponse:
    """A patient's PHQ-9 and GAD-7 totals over time."""
    return _score_history(request, request.user)


@allow(Role.CLINICIAN)
@require_GET
def patient_scores(request: SignedInRequest, patient_id: int) -> HttpResponse:
    """A treating clinician's view of a patient's PHQ-9 and GAD-7 totals over time."""
    return _score_history(request, clinical_patient_or_404(request, patient_id))


@allow(Role.CLINICIAN)
@require_POST
def check_in_toggle(request: SignedInRequest, visit_id) -> HttpResponse:
    """The treating clinician switches a client's pre-session check-ins off or back on."""
    visits = policy.CHECK_IN_SETTINGS.filter(Visit.objects.all(), request.user)
    visit = get_object_or_404(visits, pk=visit_id)
    enabled = request.POST.get("enabled") == "1"
    check_ins_set(visit=visit, enabled=enabled, actor=request.user, ip_address=client_ip(request))
    messages.success(request, f"Check-ins are {'on' if enabled else 'off'} for this client.")
    return go(request, reverse("scheduling:visit_detail", args=[visit.pk]))
