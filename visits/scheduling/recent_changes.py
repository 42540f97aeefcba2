"""What changed lately in a clinician's schedule: visits with them booked, moved or cancelled."""

import datetime
from dataclasses import dataclass

from accounts.models import ProviderProfile
from visits.scheduling.models import Visit

RECENT = datetime.timedelta(days=14)
CHANGES_SHOWN = 5
CHANGED_STATUSES = (Visit.Status.BOOKED, Visit.Status.CANCELLED, Visit.Status.LATE_CANCELLED)
# What a row of the clinician's dashboard shows of a visit, its type and its patient: the
# columns loaded, so the query is built, run and read for these alone.
DASHBOARD_VISIT_FIELDS = (
    "start",
    "status",
    "sequence",
    "updated_at",
    "patient_id",
    "visit_type__name",
    "patient__email",
    "patient__patient_profile__legal_first_name",
    "patient__patient_profile__legal_last_name",
)


@dataclass(frozen=True)
class VisitChange:
    """One visit and what last happened to it: "Booked", "Moved" or "Cancelled"."""

    visit: Visit
    change: str
    at: datetime.datetime


def change_of(visit: Visit) -> str:
    """A visit's last change, read from its state: cancelled, moved (a new calendar revision), booked."""
    if visit.is_cancelled:
        return "Cancelled"
    return "Moved" if visit.sequence > 0 else "Booked"


def recent_changes(
    visits, *, provider: ProviderProfile, now: datetime.datetime
) -> list[VisitChange]:
    """The last few visits with `provider` booked, moved or cancelled in the past two weeks.

    `visits` is what the viewer may see (`Visit.objects.visible_to(user)`); one query, at most
    CHANGES_SHOWN rows, with the patient's name and the visit type.
    """
    changed = (
        visits.filter(provider=provider, status__in=CHANGED_STATUSES, updated_at__gte=now - RECENT)
        .select_related("visit_type", "patient__patient_profile")
        .only(*DASHBOARD_VISIT_FIELDS)
        .order_by("-updated_at")[:CHANGES_SHOWN]
    )
    return [VisitChange(visit, change_of(visit), visit.updated_at) for visit in changed]
