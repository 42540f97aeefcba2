"""What a patient's own results pages show: visits with their summaries, medications, lab orders,
reports grouped by order with their current values (read as `shown`), and trends (`trends`).

The access rules decide (accounts.policy): the patient learns that a held report exists and when
it will be released (CLINICAL_RECORDS), its values only once released (LAB_REPORTS,
OBSERVATIONS). Every list is bounded ("show more" asks for a longer one) and each selector runs
a fixed number of queries whatever the number of visits, reports or observations.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts import policy
from accounts.models import User
from visits.records.models import AfterVisitSummary, LabOrder, NoteDiagnosis, Prescription
from visits.results.flags import Flag
from visits.results.lines import (
    MEDICATION_LINE_COLUMNS,
    ORDER_LINE_COLUMNS,
    SUMMARY_LINE_COLUMNS,
    MedicationLine,
    OrderLine,
    ReportLineGroup,
    medication_line,
    order_line,
    report_line,
    report_line_groups,
    summary_line,
    trend_line,
)
from visits.results.models import LabReport, Observation, ResultStatus
from visits.results.shown import (
    ReportState,
    ShownObservation,
    ShownReport,
    state_of,
    state_of_row,
)
from visits.results.trends import TREND_SHORT, trends

VISITS_PAGE = 10
PRESCRIPTIONS_PAGE = 10
ORDERS_PAGE = 10
REPORTS_PAGE = 10
TRENDS_PAGE = 6
# The most a "show more" link can ask for, so no page's cost grows with the record.
MOST_SHOWN = 200


@dataclass(frozen=True)
class Bounded[T]:
    """The first `shown` rows of a list, and whether there are more after them."""

    items: list[T]
    shown: int
    more: bool
    page: int

    @property
    def next_shown(self) -> int:
        return min(self.shown + self.page, MOST_SHOWN)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def bounded(rows: QuerySet, *, shown: int, page: int) -> Bounded:
    """One query for `shown` rows plus one, which says whether there are more."""
    fetched = list(rows[: shown + 1])
    return Bounded(fetched[:shown], shown, len(fetched) > shown, page)


def shown_count(asked: str | None, *, page: int) -> int:
    """How many rows a list shows: what the "show more" link asked for, in whole pages, capped."""
    try:
        wanted = int(asked or page)
    except ValueError:
        wanted = page
    pages = max(1, -(-wanted // page))
    return min(pages * page, MOST_SHOWN)


# Visits and their after-visit summaries


def released_summaries(viewer: User, patient: User, *, shown: int = VISITS_PAGE) -> Bounded:
    """The patient's visits whose after-visit summary they may read, newest first."""
    summaries = (
        policy.VISIT_SUMMARIES.filter(AfterVisitSummary.objects.all(), viewer)
        .filter(patient=patient)
        .order_by("-visit__start", "pk")
        .values(*SUMMARY_LINE_COLUMNS)
    )
    listed = bounded(summaries, shown=shown, page=VISITS_PAGE)
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


def visit_summary(viewer: User, patient: User, visit_id) -> VisitSummaryPage | None:
    """The summary of one of the patient's visits, or None if they may not read it (yet)."""
    summary = (
        policy.VISIT_SUMMARIES.filter(AfterVisitSummary.objects.all(), viewer)
        .filter(patient=patient, visit_id=visit_id)
        .select_related("visit__visit_type", "visit__provider__user")
        .first()
    )
    if summary is None:
        return None
    diagnoses = policy.DIAGNOSES.filter(NoteDiagnosis.objects.all(), viewer).filter(
        note__patient=patient, note__visit_id=visit_id
    )
    prescriptions = (
        policy.CLINICAL_RECORDS.filter(Prescription.objects.all(), viewer)
        .filter(patient=patient, visit_id=visit_id)
        .order_by("-created_at", "pk")
        .values(*MEDICATION_LINE_COLUMNS)
    )
    orders = (
        policy.CLINICAL_RECORDS.filter(LabOrder.objects.all(), viewer)
        .filter(patient=patient, visit_id=visit_id)
        .order_by("-created_at", "pk")
        .values(*ORDER_LINE_COLUMNS)
    )
    return VisitSummaryPage(
        summary,
        list(diagnoses.order_by("position", "pk")),
        [medication_line(row) for row in prescriptions],
        [order_line(row, ORDER_STATUS_WORDS) for row in orders],
    )


# Medications and lab orders


def prescriptions(
    viewer: User, patient: User, *, active: bool, shown: int = PRESCRIPTIONS_PAGE
) -> Bounded:
    """The patient's active prescriptions, or their past ones (completed or stopped)."""
    rows = policy.CLINICAL_RECORDS.filter(Prescription.objects.all(), viewer).filter(
        patient=patient
    )
    if active:
        rows = rows.filter(status=Prescription.Status.ACTIVE).order_by("-created_at", "pk")
    else:
        rows = rows.exclude(status=Prescription.Status.ACTIVE).order_by(
            F("status_changed_at").desc(nulls_last=True), "-created_at", "pk"
        )
    listed = bounded(rows.values(*MEDICATION_LINE_COLUMNS), shown=shown, page=PRESCRIPTIONS_PAGE)
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


def lab_orders(viewer: User, patient: User, *, shown: int = ORDERS_PAGE) -> Bounded:
    """The lab tests ordered for the patient, with where to go and what to do, newest first."""
    orders = (
        policy.CLINICAL_RECORDS.filter(LabOrder.objects.all(), viewer)
        .filter(patient=patient)
        .order_by("-created_at", "pk")
        .values(*ORDER_LINE_COLUMNS)
    )
    listed = bounded(orders, shown=shown, page=ORDERS_PAGE)
    return Bounded(
        [order_line(row, ORDER_STATUS_WORDS) for row in listed.items],
        listed.shown,
        listed.more,
        ORDERS_PAGE,
    )


# Reports and their values


def _reports(viewer: User, patient: User) -> QuerySet:
    """The patient's reports the viewer may know of, each marked with whether its values show."""
    values_rule = policy.LAB_REPORTS.reach(viewer)
    values_visible = (
        Case(When(values_rule, then=Value(True)), default=Value(False))
        if values_rule is not None
        else Value(False)
    )
    return (
        policy.CLINICAL_RECORDS.filter(LabReport.objects.all(), viewer)
        .filter(patient=patient)
        .annotate(
            values_visible=values_visible,
            reported=Coalesce("collected_at", "received_at"),
        )
        .select_related("order__ordering_clinician")
    )


def _shown_reports(viewer: User, patient: User, reports: list[LabReport]) -> list[ShownReport]:
    """The reports with their current values and the earlier values they corrected (two
    queries for all of them)."""
    shown = [ShownReport(report, state_of(report)) for report in reports]
    released = [item.report.pk for item in shown if item.is_released]
    if not released:
        return shown
    # By patient and report, then by patient and the value each corrects (the indexes
    # obs_patient_report and obs_patient_superseded): the database reads these reports' values
    # and the earlier ones they corrected, not every value in the patient's record.
    values = policy.OBSERVATIONS.filter(Observation.objects.all(), viewer).filter(patient=patient)
    observations = list(
        values.filter(report_id__in=released)
        .annotate(correcting_report_id=F("superseded_by__report_id"))
        .order_by("position", "pk")
    )
    shown_ids = [observation.pk for observation in observations]
    observations += list(
        values.filter(superseded_by_id__in=shown_ids)
        .exclude(report_id__in=released)
        .annotate(correcting_report_id=F("superseded_by__report_id"))
        .order_by("position", "pk")
    )
    earlier: dict[int, list[Observation]] = defaultdict(list)
    for observation in observations:
        if observation.superseded_by_id is not None:
            earlier[observation.superseded_by_id].append(observation)
    by_report: dict[int, ShownReport] = {item.report.pk: item for item in shown}
    for observation in observations:
        item = by_report.get(observation.report_id)
        if item is None or not item.is_released:
            continue
        if observation.superseded_by_id is None:
            item.observations.append(
                ShownObservation(
                    observation,
                    sorted(earlier.get(observation.pk, []), key=lambda o: o.pk, reverse=True),
                )
            )
        elif observation.correcting_report_id != observation.report_id:
            item.replaced.append((observation, observation.correcting_report_id))
    return shown


# What the results page lists of each report: its row, and its values counted rather than read.
REPORT_LINE_COLUMNS = (
    "pk",
    "patient_id",
    "name",
    "status",
    "collected_at",
    "received_at",
    "performing_lab",
    "first_opened_at",
    "held_at",
    "release_by",
    "values_visible",
    "order_id",
    "order__test_name",
    "order__created_at",
    "order__ordering_clinician_id",
    "order__ordering_clinician__display_name",
    "order__ordering_clinician__email",
)
FLAGGED = [flag for flag, symbol in Flag.SYMBOLS.items() if symbol]


def _value_counts(viewer: User, patient: User, released: list[int]) -> dict[int, dict]:
    """For each released report, how many current values it has, how many are flagged, and
    whether the lab corrected any (a value correcting an earlier one, or one corrected by a
    later report): one query, a row per report, however many values they hold."""
    values = policy.OBSERVATIONS.filter(Observation.objects.all(), viewer).filter(patient=patient)
    current = Q(superseded_by__isnull=True)
    corrects_earlier = Exists(values.filter(superseded_by=OuterRef("pk")))
    replaced_later = Q(superseded_by__isnull=False) & ~Q(superseded_by__report_id=F("report_id"))
    rows = (
        values.filter(report_id__in=released)
        .order_by()
        .values("report_id")
        .annotate(
            results=Count("pk", filter=current),
            flagged=Count("pk", filter=current & Q(flag__in=FLAGGED)),
            corrections=Count(
                "pk",
                filter=(current & (Q(status=ResultStatus.CORRECTED) | Q(corrects_earlier)))
                | replaced_later,
            ),
        )
    )
    return {row["report_id"]: row for row in rows}


def report_lines(
    viewer: User, patient: User, *, shown: int = REPORTS_PAGE
) -> tuple[Bounded, list[ReportLineGroup]]:
    """The patient's most recent reports as the results page lists them, newest first, and
    grouped by the order they answer: two queries (one when none is released)."""
    reports = bounded(
        _reports(viewer, patient)
        .order_by(F("reported").desc(), "-pk")
        .values(*REPORT_LINE_COLUMNS),
        shown=shown,
        page=REPORTS_PAGE,
    )
    states = [state_of_row(row) for row in reports.items]
    released = [
        row["pk"]
        for row, state in zip(reports.items, states, strict=True)
        if state == ReportState.RELEASED
    ]
    counts = _value_counts(viewer, patient, released) if released else {}
    lines = [
        report_line(row, state, counts.get(row["pk"]))
        for row, state in zip(reports.items, states, strict=True)
    ]
    groups = report_line_groups(reports.items, lines)
    return Bounded(lines, reports.shown, reports.more, REPORTS_PAGE), groups


def one_report(viewer: User, patient: User, pk: int) -> ShownReport | None:
    """One of the patient's reports as they may read it, or None if it is not theirs."""
    report = _reports(viewer, patient).filter(pk=pk).first()
    if report is None:
        return None
    return _shown_reports(viewer, patient, [report])[0]


def new_results_count(viewer: User, patient: User) -> int:
    """How many released reports the patient has not opened yet."""
    return (
        policy.LAB_REPORTS.filter(LabReport.objects.all(), viewer)
        .filter(patient=patient, first_opened_at__isnull=True)
        .count()
    )


def report_counts(viewer: User, patient: User) -> tuple[int, int]:
    """How many reports of the patient the viewer knows of, and how many of those are released
    (LAB_REPORTS) and not opened yet: one query."""
    values_rule = policy.LAB_REPORTS.reach(viewer)
    counted = {"total": Count("pk")}
    if values_rule is not None:
        counted["unread"] = Count("pk", filter=values_rule & Q(first_opened_at__isnull=True))
    counts = (
        policy.CLINICAL_RECORDS.filter(LabReport.objects.all(), viewer)
        .filter(patient=patient)
        .aggregate(**counted)
    )
    return counts["total"], counts.get("unread", 0)


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
