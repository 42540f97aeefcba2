"""What a patient's own results pages show: visits with their summaries, medications, lab orders,
reports grouped by order with their current values (visits.results.report_reads, read as
`shown`), and trends (`trends`).

The access rules decide (accounts.policy): the patient learns that a held report exists and when
it will be released (CLINICAL_RECORDS), its values only once released (LAB_REPORTS,
OBSERVATIONS). Every list is bounded ("show more" asks for a longer one, visits.results.bounds)
and each selector runs a fixed number of queries whatever the number of visits, reports or
observations.
"""

import datetime
import functools
from dataclasses import dataclass

from django.db.models import BigIntegerField, F, QuerySet, UUIDField

from accounts import policy
from accounts.models import User
from config.prepared import Param, Prepared, Viewer
from visits.records.models import AfterVisitSummary, LabOrder, NoteDiagnosis, Prescription
from visits.results.bounds import MOST_SHOWN as MOST_SHOWN
from visits.results.bounds import (
    ORDERS_PAGE,
    PRESCRIPTIONS_PAGE,
    REPORTS_PAGE,
    TRENDS_PAGE,
    VISITS_PAGE,
    Bounded,
    bounded,
    shown_count,
)
from visits.results.lines import (
    MEDICATION_LINE_COLUMNS,
    ORDER_LINE_COLUMNS,
    SUMMARY_LINE_COLUMNS,
    MedicationLine,
    OrderLine,
    ReportLineGroup,
    medication_line,
    order_line,
    summary_line,
    trend_line,
)
from visits.results.report_reads import new_results_count as new_results_count
from visits.results.report_reads import one_report as one_report
from visits.results.report_reads import report_counts, report_lines
from visits.results.trends import TREND_SHORT, trends

# Visits and their after-visit summaries


# Each list's query is built and compiled once (config.prepared), run with the viewer and patient.
PATIENT = Param("patient", BigIntegerField())

SUMMARIES = Prepared(
    lambda viewer, patient: (
        policy.VISIT_SUMMARIES.filter(AfterVisitSummary.objects.all(), viewer)
        .filter(patient=patient)
        .order_by("-visit__start", "pk")
        .values(*SUMMARY_LINE_COLUMNS)
    ),
    viewer=Viewer(),
    patient=PATIENT,
)


def released_summaries(viewer: User, patient: User, *, shown: int = VISITS_PAGE) -> Bounded:
    """The patient's visits whose after-visit summary they may read, newest first."""
    listed = bounded(SUMMARIES, shown=shown, page=VISITS_PAGE, viewer=viewer, patient=patient)
    return Bounded(
        [summary_line(row) for row in listed.items], listed.shown, listed.more, VISITS_PAGE
    )


@dataclass(frozen=True)
class VisitSummaryPage:
    """One visit's after-visit summary with what else came of the visit."""

    summary: AfterVisitSummary
    diagnoses: list[NoteDiagnosis]
    prescriptions: list[MedicationLine]
    orders: list[OrderLine]


def plain_diagnosis(description: str) -> str:
    """A diagnosis as a patient reads it: the coding words "unspecified" and "NOS" left off."""
    words = description.strip()
    for tail in (", unspecified", " unspecified", ", NOS", " NOS"):
        if words.lower().endswith(tail.lower()):
            words = words[: -len(tail)].rstrip(" ,")
    return words or description


# What the summary page shows of the summary, its visit and who wrote it.
SUMMARY_PAGE_COLUMNS = (
    "patient_id",
    "visit_id",
    "findings",
    "instructions",
    "when_to_seek_care",
    "follow_up",
    "released_at",
    "visit__start",
    "visit__visit_type__name",
    "visit__provider__credentials",
    "visit__provider__user__display_name",
    "visit__provider__user__email",
)


VISIT = Param("visit", UUIDField())
SUMMARY = Prepared(
    lambda viewer, patient, visit: (
        policy.VISIT_SUMMARIES.filter(AfterVisitSummary.objects.all(), viewer)
        .filter(patient=patient, visit_id=visit)
        .select_related("visit__visit_type", "visit__provider__user")
        .only(*SUMMARY_PAGE_COLUMNS)
        .order_by("pk")
    ),
    viewer=Viewer(),
    patient=PATIENT,
    visit=VISIT,
)
SUMMARY_DIAGNOSES = Prepared(
    lambda viewer, patient, visit: (
        policy.DIAGNOSES.filter(NoteDiagnosis.objects.all(), viewer)
        .filter(note__patient=patient, note__visit_id=visit)
        .order_by("position", "pk")
    ),
    viewer=Viewer(),
    patient=PATIENT,
    visit=VISIT,
)


def _visit_lines(model, columns: tuple[str, ...]) -> Prepared:
    """A visit's prescriptions or lab orders, newest first, as plain rows of `columns`."""
    return Prepared(
        lambda viewer, patient, visit: (
            policy.CLINICAL_RECORDS.filter(model.objects.all(), viewer)
            .filter(patient=patient, visit_id=visit)
            .order_by("-created_at", "pk")
            .values(*columns)
        ),
        viewer=Viewer(),
        patient=PATIENT,
        visit=VISIT,
    )


SUMMARY_PRESCRIPTIONS = _visit_lines(Prescription, MEDICATION_LINE_COLUMNS)
SUMMARY_ORDERS = _visit_lines(LabOrder, ORDER_LINE_COLUMNS)


def visit_summary(viewer: User, patient: User, visit_id) -> VisitSummaryPage | None:
    """The summary of one of the patient's visits, or None if they may not read it (yet)."""
    found = SUMMARY.run(viewer=viewer, patient=patient, visit=visit_id, limit=1)
    if not found:
        return None
    summary = found[0]
    diagnoses = SUMMARY_DIAGNOSES.run(viewer=viewer, patient=patient, visit=visit_id)
    prescriptions = SUMMARY_PRESCRIPTIONS.run(viewer=viewer, patient=patient, visit=visit_id)
    orders = SUMMARY_ORDERS.run(viewer=viewer, patient=patient, visit=visit_id)
    return VisitSummaryPage(
        summary,
        diagnoses,
        [medication_line(row) for row in prescriptions],
        [order_line(row, ORDER_STATUS_WORDS) for row in orders],
    )


# Medications and lab orders


def _prescriptions(viewer, patient, *, active: bool) -> QuerySet:
    rows = policy.CLINICAL_RECORDS.filter(Prescription.objects.all(), viewer).filter(
        patient=patient
    )
    if active:
        rows = rows.filter(status=Prescription.Status.ACTIVE).order_by("-created_at", "pk")
    else:
        rows = rows.exclude(status=Prescription.Status.ACTIVE).order_by(
            F("status_changed_at").desc(nulls_last=True), "-created_at", "pk"
        )
    return rows.values(*MEDICATION_LINE_COLUMNS)


PRESCRIPTIONS = {
    active: Prepared(
        functools.partial(_prescriptions, active=active), viewer=Viewer(), patient=PATIENT
    )
    for active in (True, False)
}


def prescriptions(
    viewer: User, patient: User, *, active: bool, shown: int = PRESCRIPTIONS_PAGE
) -> Bounded:
    """The patient's active prescriptions, or their past ones (completed or stopped)."""
    listed = bounded(
        PRESCRIPTIONS[active],
        shown=shown,
        page=PRESCRIPTIONS_PAGE,
        viewer=viewer,
        patient=patient,
    )
    return Bounded(
        [medication_line(row) for row in listed.items],
        listed.shown,
        listed.more,
        PRESCRIPTIONS_PAGE,
    )


ORDER_STATUS_WORDS = {
    LabOrder.Status.ORDERED: "Waiting for the lab",
    LabOrder.Status.PARTIAL: "Some results are in",
    LabOrder.Status.RESULTED: "Results are in",
    LabOrder.Status.CANCELLED: "Cancelled",
}


LAB_ORDERS = Prepared(
    lambda viewer, patient: (
        policy.CLINICAL_RECORDS.filter(LabOrder.objects.all(), viewer)
        .filter(patient=patient)
        .order_by("-created_at", "pk")
        .values(*ORDER_LINE_COLUMNS)
    ),
    viewer=Viewer(),
    patient=PATIENT,
)


def lab_orders(viewer: User, patient: User, *, shown: int = ORDERS_PAGE) -> Bounded:
    """The lab tests ordered for the patient, with where to go and what to do, newest first."""
    listed = bounded(LAB_ORDERS, shown=shown, page=ORDERS_PAGE, viewer=viewer, patient=patient)
    return Bounded(
        [order_line(row, ORDER_STATUS_WORDS) for row in listed.items],
        listed.shown,
        listed.more,
        ORDERS_PAGE,
    )


# The whole results page


@dataclass
class ResultsPage:
    """Everything on the patient's results page."""

    summaries: Bounded
    active_prescriptions: Bounded
    past_prescriptions: Bounded
    orders: Bounded
    reports: Bounded
    groups: list[ReportLineGroup]
    trends: Bounded
    new_count: int
    reports_total: int

    def shown_records(self) -> dict[str, list[tuple[int, object]]]:
        """What the page shows of the patient's record, for the audit."""
        values = [line for line in self.reports if line.is_released]
        return {
            "visit summary": [(s.patient_id, s.pk) for s in self.summaries],
            "prescription": [
                (p.patient_id, p.pk) for p in [*self.active_prescriptions, *self.past_prescriptions]
            ],
            "lab order": [(o.patient_id, o.pk) for o in self.orders],
            "lab report": [(line.patient_id, line.pk) for line in values],
        }


SECTION_PAGES = {
    "visits": VISITS_PAGE,
    "medications": PRESCRIPTIONS_PAGE,
    "past_medications": PRESCRIPTIONS_PAGE,
    "orders": ORDERS_PAGE,
    "reports": REPORTS_PAGE,
    "trends": TRENDS_PAGE,
}


def results_page(
    viewer: User, patient: User, *, zone: datetime.tzinfo, asked: dict[str, str | None]
) -> ResultsPage:
    """The results page: each list as long as "show more" asked for (`asked` by section)."""
    shown = {key: shown_count(asked.get(key), page=page) for key, page in SECTION_PAGES.items()}
    all_trends = trends(viewer, patient, zone=zone, points=TREND_SHORT, charts=False)
    shown_trends = [trend_line(trend) for trend in list(all_trends.values())[: shown["trends"]]]
    reports, groups = report_lines(viewer, patient, shown=shown["reports"])
    reports_total, new_count = report_counts(viewer, patient)
    return ResultsPage(
        summaries=released_summaries(viewer, patient, shown=shown["visits"]),
        active_prescriptions=prescriptions(
            viewer, patient, active=True, shown=shown["medications"]
        ),
        past_prescriptions=prescriptions(
            viewer, patient, active=False, shown=shown["past_medications"]
        ),
        orders=lab_orders(viewer, patient, shown=shown["orders"]),
        reports=reports,
        groups=groups,
        trends=Bounded(
            shown_trends, shown["trends"], len(all_trends) > shown["trends"], TRENDS_PAGE
        ),
        new_count=new_count,
        reports_total=reports_total,
    )
