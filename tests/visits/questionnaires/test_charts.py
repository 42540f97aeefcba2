"""The score chart's coordinates, computed on the server."""

import datetime
from types import SimpleNamespace

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

    def test_ends_of_time_and_score_map_to_the_plot_edges(self):
        """The first answer is at the left edge, the last at the right; 0 at the bottom, 27 at the top."""
        series = charts.score_series([response("phq-9", 0, 0), response("phq-9", 10, 27)])
        chart = charts.line_chart(series)
        (line,) = chart["lines"]
        first, last = line["markers"]
        assert (first[0], first[1]) == (charts.LEFT, chart["bottom"])
        assert (last[0], last[1]) == (chart["right"], charts.TOP)

    def test_a_single_answer_sits_in_the_middle(self):
        """One point in time is drawn at the centre of the plot."""
        chart = charts.line_chart(charts.score_series([response("gad-7", 0, 10)]))
        x = chart["lines"][0]["markers"][0][0]
        assert x == charts.LEFT + (charts.WIDTH - charts.LEFT - charts.RIGHT) / 2
