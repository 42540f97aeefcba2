"""Emails about visits, one per action, with an .ics calendar file that is right in every zone.

The patient is told every booking, move, cancellation and reminder; the clinician is told every
booking, move and cancellation of a visit with them. Each email is rendered now and queued with
`transaction.on_commit`, so a change that rolls back sends nothing.
"""

import datetime
from collections.abc import Sequence
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from accounts.tasks import queue_email
from accounts.zones import zone_name
from visits.scheduling.models import Visit

PRODUCT_ID = "-//Housecall//Visits//EN"


def patient_zone(visit: Visit) -> ZoneInfo:
    """The zone a patient reads times in: their own, else their provider's."""
    profile = visit.patient.patient_profile_or_none
    return profile.zone if profile else visit.provider.zone


def patient_greeting_name(visit: Visit) -> str:
    """What the patient is called in an email: their preferred name, else their legal first name."""
    profile = visit.patient.patient_profile_or_none
    if profile is None:
        return ""
    return profile.preferred_name or profile.legal_first_name


def check_in_url(visit: Visit) -> str:
    """The visit's check-in page, on the clinic's own address (it opens the sign-in first)."""
    return settings.SITE_URL + reverse("video:check_in", args=[visit.pk])


def check_in_words(visit: Visit) -> str:
    """How to join the video visit, for emails and calendar files."""
    minutes = int(settings.VISIT_CHECK_IN_OPENS_BEFORE.total_seconds() // 60)
    return (
        f"From {minutes} minutes before the start, check in for the video visit at "
        f"{check_in_url(visit)} (you sign in to {settings.SITE_NAME} first)."
    )


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
            "summary",
            f"{settings.SITE_NAME} video visit: {visit.visit_type.name} with {visit.provider}",
        )
        event.add("description", check_in_words(visit))
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical().decode()


def _queue_on_commit(**email) -> None:
    """Queue the email once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(partial(queue_email, **email))


def _render(template: str, zone: ZoneInfo, context: dict) -> str:
    with timezone.override(zone):  # the date filters show times in the reader's zone
        return render_to_string(
            f"visits/email/{template}.txt",
            {
                "site_name": settings.SITE_NAME,
                "zone": zone_name(zone),
                "check_in_minutes": int(settings.VISIT_CHECK_IN_OPENS_BEFORE.total_seconds() // 60),
                **context,
            },
        )


def _send(
    template: str,
    visits: Sequence[Visit],
    subject: str,
    *,
    cancelled: bool = False,
    previous: Sequence[datetime.datetime] = (),
    **context,
) -> None:
    first = visits[0]
    zone = patient_zone(first)
    body = _render(
        template,
        zone,
        {
            "name": patient_greeting_name(first),
            "visits": [(visit, visit.start.astimezone(zone)) for visit in visits],
            "moves": [
                (visit, old.astimezone(zone), visit.start.astimezone(zone))
                for visit, old in zip(visits, previous, strict=True)
            ]
            if previous
            else [],
            "first": first,
            **context,
        },
    )
    _queue_on_commit(
        subject=f"{settings.SITE_NAME}: {subject}",
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


def _tell_clinician(
    change: str, visits: Sequence[Visit], *, previous: Sequence[datetime.datetime] = ()
) -> None:
    """Tell the clinician a visit with them was booked, moved or cancelled.

    The email names no patient and no reason (minimum necessary): it gives the visit type and the
    time in the clinician's zone, and links to the visit, where they sign in to see who.
    """
    first = visits[0]
    provider = first.provider
    zone = provider.zone
    count = "a visit" if len(visits) == 1 else f"{len(visits)} visits"
    body = _render(
        "clinician_change",
        zone,
        {
            "name": provider.user.display_name,
            "change": change,
            "count": count,
            "visits": [
                (
                    visit,
                    visit.start.astimezone(zone),
                    previous[index].astimezone(zone) if previous else None,
                    settings.SITE_URL + reverse("scheduling:visit_detail", args=[visit.pk]),
                )
                for index, visit in enumerate(visits)
            ],
        },
    )
    _queue_on_commit(
        subject=f"{settings.SITE_NAME}: {count} with you {'was' if len(visits) == 1 else 'were'} {change}",
        body=body,
        to=[provider.user.email],
    )


def notify_booked(visits: Sequence[Visit], *, by_staff: bool = False) -> None:
    """Confirm one visit, or a whole series, in one email; tell the clinician too."""
    noun = "visit is" if len(visits) == 1 else f"{len(visits)} visits are"
    _send("booked", visits, f"your {noun} booked", by_staff=by_staff)
    _tell_clinician("booked", visits)


def notify_cancelled(
    visits: Sequence[Visit], *, late: bool, by_staff: bool = False, note: str = ""
) -> None:
    """Tell the patient which visits are cancelled, in one email; tell the clinician too."""
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
    _tell_clinician("cancelled", visits)


def notify_moved(
    visits: Sequence[Visit],
    *,
    previous: Sequence[datetime.datetime],
    by_staff: bool = False,
    note: str = "",
) -> None:
    """Tell the patient each visit's old and new time, in one email; tell the clinician too.

    `previous` holds each visit's start before the move, in the same order as `visits`.
    """
    noun = "visit has" if len(visits) == 1 else f"{len(visits)} visits have"
    _send(
        "moved",
        visits,
        f"your {noun} a new time",
        previous=previous,
        by_staff=by_staff,
        note=note,
    )
    _tell_clinician("moved", visits, previous=previous)


def notify_reminder(visit: Visit) -> None:
    """The day-before reminder."""
    _send(
        "reminder",
        [visit],
        "reminder: your visit tomorrow",
        check_in_url=check_in_url(visit),
    )
