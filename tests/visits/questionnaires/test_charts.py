"""The score chart's coordinates, computed on the server."""

import datetime
import itertools
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from visits.questionnaires import charts

DAY = datetime.datetime(2027, 2, 1, tzinfo=datetime.UTC)


def response(slug: str, days: int, total: int, band: str = "Mild"):
    return SimpleNamespace(
        questionnaire=SimpleNamespace(slug=slug),
        submitted_at=DAY + datetime.timedelta(days=days),
        total=total,
        band=band,
    )


class TestScoreSeries:
    def test_totals_are_grouped_per_instrument(self):
        """Each instrument keeps its own points, in the order given."""
        series = charts.score_series([response("phq-9", 0, 5), response("gad-7", 1, 3)])
        assert [point.total for point in series["PHQ-9"]] == [5]
        assert [point.total for point in series["GAD-7"]] == [3]


class TestLineChart:
    def test_no_points_no_chart(self):
        """Nothing to draw gives no chart."""
        assert charts.line_chart({"PHQ-9": [], "GAD-7": []}) is None

    def test_a_long_history_spans_the_plot_with_room_at_the_edges(self):
        """Ten days apart: the answers sit just inside the edges; 0 at the bottom, 27 at the top."""
        series = charts.score_series([response("phq-9", 0, 0), response("phq-9", 10, 27)])
        chart = charts.line_chart(series, zone=datetime.UTC)
        (line,) = chart["lines"]
        first, last = line["markers"]
        assert charts.LEFT < first[0] < charts.LEFT + 20
        assert chart["right"] - 20 < last[0] < chart["right"]
        assert (first[1], last[1]) == (chart["bottom"], charts.TOP)

    def test_a_single_answer_sits_in_the_middle(self):
        """One point in time is drawn at the centre of the plot."""
        chart = charts.line_chart(charts.score_series([response("gad-7", 0, 10)]))
        x = chart["lines"][0]["markers"][0][0]
        assert x == charts.LEFT + (charts.WIDTH - charts.LEFT - charts.RIGHT) / 2

    def test_two_answers_a_minute_apart_stay_close_together(self):
        """The axis spans at least a week, so a minute between answers is a hair's width, not the plot."""
        close = response("phq-9", 0, 5)
        later = SimpleNamespace(
            **{**vars(close), "submitted_at": DAY + datetime.timedelta(minutes=1)}
        )
        chart = charts.line_chart(charts.score_series([close, later]), zone=datetime.UTC)
        assert chart["end"] - chart["start"] == charts.MIN_SPAN
        first, second = chart["lines"][0]["markers"]
        assert second[0] - first[0] < 1
        middle = charts.LEFT + (charts.WIDTH - charts.LEFT - charts.RIGHT) / 2
        assert abs(first[0] - middle) < 1

    def test_date_ticks_fall_on_local_midnights_inside_the_axis(self):
        """A handful of ticks, each a midnight in the viewer's zone, within the plot."""
        zone = ZoneInfo("America/Los_Angeles")
        series = charts.score_series([response("phq-9", 0, 5), response("gad-7", 60, 3)])
        chart = charts.line_chart(series, zone=zone)
        ticks = chart["date_ticks"]
        assert 2 <= len(ticks) <= charts.MAX_DATE_TICKS
        for tick in ticks:
            local = tick["when"].astimezone(zone)
            assert (local.hour, local.minute) == (0, 0)
            assert charts.LEFT <= tick["x"] <= chart["right"]
        gaps = {(b["when"] - a["when"]).days for a, b in itertools.pairwise(ticks)}
        assert len(gaps) == 1

    def test_a_week_long_axis_ticks_whole_days(self):
        """Around one answer, the week shows days, never hours."""
        chart = charts.line_chart(
            charts.score_series([response("gad-7", 0, 10)]), zone=datetime.UTC
        )
        days = [tick["when"] for tick in chart["date_ticks"]]
        assert days
        assert all(when.time() == datetime.time() for when in days)


class TestChartMarkup:
    def test_the_markup_is_what_the_chart_template_writes(self, settings):
        """The SVG written in Python is what the chart's template wrote, character for character
        (score_chart_reference.html, as the pages rendered it before), with either description."""
        from pathlib import Path

        from django.template import Context, Template
        from django.utils import timezone

        reference = Template((Path(__file__).parent / "score_chart_reference.html").read_text())

        with timezone.override(ZoneInfo("America/Chicago")):
            for responses in (
                [response("phq-9", 0, 5)],
                [response("phq-9", 0, 5), response("gad-7", 1, 3, band="<b>")],
                [response("phq-9", days, days % 28) for days in range(0, 90, 9)],
            ):
                chart = charts.line_chart(charts.score_series(responses))
                assert chart is not None
                written = reference.render(Context({"chart": chart}))
                assert charts.chart_markup(chart) == written
                described = reference.render(Context({"chart": chart, "chart_desc": "A <desc>"}))
                assert charts.chart_markup(chart, desc="A <desc>") == described

    def test_day_words_are_the_date_filters(self):
        """A day is written as `|date:"M j, Y"` writes it, in the zone given."""
        from django.utils.dateformat import format as date_format

        zone = ZoneInfo("Pacific/Auckland")
        for days in range(0, 365, 31):
            when = DAY + datetime.timedelta(days=days, hours=13)
            assert charts.day_words(when, zone) == date_format(when.astimezone(zone), "M j, Y")
