"""The days of a provider's calendar as the page shows them, each written in Python.

A week has seven days, a dozen visits and a hundred or more free start times; through the
template's loops each day cost a thousand calls or more. `CalendarDay.section` writes what
the template wrote, character for character (`tests/visits/scheduling/views/
test_calendar_days.py` holds it to that template).
"""

import datetime
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import SafeString, mark_safe

from visits.scheduling.display import day_name
from visits.scheduling.models import Visit

DASH = "\N{EN DASH}"


@dataclass
class CalendarVisit:
    """One visit on a calendar day, worded for the page: its times, patient, type and status,
    and (while it can still be changed) where to move or cancel it."""

    visit: Visit
    start: str
    end: str
    patient: str
    type_name: str
    status: str
    outside: bool
    changeable: bool
    move_url: str = ""
    cancel_url: str = ""

    @property
    def row(self) -> str:
        start = escape(self.start)
        badge = ' <span class="badge">outside the hours</span>' if self.outside else ""
        change = (
            f'\n                    <a href="{escape(self.move_url)}">Move'
            f'<span class="visually-hidden"> the {start} visit</span></a>\n'
            f'                    <a href="{escape(self.cancel_url)}">Cancel'
            f'<span class="visually-hidden"> the {start} visit</span></a>\n                  '
            if self.changeable
            else ""
        )
        return (
            "\n              <tr>\n"
            f'                <th scope="row">{start}{DASH}{escape(self.end)}</th>\n'
            f"                <td>{escape(self.patient)}</td>\n"
            f"                <td>{escape(self.type_name)}</td>\n"
            f"                <td>{escape(self.status)}{badge}</td>\n"
            "                <td>\n"
            f"                  {change}\n"
            "                </td>\n"
            "              </tr>\n            "
        )


@dataclass
class CalendarDay:
    """One local day of a provider's calendar: working time, visits and free starts, each
    worded for the page ("9:00 AM", "9:00 AM to 12:00 PM" with an en dash); `link` is the
    day's own page (in a week), `free_for` the visit type whose free starts are shown."""

    date: datetime.date
    working: list[str]
    visits: list[CalendarVisit] = field(default_factory=list)
    free: list[tuple[str, str]] = field(default_factory=list)  # (address, label)
    link: str = ""
    is_today: bool = False
    free_for: str | None = None

    @property
    def iso(self) -> str:
        return self.date.isoformat()

    @property
    def words(self) -> str:
        return day_name(self.date)

    @property
    def free_links(self) -> SafeString:
        """The free starts' list items, each a link to book it: a week has a hundred or more,
        so they are written with plain string formatting (`format_html` costs some seventy
        calls a link)."""
        words = escape(self.words)
        return mark_safe(  # noqa: S308 - the address and the label are escaped
            "".join(
                f'<li><a href="{escape(url)}">{escape(label)}'
                f'<span class="visually-hidden"> on {words}: book</span></a></li>'
                for url, label in self.free
            )
        )

    @property
    def section(self) -> SafeString:
        """The whole day: its heading, working time, visits and free starts."""
        iso, words = self.iso, escape(self.words)
        title = f'<a href="{escape(self.link)}">{words}</a>' if self.link else words
        today = " (today)" if self.is_today else ""
        working = ", ".join(escape(hours) for hours in self.working) or "not working"
        return mark_safe(  # noqa: S308 - every value is escaped
            f'\n  <section class="calendar-day" aria-labelledby="day-{iso}">\n'
            f'    <h2 id="day-{iso}">{title}{today}</h2>\n'
            "    <p><strong>Working:</strong>\n"
            f"      {working}\n"
            "    </p>\n"
            f"    {self._visits(iso, words)}\n"
            f"    {self._free()}\n"
            "  </section>\n"
        )

    def _visits(self, iso: str, words: str) -> str:
        if not self.visits:
            return '\n      <p class="empty">No visits.</p>\n    '
        rows = "".join(visit.row for visit in self.visits)
        return (
            f'\n      <div class="table-scroll" role="region" aria-labelledby="visits-{iso}"'
            ' tabindex="0">\n'
            '        <table class="striped">\n'
            f'          <caption id="visits-{iso}">Visits on {words}</caption>\n'
            "          <thead>\n"
            '            <tr><th scope="col">Time</th><th scope="col">Patient</th>'
            '<th scope="col">Visit type</th><th scope="col">Status</th>'
            '<th scope="col">Change</th></tr>\n'
            "          </thead>\n"
            "          <tbody>\n"
            f"            {rows}\n"
            "          </tbody>\n"
            "        </table>\n"
            "      </div>\n    "
        )

    def _free(self) -> str:
        if self.free_for is None:
            return ""
        if self.free:
            times = f'\n        <ul class="free-times">\n          {self.free_links}\n        </ul>\n      '
        else:
            times = '\n        <p class="empty">None.</p>\n      '
        return (
            f'\n      <h3 class="free-heading">Free start times for {escape(self.free_for)}</h3>\n'
            f"      {times}\n    "
        )
