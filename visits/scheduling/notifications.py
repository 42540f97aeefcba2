"""Emails about visits, one per action, with an .ics calendar file that is right in every zone."""

import datetime
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone
from icalendar import Calendar, Event

from accounts.tasks import queue_email
from visits.scheduling.models import Visit

PRODUCT_ID = "-//Housecall//Visits//EN"


def patient_zone(visit: Visit) -> ZoneInfo:
    """The zone a patient reads times in: their own, else their provider's."""
    profile = getattr(visit.patient, "patient_profile", None)
    return profile.zone if profile else visit.provider.zone


def visit_calendar(visits: Sequence[Visit], *, cancelled: bool = False) -> str:
    """An iCalendar file with one event per visit, times in UTC so every calendar shows them right."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    for visit in visits:
        event = Event()
        event.add("uid", f"{visit.pk}@housecall")
        event.add("dtstamp", datetime.datetime.now(datetime.UTC))
        event.add("dtstart", visit.start.astimezone(datetime.UTC))
        event.add("dtend", visit.end.astimezone(datetime.UTC))
        event.add("sequence", visit.sequence)
        event.add(
            "summary", f"Housecall video visit: {visit.visit_type.name} with {visit.provider}"
        )
        event.add(
            "description",
            "Sign in to Housecall a few minutes before the start to join the video visit.",
        )
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical().decode()


def _send(
    template: str, visits: Sequence[Visit], subject: str, *, cancelled: bool = False, **context
) -> None:
    first = visits[0]
    zone = patient_zone(first)
    with timezone.override(zone):  # the date filters show times in the patient's zone
        body = render_to_string(
            f"visits/email/{template}.txt",
            {
                "visits": [(visit, visit.start.astimezone(zone)) for visit in visits],
                "first": first,
                "zone": zone,
                **context,
            },
        )
    queue_email(
        subject=f"Housecall: {subject}",
        body=body,
        to=[first.patient.email],
        attachments=[
            {
                "filename": "housecall-visit.ics",
                "content": visit_calendar(visits, cancelled=cancelled),
                "mimetype": "text/calendar",
            }
        ],
    )


def notify_booked(visits: Sequence[Visit], *, by_staff: bool = False) -> None:
    """Confirm one visit, or a whole series, in one email."""
    noun = "visit is" if len(visits) == 1 else f"{len(visits)} visits are"
    _send("booked", visits, f"your {noun} booked", by_staff=by_staff)


def notify_cancelled(
    visits: Sequence[Visit], *, late: bool, by_staff: bool = False, note: str = ""
) -> None:
    """Tell the patient which visits are cancelled, in one email."""
    noun = "visit is" if len(visits) == 1 else f"{len(visits)} visits are"
    _send(
        "cancelled",
        visits,
        f"your {noun} cancelled",
        cancelled=True,
        late=late,
        by_staff=by_staff,
        note=note,
    )


def notify_moved(visits: Sequence[Visit], *, by_staff: bool = False, note: str = "") -> None:
    """Tell the patient the new times, in one email."""
    noun = "visit has" if len(visits) == 1 else f"{len(visits)} visits have"
    _send("moved", visits, f"your {noun} a new time", by_staff=by_staff, note=note)


def notify_reminder(visit: Visit) -> None:
    """The day-before reminder."""
    _send("reminder", [visit], "reminder: your visit tomorrow")
