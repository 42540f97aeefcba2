"""A visit's life: booked → checked in → in progress → completed, or a no-show.

Each move is a service that locks the visit's row, refuses a move that makes no sense with a
message for the person who asked (`TransitionRefused`), and records who moved it and when (a
`VisitTransition`, the visit's own time stamp and, for anyone but the patient, an audit event),
all in one transaction. Cancelling and moving stay with the scheduling services, which refuse
any visit that is no longer booked.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from visits.audit import AuditEvent, audit_change
from visits.records.models import VisitTransition
from visits.scheduling.models import Visit

Status = Visit.Status


class TransitionRefused(Exception):
    """A status change that cannot be made, with a message for the person who asked."""

    def __init__(self, message: str, *, visit: Visit) -> None:
        super().__init__(message)
        self.visit = visit


# The moves a visit may make, each from the statuses it may start from.
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    Status.CHECKED_IN: (Status.BOOKED,),
    Status.IN_PROGRESS: (Status.BOOKED, Status.CHECKED_IN),
    Status.COMPLETED: (Status.IN_PROGRESS,),
    Status.NO_SHOW: (Status.BOOKED,),
}

# Each status's time stamp on the visit.
STAMPED: dict[str, str] = {
    Status.CHECKED_IN: "checked_in_at",
    Status.IN_PROGRESS: "started_at",
    Status.COMPLETED: "completed_at",
}

REFUSED_FROM: dict[str, str] = {
    Status.COMPLETED: "This visit is already completed.",
    Status.CANCELLED: "This visit was cancelled.",
    Status.LATE_CANCELLED: "This visit was cancelled.",
    Status.NO_SHOW: "This visit was marked a no-show.",
    Status.IN_PROGRESS: "This visit has already started.",
    Status.CHECKED_IN: "The patient has already checked in.",
    Status.BOOKED: "This visit has not started yet.",
}


def check_in_opens(visit: Visit) -> datetime.datetime:
    """When the patient may first check in: settings.VISIT_CHECK_IN_OPENS_BEFORE before the start."""
    return visit.start - settings.VISIT_CHECK_IN_OPENS_BEFORE


def no_show_due(visit: Visit) -> datetime.datetime:
    """When a booked visit nobody checked in to becomes a no-show for the task."""
    return visit.start + settings.VISIT_NO_SHOW_AFTER


def can_check_in(visit: Visit, *, now: datetime.datetime) -> bool:
    """Whether check-in is open for this visit now: booked, and from shortly before its start
    until its end."""
    return visit.status == Status.BOOKED and check_in_opens(visit) <= now < visit.end


def _refuse_unless_allowed(visit: Visit, to: str, now: datetime.datetime) -> None:
    if visit.status not in ALLOWED_FROM[to]:
        raise TransitionRefused(REFUSED_FROM[visit.status], visit=visit)
    if to == Status.CHECKED_IN and not can_check_in(visit, now=now):
        if now >= visit.end:
            raise TransitionRefused("This visit's time has passed.", visit=visit)
        raise TransitionRefused(
            "Check-in opens "
            f"{int(settings.VISIT_CHECK_IN_OPENS_BEFORE.total_seconds() // 60)} minutes "
            "before the visit.",
            visit=visit,
        )
    if to == Status.IN_PROGRESS and now < check_in_opens(visit):
        raise TransitionRefused("It is too early to start this visit.", visit=visit)
    if to == Status.NO_SHOW and now < visit.start:
        raise TransitionRefused(
            "A visit can only be marked a no-show after its start.", visit=visit
        )


def allowed_moves(visit: Visit, *, now: datetime.datetime) -> list[str]:
    """The statuses this visit may move to now, by the same checks the services make (for the
    buttons a clinician or staff member is offered)."""
    moves = []
    for to in ALLOWED_FROM:
        try:
            _refuse_unless_allowed(visit, to, now)
        except TransitionRefused:
            continue
        moves.append(to)
    return moves


def _move(
    visit: Visit,
    to: str,
    *,
    actor,
    ip_address: str | None,
    now: datetime.datetime | None,
) -> Visit:
    """Lock the visit, check the move against its fresh row, make it and record it."""
    now = now or timezone.now()
    with transaction.atomic():
        fresh = Visit.objects.select_for_update().get(pk=visit.pk)
        _refuse_unless_allowed(fresh, to, now)
        before = fresh.status
        fresh.status = to
        changed = ["status", "updated_at"]
        if to in STAMPED:
            setattr(fresh, STAMPED[to], now)
            changed.append(STAMPED[to])
        fresh.save(update_fields=changed)
        VisitTransition.objects.create(
            visit=fresh, from_status=before, to_status=to, actor=actor, at=now
        )
        if actor is not None:
            audit_change(
                actor=actor,
                action=AuditEvent.Action.UPDATE,
                what="visit",
                records=[(fresh.patient_id, fresh.pk)],
                ip_address=ip_address,
            )
    for name in ("status", *STAMPED.values(), "updated_at"):
        setattr(visit, name, getattr(fresh, name))
    return visit


def visit_check_in(
    *, visit: Visit, actor, ip_address: str | None = None, now: datetime.datetime | None = None
) -> Visit:
    """The patient is here: from settings.VISIT_CHECK_IN_OPENS_BEFORE before the start until its end."""
    return _move(visit, Status.CHECKED_IN, actor=actor, ip_address=ip_address, now=now)


def visit_start(
    *, visit: Visit, actor, ip_address: str | None = None, now: datetime.datetime | None = None
) -> Visit:
    """The clinician begins the visit, with or without the patient's check-in first."""
    return _move(visit, Status.IN_PROGRESS, actor=actor, ip_address=ip_address, now=now)


def visit_complete(
    *, visit: Visit, actor, ip_address: str | None = None, now: datetime.datetime | None = None
) -> Visit:
    """The visit is over; only a visit in progress can be completed."""
    return _move(visit, Status.COMPLETED, actor=actor, ip_address=ip_address, now=now)


def visit_mark_no_show(
    *, visit: Visit, actor, ip_address: str | None = None, now: datetime.datetime | None = None
) -> Visit:
    """Nobody came: only a booked visit, and only after its start."""
    return _move(visit, Status.NO_SHOW, actor=actor, ip_address=ip_address, now=now)


def mark_no_shows(*, now: datetime.datetime | None = None) -> int:
    """Mark every booked visit nobody checked in to by settings.VISIT_NO_SHOW_AFTER past its
    start a no-show (the task's and the command's work); returns how many."""
    now = now or timezone.now()
    # The ids first, then one locked move each: the rows change while the sweep runs (SQLite
    # gives a cursor over a table being written no isolation).
    due = list(
        Visit.objects.filter(
            status=Status.BOOKED, start__lte=now - settings.VISIT_NO_SHOW_AFTER
        ).only("pk", "start", "end", "status", "patient_id")
    )
    marked = 0
    for visit in due:
        try:
            visit_mark_no_show(visit=visit, actor=None, now=now)
        except TransitionRefused:
            continue  # someone checked them in or cancelled meanwhile
        marked += 1
    return marked
