"""PHQ-9 and GAD-7 totals over time, drawn as an SVG line chart on the server (no script)."""

import datetime
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 36
MAX_TOTAL = 27
SERIES = {"phq-9": ("PHQ-9", "series-phq9"), "gad-7": ("GAD-7", "series-gad7")}


@dataclass(frozen=True)
class Point:
    when: datetime.datetime
    total: int
    band: str


def score_series(responses) -> dict[str, list[Point]]:
    """Totals per instrument, oldest first, from submitted responses."""
    series: dict[str, list[Point]] = {label: [] for label, _ in SERIES.values()}
    for response in responses:
        label = SERIES[response.questionnaire.slug][0]
        series[label].append(Point(response.submitted_at, response.total, response.band))
    return series


def line_chart(series: dict[str, list[Point]]) -> dict | None:
    """Coordinates for the SVG: one polyline and labelled points per instrument, and the axes."""
    moments = [point.when for points in series.values() for point in points]
    if not moments:
        return None
    first, last = min(moments), max(moments)
    span = (last - first).total_seconds() or 1
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(when: datetime.datetime) -> float:
        if first == last:
            return LEFT + plot_width / 2
        return round(LEFT + (when - first).total_seconds() / span * plot_width, 1)

    def y(total: int) -> float:
        return round(TOP + plot_height - total / MAX_TOTAL * plot_height, 1)

    lines = []
    for label, css in SERIES.values():
        points = series.get(label, [])
        if not points:
            continue
        coordinates = [(x(point.when), y(point.total), point) for point in points]
        lines.append(
            {
                "label": label,
                "css": css,
                "points": " ".join(f"{cx},{cy}" for cx, cy, _ in coordinates),
                "markers": coordinates,
            }
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "ticks": [{"value": value, "y": y(value)} for value in (0, 5, 10, 15, 20, 27)],
        "first": first,
        "last": last,
        "lines": lines,
    }
