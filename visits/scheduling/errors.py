"""What a booking or a change to a visit can run into, each refusal a type with its message.

Raised by the services (visits.scheduling.services) and turned into messages and links by the
pages; they are importable from services too.
"""

import datetime
from zoneinfo import ZoneInfo

from accounts.zones import zone_name
from visits.scheduling.availability import PlannedSession
from visits.scheduling.display import patient_name, when_in_words
from visits.scheduling.gate import Refusal
from visits.scheduling.models import Visit


class BookingError(Exception):
    """A booking that cannot be made, with a message written for the person booking."""


class NotBookable(BookingError):
    """The booking gate refused: `refusal` says why, the message is for the person booking."""

    def __init__(self, refusal: Refusal | str, *, by_patient: bool = True) -> None:
        if isinstance(refusal, str):
            refusal = Refusal(refusal, refusal)
        super().__init__(refusal.message_for(by_patient=by_patient))
        self.refusal = refusal


class VisitChanged(BookingError):
    """Someone changed this visit since the person loaded it; `visit` is the row as it now is.

    Of two changes to one visit sent at once (two tabs, a patient and the clinic), the first to
    take the row's lock wins; the other is refused with this, never applied to a stale copy.
    """

    def __init__(self, visit: Visit) -> None:
        self.visit = visit
        self.cancelled = visit.is_cancelled
        if self.cancelled:
            message = "This visit was cancelled a moment ago."
        elif visit.status != Visit.Status.BOOKED:
            message = "This visit has already started, so it can no longer be changed."
        else:
            message = "This visit was moved a moment ago."
        super().__init__(message)

    def message_in(self, zone: ZoneInfo) -> str:
        """The refusal for the reader, naming the visit's new time in their zone when it moved."""
        if self.cancelled or self.visit.status != Visit.Status.BOOKED:
            return str(self)
        local = self.visit.start.astimezone(zone)
        return f"This visit was moved a moment ago to {when_in_words(local)} {zone_name(zone)}."


class SlotTaken(BookingError):
    """The time is no longer free; `alternatives` are the nearest free starts."""

    def __init__(self, message: str, alternatives: list[datetime.datetime] | None = None) -> None:
        super().__init__(message)
        self.alternatives = alternatives or []


class OwnVisitClash(SlotTaken):
    """The time overlaps the patient's own other visit (`visit`), not someone else's booking."""

    def __init__(
        self,
        visit: Visit,
        *,
        by_patient: bool,
        alternatives: list[datetime.datetime] | None = None,
    ) -> None:
        profile = visit.patient.patient_profile_or_none
        zone = profile.zone if profile else visit.provider.zone
        local = visit.start.astimezone(zone)
        whose = "your own" if by_patient else f"{patient_name(visit.patient)}'s own"
        super().__init__(
            f"That time overlaps {whose} {visit.visit_type.name.lower()} visit with "
            f"{visit.provider} on {when_in_words(local)} {zone_name(zone)}.",
            alternatives,
        )
        self.visit = visit


class SeriesClash(SlotTaken):
    """Some dates of a series are no longer free; `plan` keeps every date as it was chosen,
    with alternatives on the same day for the dates that clash."""

    def __init__(self, message: str, plan: list[PlannedSession]) -> None:
        super().__init__(
            message,
            [alternative for session in plan for alternative in session.alternatives],
        )
        self.plan = plan


DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
TAKEN_MESSAGE = (
    "Sorry, that time was just taken. Here are the nearest free times with the same provider."
)
