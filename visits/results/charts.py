"""One lab test's values over time, drawn as an SVG on the server (no script, no inline style).

The drawing follows the score charts' proportions (visits.questionnaires.charts): 460 user units
wide so that 16-unit labels stay readable on a phone. The reference range is a shaded band, each
measurement a point; the page gives the same numbers in a table, so nothing is said by the
picture alone.
"""

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from visits.questionnaires.charts import date_ticks, time_axis

WIDTH, HEIGHT = 460, 270
LEFT, RIGHT, TOP, BOTTOM = 72, 32, 16, 64
FONT_SIZE = 16
TICKS_WANTED = 4
# The value axis reaches a little beyond the highest and lowest of the values and the range.
VALUE_ROOM = 0.12


@dataclass(frozen=True)
class TrendPoint:
    """One measurement of a test: when, the value and its flag."""

    when: datetime.datetime
    value: Decimal
    flag: str


def nice_step(span: float, wanted: int = TICKS_WANTED) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `wanted` ticks."""
    if span <= 0:
        return 1.0
    raw = span / wanted
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power  # pragma: no cover - the loop always returns


def value_axis(values: list[float]) -> tuple[float, float, list[float]]:
    """The value axis's two ends and its ticks, round numbers around every value given."""
    lowest, highest = min(values), max(values)
    span = highest - lowest or abs(highest) or 1.0
    lowest, highest = lowest - span * VALUE_ROOM, highest + span * VALUE_ROOM
    if min(values) >= 0:
        lowest = max(lowest, 0.0)
    step = nice_step(highest - lowest)
    start = math.floor(lowest / step) * step
    end = math.ceil(highest / step) * step
    count = round((end - start) / step)
    ticks = [round(start + index * step, 10) for index in range(count + 1)]
    return start, end, ticks


def tick_text(value: float) -> str:
    """A tick's number without a trailing .0: 2.5, 10, 0.25."""
    return f"{value:g}"


def trend_chart(
    points: list[TrendPoint],
    *,
    low: Decimal | None = None,
    high: Decimal | None = None,
    zone: datetime.tzinfo | None = None,
) -> dict | None:
    """Coordinates for the SVG: the points (oldest first), the range band, both axes' ticks.

    None for fewer than two measurements: one value is no trend.
    """
    if len(points) < 2:
        return None
    zone = zone or timezone.get_current_timezone()
    moments = [point.when for point in points]
    first, last = min(moments), max(moments)
    start, end = time_axis(first, last)
    seconds = (end - start).total_seconds()
    bounds = [float(bound) for bound in (low, high) if bound is not None]
    bottom_value, top_value, ticks = value_axis([float(p.value) for p in points] + bounds)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bottom = TOP + plot_height

    def x(when: datetime.datetime) -> float:
        return round(LEFT + (when - start).total_seconds() / seconds * plot_width, 1)

    def y(value: float) -> float:
        share = (value - bottom_value) / (top_value - bottom_value)
        return round(bottom - share * plot_height, 1)

    band = None
    if bounds:
        band_top = y(float(high)) if high is not None else TOP
        band_bottom = y(float(low)) if low is not None else bottom
        band = {"x": LEFT, "y": band_top, "width": plot_width, "height": band_bottom - band_top}
    markers = [
        {
            "x": x(point.when),
            "y": y(float(point.value)),
            "when": point.when,
            "value": f"{point.value.normalize():f}",
            "flagged": point.flag not in ("", "normal"),
        }
        for point in points
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": bottom,
        "middle_y": round(TOP + plot_height / 2, 1),
        "middle_x": round(LEFT + plot_width / 2, 1),
        "tick_x": LEFT - 8,
        "date_label_y": bottom + FONT_SIZE + 6,
        "axis_label_y": HEIGHT - 6,
        "value_label_x": FONT_SIZE + 2,
        "ticks": [{"text": tick_text(value), "y": y(value)} for value in ticks],
        "date_ticks": [{"when": when, "x": x(when)} for when in date_ticks(start, end, zone)],
        "band": band,
        "line": " ".join(f"{marker['x']},{marker['y']}" for marker in markers),
        "markers": markers,
        "first": first,
        "last": last,
    }
