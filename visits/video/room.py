"""When a visit's room is open, and what the waiting room tells the patient: pure answers from
the visit and the clock."""

import datetime
import math
from dataclasses import dataclass

from django.conf import settings

from visits.scheduling.models import Visit

Status = Visit.Status
# The statuses in which the room is open: from check-in (or a start without one) until completed.
OPEN_STATUSES = (Status.CHECKED_IN, Status.IN_PROGRESS)

CLOSED_MESSAGES: dict[str, str] = {
    Status.BOOKED: "The video room opens when you check in.",
    Status.COMPLETED: "This visit has ended.",
    Status.CANCELLED: "This visit was cancelled.",
    Status.LATE_CANCELLED: "This visit was cancelled.",
    Status.NO_SHOW: "This visit was marked as missed.",
}
TIME_PASSED = "This visit's time has passed."


def room_closes(visit: Visit) -> datetime.datetime:
    """When the room closes at the latest: settings.VIDEO_ROOM_OPEN_AFTER_END after the end."""
    return visit.end + settings.VIDEO_ROOM_OPEN_AFTER_END


def room_closed_because(visit: Visit, *, now: datetime.datetime) -> str | None:
    """Why this visit's room is closed now, in words; None while it is open."""
    if visit.status not in OPEN_STATUSES:
        return CLOSED_MESSAGES.get(visit.status, TIME_PASSED)
    if now >= room_closes(visit):
        return TIME_PASSED
    return None


def room_is_open(visit: Visit, *, now: datetime.datetime) -> bool:
    """Whether the patient and the clinician may meet in the room (and signal) now."""
    return room_closed_because(visit, now=now) is None


@dataclass(frozen=True)
class WaitingStatus:
    """What the waiting room says: `state` is early, late, ready or ended; `minutes` goes with
    early (until the start) and late (past the start)."""

    state: str
    minutes: int = 0
    clinician_busy: bool = False

    @property
    def key(self) -> str:
        """Changes exactly when what the patient reads changes (so a poll can skip the swap)."""
        return f"{self.state}-{self.minutes}-{int(self.clinician_busy)}"


def waiting_status(
    visit: Visit, *, now: datetime.datetime, clinician_busy: bool = False
) -> WaitingStatus:
    """The clinician's status for the waiting patient, from the visit's status and the clock.

    `clinician_busy` says the clinician is in another visit that has not ended yet.
    """
    if visit.status == Status.IN_PROGRESS:
        return WaitingStatus("ready")
    if not room_is_open(visit, now=now):
        return WaitingStatus("ended")
    if now < visit.start:
        minutes = math.ceil((visit.start - now).total_seconds() / 60)
        return WaitingStatus("early", minutes, clinician_busy)
    minutes = max(1, math.floor((now - visit.start).total_seconds() / 60))
    return WaitingStatus("late", minutes, clinician_busy)
