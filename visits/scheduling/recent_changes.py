"""What changed lately in a clinician's schedule: visits with them booked, moved or cancelled."""

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import BigIntegerField, DateTimeField

from accounts.models import ProviderProfile
from config.prepared import Param, Prepared, Viewer
from visits.scheduling.models import Visit
from visits.templatetags.remembered_urls import remembered_reverse

RECENT = datetime.timedelta(days=14)
CHANGES_SHOWN = 5
CHANGED_STATUSES = (Visit.Status.BOOKED, Visit.Status.CANCELLED, Visit.Status.LATE_CANCELLED)
# What a row of the clinician's dashboard shows of a visit, its type and its patient: the
# columns read, as plain values, so the query is built, run and read for these alone.
DASHBOARD_VISIT_FIELDS = (
    "pk",
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
STATUS_WORDS = dict(Visit.Status.choices)


@dataclass(frozen=True)
class DashboardVisit:
    """A visit as a row of the clinician's dashboard shows it, in words."""

    pk: uuid.UUID
    patient_id: int
    start: datetime.datetime
    updated_at: datetime.datetime
    status: str
    change: str
    visit_type: str
    patient: str
    url: str


def change_of(status: str, sequence: int) -> str:
    """A visit's last change, read from its state: cancelled, moved (a new calendar revision), booked."""
    if status in (Visit.Status.CANCELLED, Visit.Status.LATE_CANCELLED):
        return "Cancelled"
    return "Moved" if sequence > 0 else "Booked"


def dashboard_visits(visits: Iterable[dict]) -> list[DashboardVisit]:
    """Visits' DASHBOARD_VISIT_FIELDS (already filtered, ordered and sliced) as the dashboard
    shows them."""
    rows = []
    for row in visits:
        first = row["patient__patient_profile__legal_first_name"]
        last = row["patient__patient_profile__legal_last_name"]
        rows.append(
            DashboardVisit(
                pk=row["pk"],
                patient_id=row["patient_id"],
                start=row["start"],
                updated_at=row["updated_at"],
                status=str(STATUS_WORDS.get(row["status"], row["status"])),
                change=change_of(row["status"], row["sequence"]),
                visit_type=row["visit_type__name"],
                # The patient's legal name, else their email (PatientProfile.legal_name).
                patient=row["patient__email"] if first is None else f"{first} {last}",
                url=remembered_reverse("scheduling:visit_detail", [row["pk"]]),
            )
        )
    return rows


# The dashboard's two lists of visits, built and compiled once (config.prepared).
TODAY = Prepared(
    lambda viewer, start, end: (
        Visit.objects.visible_to(viewer)
        .active()
        .filter(start__gte=start, start__lt=end)
        .order_by("start")
        .values(*DASHBOARD_VISIT_FIELDS)
    ),
    viewer=Viewer(),
    start=Param("start", DateTimeField()),
    end=Param("end", DateTimeField()),
)
CHANGES = Prepared(
    lambda viewer, provider, since: (
        Visit.objects.visible_to(viewer)
        .filter(provider=provider, status__in=CHANGED_STATUSES, updated_at__gte=since)
        .order_by("-updated_at")
        .values(*DASHBOARD_VISIT_FIELDS)
    ),
    viewer=Viewer(),
    provider=Param("provider", BigIntegerField()),
    since=Param("since", DateTimeField()),
)


def visits_between(
    viewer, start: datetime.datetime, end: datetime.datetime
) -> list[DashboardVisit]:
    """The visits the viewer may see that start from `start` up to `end` and hold their time."""
    return dashboard_visits(TODAY.run(viewer=viewer, start=start, end=end))


def recent_changes(
    viewer, *, provider: ProviderProfile, now: datetime.datetime
) -> list[DashboardVisit]:
    """The last few visits with `provider` booked, moved or cancelled in the past two weeks,
    of those the viewer may see: one query, at most CHANGES_SHOWN rows, with the patient's
    name and the visit type."""
    return dashboard_visits(
        CHANGES.run(viewer=viewer, provider=provider, since=now - RECENT, limit=CHANGES_SHOWN)
    )
