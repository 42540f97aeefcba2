"""PHQ-9 and GAD-7 totals over time, drawn as an SVG line chart on the server (no script).

The drawing is small in user units (460 wide) so that its 16-unit labels stay about 12 px on a
390 px phone; the stylesheet caps how wide it grows on a desktop.
"""

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.safestring import SafeString

from config.html import escape
from visits.scheduling.display import month_day

WIDTH, HEIGHT = 460, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 24, 16, 40
FONT_SIZE = 16
MAX_TOTAL = 27
# The time axis spans at least a week, so two answers a minute apart sit side by side instead of at
# opposite edges; a longer history gets a little room at both ends for its markers.
MIN_SPAN = datetime.timedelta(days=7)
EDGE_ROOM = 0.04
MAX_DATE_TICKS = 4
SERIES = {"phq-9": ("PHQ-9", "series-phq9"), "gad-7": ("GAD-7", "series-gad7")}


@dataclass(frozen=True)
class Point:
    when: datetime.datetime
    total: int
    band: str


def day_words(when: datetime.datetime, zone: datetime.tzinfo) -> str:
    """The day as the pages write it ("Mar 4, 2026"), in `zone`: what `|date:"M j, Y"` prints,
    in plain Python (scheduling.display), without the filter's locale and translation lookups."""
    day = when.astimezone(zone)
    return f"{month_day(day)}, {day.year:04d}"


def score_series(responses) -> dict[str, list[Point]]:
    """Totals per instrument, oldest first, from submitted responses."""
    return series_of(
        (response.questionnaire.slug, response.submitted_at, response.total, response.band)
        for response in responses
    )


def series_of(scores: Iterable[tuple[str, datetime.datetime, int, str]]) -> dict[str, list[Point]]:
    """Totals per instrument, oldest first, from (slug, submitted at, total, band) values."""
    series: dict[str, list[Point]] = {label: [] for label, _ in SERIES.values()}
    for slug, when, total, band in scores:
        series[SERIES[slug][0]].append(Point(when, total, band))
    return series


def time_axis(
    first: datetime.datetime, last: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """The axis's two ends: at least MIN_SPAN around the answers, with room at both edges."""
    span = last - first
    if span < MIN_SPAN:
        middle = first + span / 2
        return middle - MIN_SPAN / 2, middle + MIN_SPAN / 2
    room = span * EDGE_ROOM
    return first - room, last + room


def date_ticks(
    start: datetime.datetime, end: datetime.datetime, zone: datetime.tzinfo
) -> list[datetime.datetime]:
    """At most MAX_DATE_TICKS local midnights inside the axis, evenly a whole number of days apart."""
    first_day = start.astimezone(zone).date() + datetime.timedelta(days=1)
    last_day = end.astimezone(zone).date()
    days = (last_day - first_day).days
    step = max(1, math.ceil(days / (MAX_DATE_TICKS - 1))) if days > 0 else 1
    ticks: list[datetime.datetime] = []
    day = first_day
    while day <= last_day and len(ticks) < MAX_DATE_TICKS:
        midnight = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
        if start <= midnight <= end:
            ticks.append(midnight)
        day += datetime.timedelta(days=step)
    return ticks


def line_chart(
    series: dict[str, list[Point]], *, zone: datetime.tzinfo | None = None
) -> dict | None:
    """Coordinates for the SVG: one polyline and labelled points per instrument, and the axes.

    Date ticks fall on midnights in `zone` (the viewer's, by default), so each reads as one date.
    """
    moments = [point.when for points in series.values() for point in points]
    if not moments:
        return None
    zone = zone or timezone.get_current_timezone()
    first, last = min(moments), max(moments)
    start, end = time_axis(first, last)
    span = (end - start).total_seconds()
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(when: datetime.datetime) -> float:
        return round(LEFT + (when - start).total_seconds() / span * plot_width, 1)

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
                # (x, y, its words) per marker, the words made once here, not by a date filter per point.
                "markers": [
                    (cx, cy, f"{label} {point.total} on {day_words(point.when, zone)}")
                    for cx, cy, point in coordinates
                ],
            }
        )
    ticks = [{"value": value, "y": y(value)} for value in (0, 5, 10, 15, 20, 27)]
    midnights = date_ticks(start, end, zone)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + FONT_SIZE + 6,
        "ticks": ticks,
        "date_ticks": [{"when": when, "x": x(when)} for when in midnights],
        "start": start,
        "end": end,
        "first": first,
        "last": last,
        "lines": lines,
    }


CHART_DESC = "Totals over time; lower is better. The same figures are in the table below."


def chart_markup(chart: dict, *, desc: str = CHART_DESC) -> SafeString:
    """The chart's SVG in its figure, written in Python: a template spent a dozen lookups and
    filters on every grid line, marker and date tick (tests/visits/questionnaires holds that
    template, and the test that this writes what it wrote)."""
    zone = timezone.get_current_timezone()
    left, right, bottom = chart["left"], chart["right"], chart["bottom"]
    html = [
        '\n<figure class="score-chart">\n'
        f'  <svg viewBox="0 0 {chart["width"]} {chart["height"]}" role="img" '
        'aria-labelledby="chart-title chart-desc" focusable="false">\n'
        '    <title id="chart-title">PHQ-9 and GAD-7 totals from '
        f"{day_words(chart['first'], zone)} to {day_words(chart['last'], zone)}</title>\n"
        f'    <desc id="chart-desc">{escape(desc)}</desc>\n    '
    ]
    for tick in chart["ticks"]:
        html.append(
            f'\n      <line x1="{left}" x2="{right}" y1="{tick["y"]}" y2="{tick["y"]}" '
            'class="grid-line"/>\n'
            f'      <text x="{left - 8}" y="{tick["y"]}" class="tick-label" text-anchor="end" '
            f'dominant-baseline="middle">{tick["value"]}</text>\n    '
        )
    html.append("\n    ")
    for line in chart["lines"]:
        css = escape(line["css"])
        markers = "".join(
            f'<circle cx="{cx}" cy="{cy}" r="4" class="{css}"><title>{escape(words)}</title></circle>'
            for cx, cy, words in line["markers"]
        )
        html.append(
            f'\n      <polyline points="{escape(line["points"])}" class="{css}" fill="none"/>\n'
            f"      {markers}\n    "
        )
    html.append(
        f'\n    <line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" class="axis-line"/>\n    '
    )
    for tick in chart["date_ticks"]:
        html.append(
            f'\n      <line x1="{tick["x"]}" x2="{tick["x"]}" y1="{bottom}" y2="{bottom + 6}" '
            'class="axis-line"/>\n'
            f'      <text x="{tick["x"]}" y="{chart["label_y"]}" class="tick-label date-tick" '
            f'text-anchor="middle">{month_day(tick["when"].astimezone(zone))}</text>\n    '
        )
    html.append(
        "\n  </svg>\n"
        '  <figcaption><span class="key series-phq9">PHQ-9 (depression, 0\u201327)</span> '
        '<span class="key series-gad7">GAD-7 (anxiety, 0\u201321)</span></figcaption>\n'
        "</figure>\n"
    )
    return SafeString("".join(html))
