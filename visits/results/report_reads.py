"""A patient's lab reports as the results pages read them: one report with its values and the
values they corrected (`one_report`), the results page's list with its values counted rather
than read (`report_lines`), and how many there are. Each runs a fixed number of queries whatever
the number of reports or observations; accounts.policy decides what the viewer may read.
"""

from collections import defaultdict

from django.db.models import (
    BigIntegerField,
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
from config.prepared import Param, Params, Prepared, Viewer
from visits.results.bounds import REPORTS_PAGE, Bounded, bounded
from visits.results.flags import Flag
from visits.results.lines import ReportLineGroup, report_line, report_line_groups
from visits.results.models import LabReport, Observation, ResultStatus
from visits.results.shown import (
    ReportState,
    ShownObservation,
    ShownReport,
    state_of,
    state_of_row,
)


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


def _values(viewer, patient) -> QuerySet:
    """The patient's values the viewer may read, each with the report of the value correcting it."""
    return (
        policy.OBSERVATIONS.filter(Observation.objects.all(), viewer)
        .filter(patient=patient)
        .annotate(correcting_report_id=F("superseded_by__report_id"))
        .order_by("position", "pk")
    )


PATIENT = Param("patient", BigIntegerField())
RELEASED = Params("released", BigIntegerField())
# A report's values, and the earlier values they corrected from other reports.
REPORT_VALUES = Prepared(
    lambda viewer, patient, released: _values(viewer, patient).filter(report_id__in=released),
    viewer=Viewer(),
    patient=PATIENT,
    released=RELEASED,
)
CORRECTED_VALUES = Prepared(
    lambda viewer, patient, released, corrected: (
        _values(viewer, patient)
        .filter(superseded_by_id__in=corrected)
        .exclude(report_id__in=released)
    ),
    viewer=Viewer(),
    patient=PATIENT,
    released=RELEASED,
    corrected=Params("corrected", BigIntegerField()),
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
    observations = REPORT_VALUES.run(viewer=viewer, patient=patient, released=released)
    shown_ids = [observation.pk for observation in observations]
    if shown_ids:
        observations += CORRECTED_VALUES.run(
            viewer=viewer, patient=patient, released=released, corrected=shown_ids
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


def _value_counts_query(viewer, patient, released) -> QuerySet:
    """For each released report, how many current values it has, how many are flagged, and
    whether the lab corrected any (a value correcting an earlier one, or one corrected by a
    later report): a row per report, however many values they hold."""
    values = policy.OBSERVATIONS.filter(Observation.objects.all(), viewer).filter(patient=patient)
    current = Q(superseded_by__isnull=True)
    corrects_earlier = Exists(values.filter(superseded_by=OuterRef("pk")))
    replaced_later = Q(superseded_by__isnull=False) & ~Q(superseded_by__report_id=F("report_id"))
    return (
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


# The queries the pages run on every request, built and compiled once (config.prepared).
REPORT_LINES = Prepared(
    lambda viewer, patient: (
        _reports(viewer, patient).order_by(F("reported").desc(), "-pk").values(*REPORT_LINE_COLUMNS)
    ),
    viewer=Viewer(),
    patient=PATIENT,
)
ONE_REPORT = Prepared(
    lambda viewer, patient, report: _reports(viewer, patient).filter(pk=report).order_by("pk"),
    viewer=Viewer(),
    patient=PATIENT,
    report=Param("report", BigIntegerField()),
)
NEW_RESULTS = Prepared(
    lambda viewer, patient: (
        policy.LAB_REPORTS.filter(LabReport.objects.all(), viewer)
        .filter(patient=patient, first_opened_at__isnull=True)
        .values("patient")
        .annotate(count=Count("pk"))
        .order_by()
    ),
    viewer=Viewer(),
    patient=PATIENT,
)


def _report_counts(viewer, patient) -> QuerySet:
    values_rule = policy.LAB_REPORTS.reach(viewer)
    counted = {"total": Count("pk")}
    if values_rule is not None:
        counted["unread"] = Count("pk", filter=values_rule & Q(first_opened_at__isnull=True))
    # Grouped by the one patient: one row of counts, or none when there is nothing to count.
    return (
        policy.CLINICAL_RECORDS.filter(LabReport.objects.all(), viewer)
        .filter(patient=patient)
        .values("patient")
        .annotate(**counted)
        .order_by()
    )


REPORT_COUNTS = Prepared(_report_counts, viewer=Viewer(), patient=PATIENT)
VALUE_COUNTS = Prepared(
    _value_counts_query,
    viewer=Viewer(),
    patient=PATIENT,
    released=RELEASED,
)


def _value_counts(viewer: User, patient: User, released: list[int]) -> dict[int, dict]:
    """The released reports' value counts (`_value_counts_query`), by report: one query."""
    rows = VALUE_COUNTS.run(viewer=viewer, patient=patient, released=released)
    return {row["report_id"]: row for row in rows}


def report_lines(
    viewer: User, patient: User, *, shown: int = REPORTS_PAGE
) -> tuple[Bounded, list[ReportLineGroup]]:
    """The patient's most recent reports as the results page lists them, newest first, and
    grouped by the order they answer: two queries (one when none is released)."""
    reports = bounded(REPORT_LINES, shown=shown, page=REPORTS_PAGE, viewer=viewer, patient=patient)
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
    found = ONE_REPORT.run(viewer=viewer, patient=patient, report=pk, limit=1)
    if not found:
        return None
    return _shown_reports(viewer, patient, found)[0]


def new_results_count(viewer: User, patient: User) -> int:
    """How many released reports the patient has not opened yet."""
    counted = NEW_RESULTS.run(viewer=viewer, patient=patient)
    return counted[0]["count"] if counted else 0


def report_counts(viewer: User, patient: User) -> tuple[int, int]:
    """How many reports of the patient the viewer knows of, and how many of those are released
    (LAB_REPORTS) and not opened yet: one query."""
    counted = REPORT_COUNTS.run(viewer=viewer, patient=patient)
    if not counted:
        return 0, 0
    return counted[0]["total"], counted[0].get("unread", 0)
