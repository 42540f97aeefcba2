"""A patient's own results, summaries and medications, and the download of their record.

Each view starts from the access rules (through the selectors) and turns "not theirs" into 404.
A patient's reads of their own record are not audit events; the pages still report what they
showed through the one helper, which leaves the patient's own reads out.
"""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.policy import allow
from visits.audit import audit_page
from visits.results import selectors, trends
from visits.results.export import record_export
from visits.results.history import value_history
from visits.results.lines import trend_line
from visits.results.opening import report_open
from visits.web import SignedInRequest, client_ip, page_number

# Where each list's "show more" link lands on the page.
SECTION_ANCHORS = {
    "visits": "visits",
    "medications": "medications",
    "past_medications": "past-medications",
    "orders": "lab-orders",
    "reports": "results",
    "trends": "trends",
}


def _more_links(request: SignedInRequest, page: selectors.ResultsPage) -> dict[str, str]:
    """A "show more" link for each list that has more: the same page, that list longer."""
    lists = {
        "visits": page.summaries,
        "medications": page.active_prescriptions,
        "past_medications": page.past_prescriptions,
        "orders": page.orders,
        "reports": page.reports,
        "trends": page.trends,
    }
    links = {}
    for key, shown in lists.items():
        if shown.more and shown.shown < selectors.MOST_SHOWN:
            query = request.GET.copy()
            query[key] = str(shown.next_shown)
            links[key] = f"?{query.urlencode()}#{SECTION_ANCHORS[key]}"
    return links


@allow(Role.PATIENT)
@require_GET
def my_results(request: SignedInRequest) -> HttpResponse:
    """The patient's visits with summaries, medications, lab orders, results and trends."""
    patient = request.user
    page = selectors.results_page(
        patient,
        patient,
        zone=timezone.get_current_timezone(),
        asked={key: request.GET.get(key) for key in selectors.SECTION_PAGES},
    )
    audit_page(request, page.shown_records())
    return render(
        request,
        "visits/results/my_results.html",
        {"page": page, "more": _more_links(request, page)},
    )


@allow(Role.PATIENT)
@require_GET
def my_report(request: SignedInRequest, pk: int) -> HttpResponse:
    """One of the patient's lab reports; opening a released one means it is no longer new."""
    patient = request.user
    shown = selectors.one_report(patient, patient, pk)
    if shown is None:
        raise Http404
    found: dict = {}
    if shown.is_released:
        codes = sorted({item.observation.loinc_code for item in shown.observations})
        found = trends.trends(
            patient,
            patient,
            zone=timezone.get_current_timezone(),
            loinc_codes=codes,
            points=trends.TREND_SHORT,
            charts=False,
        )
        for item in shown.observations:
            trend = found.get((item.observation.loinc_code, item.observation.unit))
            item.trend_anchor = trend.anchor if trend else ""
        report_open(report=shown.report, patient=patient)
        audit_page(request, {"lab report": [(shown.report.patient_id, shown.report.pk)]})
    return render(
        request,
        "visits/results/my_report.html",
        {
            "shown": shown,
            "report": shown.report,
            "trends": [trend_line(trend) for trend in found.values()],
        },
    )


@allow(Role.PATIENT)
@require_GET
def my_test_history(request: SignedInRequest, loinc_code: str) -> HttpResponse:
    """Every released value of one test (`?unit=` names its unit), a page at a time."""
    patient = request.user
    unit = request.GET.get("unit", "")
    history = value_history(
        patient,
        patient,
        loinc_code=loinc_code,
        unit=unit,
        page=page_number(request.GET.get("page")),
        zone=timezone.get_current_timezone(),
    )
    audit_page(request, {"lab report": [(patient.pk, pk) for pk in history.report_ids]})
    return render(
        request,
        "visits/results/my_test_history.html",
        {"history": history, "trend": history.trend, "unit": unit},
    )


@allow(Role.PATIENT)
@require_GET
def my_visit_summary(request: SignedInRequest, visit_id) -> HttpResponse:
    """The after-visit summary of one of the patient's visits, ready to print."""
    patient = request.user
    page = selectors.visit_summary(patient, patient, visit_id)
    if page is None:
        raise Http404
    audit_page(request, {"visit summary": [(page.summary.patient_id, page.summary.pk)]})
    diagnoses = [
        {"words": selectors.plain_diagnosis(d.description), "code": d.code, "full": d.description}
        for d in page.diagnoses
    ]
    return render(
        request,
        "visits/results/my_visit_summary.html",
        {
            "page": page,
            "summary": page.summary,
            "visit": page.summary.visit,
            "diagnoses": diagnoses,
        },
    )


@allow(Role.PATIENT)
@require_GET
def my_record(request: SignedInRequest) -> HttpResponse:
    """The patient's record as a FHIR R4 Bundle, downloaded as a file (their right of access)."""
    patient = request.user
    now = timezone.now()
    bundle = record_export(patient=patient, actor=patient, ip_address=client_ip(request), now=now)
    response = HttpResponse(
        json.dumps(bundle, ensure_ascii=False, indent=2),
        content_type="application/fhir+json; charset=utf-8",
    )
    day = timezone.localdate(now).isoformat()
    response["Content-Disposition"] = f'attachment; filename="housecall-record-{day}.json"'
    return response
