"""Every released value of one lab test in a patient's record, a page at a time: the page a
short trend on the results page or on a report links to.

A page is HISTORY_PAGE values, newest page first, drawn oldest first and tabulated newest first,
with how many there are in all: three queries (the page, one more row to know of an older page,
the count) whatever the length of the record.
"""

import datetime
from dataclasses import dataclass

from django.db.models import F
from django.db.models.functions import Coalesce

from accounts import policy
from accounts.models import User
from visits.results.charts import TrendPoint, trend_chart
from visits.results.models import Observation, ResultStatus
from visits.results.trends import Trend

HISTORY_PAGE = 20


@dataclass(frozen=True)
class ValueHistory:
    """One page of a test's values, as a trend, with the reports they came from."""

    trend: Trend | None
    report_ids: list[int]
    page: int
    older_page: int | None
    newer_page: int | None
    first_shown: int

    @property
    def last_shown(self) -> int:
        return self.first_shown + len(self.trend.points) - 1 if self.trend else 0


def value_history(
    viewer: User,
    patient: User,
    *,
    loinc_code: str,
    unit: str,
    page: int,
    zone: datetime.tzinfo,
) -> ValueHistory:
    """The page-th HISTORY_PAGE values of the test (LOINC code and unit), newest page first."""
    values = (
        policy.OBSERVATIONS.filter(Observation.objects.all(), viewer)
        .filter(
            patient=patient,
            loinc_code=loinc_code,
            unit=unit,
            superseded_by__isnull=True,
            value__isnull=False,
        )
        .exclude(status=ResultStatus.CANCELLED)
    )
    start = (page - 1) * HISTORY_PAGE
    rows = list(
        values.annotate(
            measured=Coalesce("observed_at", "report__collected_at", "report__received_at")
        )
        .order_by(F("measured").desc(), "-pk")
        .values(
            "name", "value", "flag", "measured", "reference_low", "reference_high", "report_id"
        )[start : start + HISTORY_PAGE + 1]
    )
    older = len(rows) > HISTORY_PAGE
    rows = rows[:HISTORY_PAGE][::-1]
    trend = None
    if rows:
        latest = rows[-1]
        points = [TrendPoint(row["measured"], row["value"], row["flag"]) for row in rows]
        trend = Trend(
            loinc_code,
            unit,
            latest["name"],
            points,
            values.count(),
            latest["reference_low"],
            latest["reference_high"],
        )
        trend.chart = trend_chart(points, low=trend.low, high=trend.high, zone=zone)
    return ValueHistory(
        trend=trend,
        report_ids=sorted({row["report_id"] for row in rows}),
        page=page,
        older_page=page + 1 if older else None,
        newer_page=page - 1 if page > 1 else None,
        first_shown=start + 1,
    )
