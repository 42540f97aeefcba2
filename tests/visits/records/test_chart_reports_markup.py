"""The chart's lab results are written as the template wrote them, character for character
(chart_reports_reference.html, the section before it was written in Python)."""

import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.markup import rendered, side_by_side
from visits.records.chart import ObservationRow, observation_row
from visits.results.flags import Flag
from visits.results.models import LabReport, ResultStatus

BOTH = side_by_side(
    Path(__file__).parent / "chart_reports_reference.html",
    "{% load chart_reports %}  {% chart_reports reports %}",
)
# 04:30 UTC on 3 March is still 2 March in Chicago: the day is the viewer's, not UTC's.
EARLY = datetime.datetime(2026, 3, 3, 4, 30, tzinfo=datetime.UTC)


def _observation(
    name: str,
    *,
    value: Decimal | None = None,
    value_text: str = "",
    unit: str = "",
    flag: str = Flag.NONE,
    status: str = ResultStatus.FINAL,
    reference_low: Decimal | None = None,
    reference_high: Decimal | None = None,
    reference_text: str = "",
) -> ObservationRow:
    """A row as the chart reads it from an observation's columns."""
    return observation_row(
        name, value, value_text, unit, flag, status, reference_low, reference_high, reference_text
    )


def _report(pk: int, observations: list[ObservationRow], **fields) -> LabReport:
    report = LabReport(pk=pk, **{"status": ResultStatus.FINAL, **fields})
    report.current_observations = observations
    return report


def _reports() -> list[LabReport]:
    return [
        _report(
            3,
            [
                _observation(
                    "Potassium",
                    value=Decimal("5.9000"),
                    unit="mmol/L",
                    reference_low=Decimal("3.5"),
                    reference_high=Decimal("5.1"),
                    flag=Flag.HIGH,
                ),
                _observation(
                    "Glucose <fasting> & more",
                    value=Decimal("2.1"),
                    unit="mmol/L",
                    reference_high=Decimal("200"),
                    flag=Flag.CRITICAL_LOW,
                    status=ResultStatus.CORRECTED,
                ),
                _observation("Culture", value_text="No growth <48h>", flag=Flag.NORMAL),
                _observation("Comment", value_text="See note", reference_text="a & b"),
            ],
            name="Basic metabolic panel",
            collected_at=EARLY,
            released_at=EARLY + datetime.timedelta(days=1),
        ),
        _report(
            2,
            [_observation("HDL", value=Decimal("41"), reference_low=Decimal("40"))],
            name="Lipids <panel>",
            status=ResultStatus.PRELIMINARY,
            held_at=EARLY,
            hold_reason="Discuss first & in person",
        ),
        _report(1, [], name="Pending culture", status=ResultStatus.PRELIMINARY),
    ]


@pytest.mark.parametrize("zone", ["America/Chicago", "UTC", "Asia/Tokyo"])
def test_the_reports_are_what_their_template_wrote(zone):
    with timezone.override(ZoneInfo(zone)):
        reference, written = rendered(BOTH, {"reports": _reports()})
    assert written == reference
    assert "Held from the patient: Discuss first &amp; in person" in written
    assert "Glucose &lt;fasting&gt; &amp; more" in written
    assert "(corrected)" in written
    assert ("collected Mar 2, 2026" in written) is (zone == "America/Chicago")


def test_no_reports_write_their_line():
    reference, written = rendered(BOTH, {"reports": []})
    assert written == reference
    assert "No lab results." in written
