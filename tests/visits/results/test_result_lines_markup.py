"""The results page's rows are written as their templates wrote them, character for character
(the `*_reference.html` files beside this test: the templates before `result_lines` wrote
them), with every branch of each row and text that must be escaped."""

from pathlib import Path

import pytest
from django.utils.safestring import SafeString

from tests.markup import rendered, side_by_side
from visits.results.lines import (
    MedicationLine,
    OrderLine,
    ReportLine,
    ReportLineGroup,
    TrendLine,
)
from visits.results.shown import ReportState

HERE = Path(__file__).parent


def _both(reference: str, written: str):
    return side_by_side(HERE / reference, "{% load result_lines %}" + written)


MEDICATIONS = [
    MedicationLine(
        pk=1,
        patient_id=7,
        medication="Amoxicillin",
        name="Amoxicillin <500 mg>",
        form="capsule",
        directions="Take 1 capsule by mouth 3 times a day & with food",
        meta="30 capsules, 0 refills. Prescribed Oct 21, 2026 by Dr. Maya Patel, to CVS.",
    ),
    MedicationLine(
        pk=2,
        patient_id=7,
        medication="Sertraline",
        name="Sertraline 50 mg",
        form="tablet",
        directions="Take 1 tablet daily",
        meta="30 tablets, 2 refills.",
        ended="Stopped",
        ended_detail=' on Nov 2, 2026: "side effects" <nausea>',
    ),
]
ORDERS = [
    OrderLine(
        pk=1,
        patient_id=7,
        test_name="Basic <metabolic> panel",
        ordered="Ordered Oct 21, 2026 by Dr. Maya Patel.",
        status_words="Results in",
        reason="Fatigue & dizziness",
        where_to_go="Quest, 12 Main St",
        instructions="Fast for 8 hours",
    ),
    OrderLine(
        pk=2,
        patient_id=7,
        test_name="Lipids",
        ordered="Ordered Oct 22, 2026.",
        status_words="",
        reason="",
        where_to_go="",
        instructions="",
    ),
]
TRENDS = [
    TrendLine(
        anchor="trend-2823-3",
        heading="Potassium (mmol/L)",
        caption="Potassium: the last 2 results, newest first; normal range 3.5 to 5.1",
        history_url="/results/tests/2823-3/?unit=mmol%2FL&x=<1>",
        name="Potassium <K>",
        rows=[
            {
                "when": "Oct 21, 2026",
                "value": "5.9 mmol/L",
                "flag": "high",
                "flag_words": "High",
                "flag_symbol": "↑",
            },
            {
                "when": "Sep 1, 2026",
                "value": "4.1 mmol/L",
                "flag": "none",
                "flag_words": "Normal",
                "flag_symbol": "",
            },
        ],
    ),
    TrendLine(
        anchor="trend-x",
        heading="Culture",
        caption="Culture",
        history_url="/results/tests/x/",
        name="Culture",
        rows=[],
    ),
]


def _line(pk: int, state: str, **fields) -> ReportLine:
    return ReportLine(
        **{
            "pk": pk,
            "patient_id": 7,
            "name": f"Report <{pk}> & co",
            "state": state,
            "is_new": False,
            "url": f"/results/reports/{pk}/",
            "when": "Collected Oct 21, 2026, 8:20 AM",
            "lab": "",
            **fields,
        }
    )


GROUPS = [
    ReportLineGroup(
        order_id=4,
        heading="Basic <metabolic> panel",
        ordered="ordered Dec 1, 2026 by Dr. Maya Patel",
        reports=[
            _line(
                1,
                ReportState.RELEASED,
                is_new=True,
                lab="Quest & Sons",
                counts=SafeString("8 results, <strong>2 flagged</strong>."),
            ),
            _line(2, ReportState.PENDING_REVIEW, release_by="Dec 4, 2026, 9:00 AM"),
            _line(3, ReportState.PENDING_REVIEW),
        ],
    ),
    ReportLineGroup(order_id=None, heading="", ordered="", reports=[_line(5, "waiting")]),
]


@pytest.mark.parametrize("level", [3, 4])
@pytest.mark.parametrize("medications", [MEDICATIONS, []])
def test_medications_are_what_their_template_wrote(level, medications):
    both = _both("medication_lines_reference.html", "{% medication_lines medications level %}")
    reference, written = rendered(both, {"medications": medications, "level": level})
    assert written == reference
    if medications:
        assert f"<h{level}>Amoxicillin &lt;500 mg&gt; <small>capsule</small></h{level}>" in written
        assert "<strong>Stopped</strong> on Nov 2, 2026: &quot;side effects&quot;" in written


@pytest.mark.parametrize("orders", [ORDERS, []])
def test_orders_are_what_their_template_wrote(orders):
    both = _both("order_lines_reference.html", "{% order_lines orders %}")
    reference, written = rendered(both, {"orders": orders})
    assert written == reference
    if orders:
        assert "<dt>Why</dt><dd>Fatigue &amp; dizziness</dd>" in written
        assert "Not given yet: ask the clinic where to go." in written


@pytest.mark.parametrize("level", [2, 3])
@pytest.mark.parametrize("trends", [TRENDS, []])
def test_trends_are_what_their_template_wrote(level, trends):
    both = _both("trend_lines_reference.html", "{% trend_lines trend_lines level %}")
    reference, written = rendered(both, {"trend_lines": trends, "level": level})
    assert written == reference
    if trends:
        assert '<span aria-hidden="true">↑</span>' in written
        assert "Every Potassium &lt;K&gt; result" in written


@pytest.mark.parametrize("groups", [GROUPS, []])
def test_reports_are_what_their_template_wrote(groups):
    both = _both("report_groups_reference.html", "    {% report_groups groups viewer_zone_name %}")
    reference, written = rendered(both, {"groups": groups, "viewer_zone_name": "Central time <CT>"})
    assert written == reference
    if groups:
        assert '<span class="badge-new">New</span>' in written
        assert "8 results, <strong>2 flagged</strong>." in written
        assert "released by Dec 4, 2026, 9:00 AM Central time &lt;CT&gt; at the latest" in written
        assert "Waiting for the lab" in written
        assert "Other results" in written
