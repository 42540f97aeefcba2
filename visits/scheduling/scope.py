"""Which visits a change to one visit touches (this one, the rest of its series, all of it),
re-read and locked in the caller's transaction so two changes never both apply."""

import datetime

from django.db.models import Q

from visits.scheduling.errors import VisitChanged
from visits.scheduling.models import Visit


class Scope:
    """Which visits of a series an action applies to."""

    THIS = "this"
    FOLLOWING = "following"
    SERIES = "series"
    CHOICES = [
        (THIS, "Only this visit"),
        (FOLLOWING, "This and all later visits in the series"),
        (SERIES, "Every upcoming visit in the series"),
    ]


CHANGED_FIELDS = (
    "status",
    "start",
    "end",
    "blocked_until",
    "sequence",
    "cancelled_at",
    "cancelled_by_id",
    "reminder_sent_at",
    "series_id",
)


def lock_in_scope(visit: Visit, scope: str, *, now: datetime.datetime) -> list[Visit]:
    """Re-read and lock, inside the caller's transaction, the visits a change to `visit` touches.

    `visit` is the copy the person saw. If its row is no longer booked, or its calendar sequence
    moved on (someone moved it meanwhile), the change is refused with VisitChanged. On
    PostgreSQL the rows stay locked until the transaction ends, so a concurrent change waits
    and then finds the new row; SQLite's IMMEDIATE transactions already run writers one by one.
    The caller's copy is brought up to date, and every change is made from the fresh rows.
    """
    rows = Visit.objects.select_for_update(of=("self",)).select_related(
        "visit_type", "provider__user", "patient"
    )
    if scope == Scope.THIS or visit.series_id is None:
        rows = rows.filter(pk=visit.pk)
    else:
        siblings = Q(series_id=visit.series_id, status=Visit.Status.BOOKED, end__gt=now)
        if scope == Scope.FOLLOWING:
            siblings &= Q(start__gte=visit.start)
        rows = rows.filter(Q(pk=visit.pk) | siblings)
    fresh = list(rows.order_by("start"))
    current = next(each for each in fresh if each.pk == visit.pk)
    if current.status != Visit.Status.BOOKED or current.sequence != visit.sequence:
        raise VisitChanged(current)
    for name in CHANGED_FIELDS:
        setattr(visit, name, getattr(current, name))
    return [visit if each.pk == visit.pk else each for each in fresh]


def is_late_cancellation(visit: Visit, *, now: datetime.datetime) -> bool:
    """Cancelling inside the visit type's window is a late cancellation."""
    return visit.start - now < visit.visit_type.cancellation_window
