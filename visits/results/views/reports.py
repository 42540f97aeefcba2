"""Lab reports for clinicians: values, holds and release, critical alerts, results typed by hand."""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policy
from accounts.models import Role, User
from accounts.policy import allow
from visits.audit import audit_page, audit_read
from visits.intake.selectors import emergency_contact
from visits.records.models import LabOrder
from visits.records.note_panel import own_visit
from visits.results.clinician_forms import CriticalAcknowledgeForm, HoldForm, ResultEntryForm
from visits.results.critical import (
    critical_alert_acknowledge,
    critical_alert_for,
    critical_alert_history_for,
    open_critical_alerts_for,
)
from visits.results.models import CriticalResultAlert, LabReport
from visits.results.release import HoldRefused, can_hold, report_hold, report_release
from visits.results.report_selectors import report_for_clinician, report_observations
from visits.results.services import ManualResult, result_enter
from visits.scheduling.models import Visit
from visits.web import SignedInRequest, client_ip, go, render_page

REPORT_TEMPLATE = "visits/results/report_detail.html"


def _report(request: SignedInRequest, pk: int) -> LabReport:
    report = report_for_clinician(request.user, pk)
    if report is None:
        raise Http404
    return report


def _report_page(
    request: SignedInRequest,
    report: LabReport,
    *,
    hold_form: HoldForm | None = None,
    refusal: str = "",
) -> HttpResponse:
    observations = report_observations(report)
    audit_read(request, what="lab report", records=[(report.patient_id, report.pk)])
    return render_page(
        request,
        REPORT_TEMPLATE,
        {
            "report": report,
            "patient": report.patient,
            "profile": report.patient.patient_profile_or_none,
            "observations": observations,
            "can_hold": can_hold(request.user, report),
            "hold_form": hold_form or HoldForm(),
            "refusal": refusal,
        },
        partial="report-release",
    )


@allow(Role.CLINICIAN)
@require_GET
def report_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """One lab report for a clinician who treats the patient: every value with its range and
    flag, corrections beside what they replaced, and whether the patient can read it yet."""
    return _report_page(request, _report(request, pk))


@allow(Role.CLINICIAN)
@require_POST
def report_hold_view(request: SignedInRequest, pk: int) -> HttpResponse:
    """The ordering clinician holds the report from the patient, saying why."""
    report = _report(request, pk)
    form = HoldForm(request.POST)
    if not form.is_valid():
        return _report_page(request, report, hold_form=form)
    try:
        report = report_hold(
            report=report,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            ip_address=client_ip(request),
        )
    except HoldRefused as refused:
        return _report_page(request, report, hold_form=form, refusal=str(refused))
    messages.success(request, "Results held for your review. The patient sees them as pending.")
    return go(request, reverse("results:report_detail", args=[report.pk]))


@allow(Role.CLINICIAN)
@require_POST
def report_release_view(request: SignedInRequest, pk: int) -> HttpResponse:
    """The ordering clinician releases the report to the patient now."""
    report = _report(request, pk)
    try:
        report = report_release(report=report, actor=request.user, ip_address=client_ip(request))
    except HoldRefused as refused:
        return _report_page(request, report, refusal=str(refused))
    messages.success(request, "Results released. The patient has been told they are ready.")
    return go(request, reverse("results:report_detail", args=[report.pk]))


def _alert(request: SignedInRequest, pk: int) -> CriticalResultAlert:
    """The alert if it is this clinician's to answer (policy.CRITICAL_RESULT_ALERTS); else 404."""
    try:
        return critical_alert_for(request.user, pk)
    except ObjectDoesNotExist as missing:
        raise Http404("No such alert.") from missing


def _alert_page(
    request: SignedInRequest, alert: CriticalResultAlert, form: CriticalAcknowledgeForm
) -> HttpResponse:
    audit_read(request, what="critical result alert", records=[(alert.patient_id, alert.pk)])
    return render_page(
        request,
        "visits/results/critical_alert_detail.html",
        {
            "alert": alert,
            "observation": alert.observation,
            "report": alert.observation.report,
            "patient": alert.patient,
            "profile": alert.patient.patient_profile_or_none,
            "emergency_contact": emergency_contact(alert.patient),
            "form": form,
        },
        partial="critical-acknowledge",
    )


@allow(Role.CLINICIAN)
@require_GET
def critical_alert_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """A critical value the clinician must act on: the value, its range, whom to call, and the
    form to record what was done."""
    return _alert_page(request, _alert(request, pk), CriticalAcknowledgeForm())


@allow(Role.CLINICIAN)
@require_POST
def critical_alert_acknowledge_view(request: SignedInRequest, pk: int) -> HttpResponse:
    """The clinician acknowledges the critical result with what they did; who and when are
    recorded, and it leaves the dashboards."""
    alert = _alert(request, pk)
    form = CriticalAcknowledgeForm(request.POST)
    if alert.acknowledged_at is None:
        if not form.is_valid():
            return _alert_page(request, alert, form)
        alert = critical_alert_acknowledge(
            alert=alert,
            actor=request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            ip_address=client_ip(request),
        )
        messages.success(request, f"Critical result acknowledged: {alert.get_outcome_display()}.")
    return go(request, reverse("clinician_dashboard"))


@allow(Role.CLINICIAN)
@require_GET
def critical_alerts(request: SignedInRequest) -> HttpResponse:
    """The clinician's open critical-result alerts, oldest first, and those lately acknowledged."""
    open_alerts = list(open_critical_alerts_for(request.user))
    history = critical_alert_history_for(request.user)
    audit_page(
        request,
        {"critical result alert": [(a.patient_id, a.pk) for a in [*open_alerts, *history]]},
    )
    return render_page(
        request,
        "visits/results/critical_alerts.html",
        {"alerts": open_alerts, "history": history},
    )


def _entry_page(
    request: SignedInRequest, *, patient: User, order: LabOrder | None, visit: Visit | None
) -> HttpResponse:
    ordering_clinician_id = order.ordering_clinician_id if order is not None else request.user.pk
    may_hold = ordering_clinician_id == request.user.pk
    if request.method == "POST":
        form = ResultEntryForm(request.POST, can_hold=may_hold)
        if form.is_valid():
            data = form.cleaned_data
            number = form.number
            report = result_enter(
                patient=patient,
                order=order,
                actor=request.user,
                result=ManualResult(
                    name=data["name"],
                    loinc_code=data["loinc_code"],
                    value=number,
                    value_text="" if number is not None else data["value"],
                    unit=data["unit"],
                    reference_low=data["reference_low"],
                    reference_high=data["reference_high"],
                    critical_low=data["critical_low"],
                    critical_high=data["critical_high"],
                    status=data["status"],
                    collected_at=data["collected_at"],
                ),
                hold_reason=data.get("hold_reason", "") if data.get("hold") else "",
                ip_address=client_ip(request),
            )
            messages.success(request, f"{report.name} recorded.")
            return go(request, reverse("results:report_detail", args=[report.pk]))
    else:
        initial = {"name": order.test_name, "loinc_code": order.loinc_code} if order else {}
        form = ResultEntryForm(initial=initial, can_hold=may_hold)
    if order is not None:
        audit_read(request, what="lab order", records=[(patient.pk, order.pk)])
    elif visit is not None:
        audit_read(request, what="visit", records=[(patient.pk, visit.pk)])
    return render_page(
        request,
        "visits/results/result_entry.html",
        {
            "form": form,
            "patient": patient,
            "profile": patient.patient_profile_or_none,
            "order": order,
            "visit": visit,
            "action": request.path,
        },
        partial="result-entry",
    )


@allow(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def result_entry(request: SignedInRequest, order_id: int) -> HttpResponse:
    """Enter a result by hand for a lab order, for a clinician who treats its patient."""
    orders = policy.CLINICAL_RECORDS.filter(
        LabOrder.objects.select_related("patient__patient_profile", "visit"), request.user
    )
    order = get_object_or_404(orders, pk=order_id)
    return _entry_page(request, patient=order.patient, order=order, visit=order.visit)


@allow(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def visit_result_entry(request: SignedInRequest, visit_id) -> HttpResponse:
    """Enter a result by hand from one of the clinician's own visits (no order placed here)."""
    visit = own_visit(request.user, visit_id)
    if visit is None:
        raise Http404("No such visit.")
    return _entry_page(request, patient=visit.patient, order=None, visit=visit)
