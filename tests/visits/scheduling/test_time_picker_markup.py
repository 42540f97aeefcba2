"""The time picker's lists are written as the template wrote them, character for character
(time_picker_reference.html, the picker before its lists were written in Python)."""

from pathlib import Path

import pytest
from django.template import Context, Template
from django.template.loader import get_template
from django.test import RequestFactory

REFERENCE = Template((Path(__file__).parent / "time_picker_reference.html").read_text())
DAYS = [
    {"iso": "2026-12-02", "label": "Wed 2 Dec", "count": 1, "chosen": False},
    {"iso": "2026-12-03", "label": "Thu 3 Dec", "count": 12, "chosen": True},
    {"iso": "2026-12-04", "label": "Fri <4> & Dec", "count": 0, "chosen": False},
]
TIMES = [
    {"start": "2026-12-03T15%3A00%3A00%2B00%3A00", "label": "9:00 AM"},
    {"start": "2026-12-03T15:30:00+00:00&x=<y>", "label": "9:30 <AM>"},
]


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(("days", "times"), [(DAYS, TIMES), (DAYS, []), ([], [])])
def test_the_picker_writes_what_its_template_wrote(days, times, htmx):
    request = RequestFactory().get("/")
    request.htmx = htmx
    values = {
        "days": days,
        "times": times,
        "times_url": "/book/follow-up/7/times/",
        "confirm_url": "/book/follow-up/7/confirm/?a=1&b=2",
        "chosen_day_words": "Thursday, December 3",
        "zone": "America/Chicago",
        "request": request,
    }
    written = get_template("visits/scheduling/_time_picker.html").render(values, request)
    assert written == REFERENCE.render(Context(values))
