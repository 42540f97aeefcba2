"""A patient's tests measured more than once: each one's latest values, drawn and tabulated.

Read from the patient's latest TREND_REPORTS released reports only, in two queries, so the cost
stays the same however long the record grows (accounts.policy decides what the viewer reads).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, CharField, Count, F, IntegerField, QuerySet, Window
from django.db.models.functions import Coalesce, RowNumber

from accounts import policy
from accounts.models import User
from config.prepared import Param, Params, Prepared, Viewer
from visits.results.charts import TrendPoint, trend_chart
from visits.results.descriptions import description_of
from visits.results.display import flag_symbol, flag_words, number, range_words
from visits.results.models import LabReport, Observation, ResultStatus

# A trend draws and tabulates a test's most recent measurements, from the patient's latest
# TREND_REPORTS reports, so the page's work stays the same however long the record grows.
TREND_POINTS = 12
TREND_REPORTS = 30
# The results page and a report show each test's last few values; every value, drawn, is on
# the test's own history page, a page at a time.
TREND_SHORT = 3


@dataclass
class Trend:
    """One test measured more than once: its latest values, drawn and tabulated."""

    loinc_code: str
    unit: str
    name: str
    points: list[TrendPoint]  # oldest first
    total: int
    low: Decimal | None = None
    high: Decimal | None = None
    chart: dict | None = None

    @property
    def anchor(self) -> str:
        return "trend-" + "".join(c if c.isalnum() else "-" for c in self.loinc_code + self.unit)

    @property
    def latest(self) -> datetime.datetime:
        return self.points[-1].when

    @property
    def description(self) -> str:
        return description_of(self.loinc_code)

    @property
    def range(self) -> str:
        return range_words(self.low, self.high, "", self.unit)

    @property
    def rows(self) -> list[dict]:
        """The table's rows, newest first, each flag in words and symbol."""
        return [
            {
                "when": point.when,
                "value": number(point.value),
                "flag": point.flag,
                "flag_words": flag_words(point.flag),
                "flag_symbol": flag_symbol(point.flag),
            }
            for point in reversed(self.points)
        ]


RECENT_REPORTS = Prepared(
    lambda viewer, patient: (
        policy.LAB_REPORTS.filter(LabReport.objects.all(), viewer)
        .filter(patient=patient)
        .order_by(F("collected_at").desc(nulls_last=True), "-received_at", "-pk")
        .values_list("pk", flat=True)
    ),
    viewer=Viewer(),
    patient=Param("patient", BigIntegerField()),
)


def _trend_values(viewer, patient, reports, points, loinc_codes=None) -> QuerySet:
    """The latest `points` current values of each test measured at least twice in `reports`."""
    rows = (
        policy.OBSERVATIONS.filter(Observation.objects.all(), viewer)
        .filter(patient=patient, superseded_by__isnull=True, value__isnull=False)
        .filter(report_id__in=reports)
        .exclude(status=ResultStatus.CANCELLED)
    )
    if loinc_codes is not None:
        rows = rows.filter(loinc_code__in=loinc_codes)
    partition = [F("loinc_code"), F("unit")]
    return (
        rows.annotate(
            measured=Coalesce("observed_at", "report__collected_at", "report__received_at")
        )
        .annotate(
            total=Window(Count("pk"), partition_by=partition),
            recency=Window(
                RowNumber(), partition_by=partition, order_by=[F("measured").desc(), F("pk").desc()]
            ),
        )
        .filter(total__gte=2, recency__lte=points)
        # No order in SQL: the rows are few (`points` a test) and are put in order in Python,
        # where sorting costs nothing, instead of twice in the database over every value read.
        .order_by()
        .values(
            "pk",
            "position",
            "loinc_code",
            "unit",
            "name",
            "value",
            "flag",
            "measured",
            "reference_low",
            "reference_high",
            "total",
            "recency",
        )
    )


# Built and compiled once (config.prepared): for every test, or for the tests named.
TREND_VALUES = {
    named: Prepared(
        _trend_values,
        viewer=Viewer(),
        patient=Param("patient", BigIntegerField()),
        reports=Params("reports", BigIntegerField()),
        points=Param("points", IntegerField()),
        **({"loinc_codes": Params("loinc_codes", CharField())} if named else {}),
    )
    for named in (True, False)
}


def trends(
    viewer: User,
    patient: User,
    *,
    zone: datetime.tzinfo,
    loinc_codes: list[str] | None = None,
    points: int = TREND_POINTS,
    charts: bool = True,
) -> dict[tuple[str, str], Trend]:
    """Every test (by LOINC code and unit) measured at least twice in the patient's latest
    TREND_REPORTS released reports, with its latest `points` values (and their chart unless
    `charts` is false): two queries, over a bounded number of rows whatever the length of the
    record."""
    # The reports' ids first, so that the values are read by patient and report (the index
    # obs_patient_report), not among every value in the patient's record.
    recent_reports = RECENT_REPORTS.run(viewer=viewer, patient=patient, limit=TREND_REPORTS)
    given: dict[str, Any] = {
        "viewer": viewer,
        "patient": patient,
        "reports": recent_reports,
        "points": points,
    }
    if loinc_codes is not None:
        given["loinc_codes"] = loinc_codes
    rows = TREND_VALUES[loinc_codes is not None].run(**given)
    found: dict[tuple[str, str], Trend] = {}
    for row in sorted(rows, key=lambda row: (row["recency"], row["position"], row["pk"])):
        key = (row["loinc_code"], row["unit"])
        trend = found.get(key)
        if trend is None:  # the most recent measurement names the test and gives its range
            trend = found[key] = Trend(
                row["loinc_code"],
                row["unit"],
                row["name"],
                [],
                row["total"],
                row["reference_low"],
                row["reference_high"],
            )
        trend.points.insert(0, TrendPoint(row["measured"], row["value"], row["flag"]))
    for trend in found.values() if charts else []:
        trend.chart = trend_chart(trend.points, low=trend.low, high=trend.high, zone=zone)
    return dict(sorted(found.items(), key=lambda item: item[1].latest, reverse=True))
