"""What the on-demand pages show: who is on duty where, a patient's place, a physician's queue."""

import datetime
from dataclasses import dataclass

from django.db.models import BigIntegerField, Q, QuerySet

from accounts import policy
from accounts.licensure import current_licence
from accounts.models import ProviderProfile
from config.prepared import Param, Prepared, Viewer
from visits.ondemand.hours import estimated_wait_minutes
from visits.ondemand.models import PhysicianDuty, QueueEntry

# A physician's queue page lists this many patients; the count says how many more wait.
QUEUE_SHOWN = 20


def physicians_on_duty(state: str, *, now: datetime.datetime) -> QuerySet[ProviderProfile]:
    """Physicians on duty now who hold a current licence in `state`."""
    return (
        ProviderProfile.objects.filter(
            kind=ProviderProfile.Kind.PHYSICIAN,
            pk__in=PhysicianDuty.objects.filter(ended_at__isnull=True).values("provider_id"),
        )
        .filter(current_licence(now=now, state=state, path="licenses__"))
        .distinct()
    )


# The queue pages' own reads, built and compiled once (config.prepared).
_OPEN_DUTY = Prepared(
    lambda provider: PhysicianDuty.objects.filter(
        provider=provider, ended_at__isnull=True
    ).order_by("pk"),
    provider=Param("provider", BigIntegerField()),
)
_LAST_WAIT = Prepared(
    lambda viewer: (
        policy.QUEUE_ENTRIES.filter(QueueEntry.objects.all(), viewer)
        .only("status", "removed_because", "ended_at")
        .order_by("-pk")
    ),
    viewer=Viewer(),
)


def open_duty(provider: ProviderProfile) -> PhysicianDuty | None:
    found = _OPEN_DUTY.run(provider=provider, limit=1)
    return found[0] if found else None


def latest_entry(patient) -> QueueEntry | None:
    """The patient's most recent queue entry (their place now, or how their last wait ended)."""
    return (
        policy.QUEUE_ENTRIES.filter(QueueEntry.objects.all(), patient)
        .select_related("taken_by__user", "symptom_check__questionnaire")
        .order_by("-pk")
        .first()
    )


def last_wait(patient) -> QueueEntry | None:
    """The patient's most recent queue entry as the seen-now page tells of it: its state and
    how and when it ended, nothing joined."""
    found = _LAST_WAIT.run(viewer=patient, limit=1)
    return found[0] if found else None


@dataclass(frozen=True)
class Place:
    """Where a waiting patient stands: their position among patients in their state, how many
    physicians licensed there are on duty, and the estimated wait in minutes (None if nobody)."""

    position: int
    physicians: int
    wait_minutes: int | None


def place_of(entry: QueueEntry, *, now: datetime.datetime) -> Place:
    """A waiting entry's position and estimated wait; two queries whatever the queue's length."""
    ahead = (
        QueueEntry.objects.waiting()
        .filter(state=entry.state)
        .filter(Q(joined_at__lt=entry.joined_at) | Q(joined_at=entry.joined_at, pk__lt=entry.pk))
        .count()
    )
    physicians = physicians_on_duty(entry.state, now=now).count()
    position = ahead + 1
    return Place(position, physicians, estimated_wait_minutes(position, physicians))


@dataclass(frozen=True)
class PhysicianQueue:
    """The waiting patients a physician may take, oldest first (at most QUEUE_SHOWN), and how
    many there are in all."""

    entries: list[QueueEntry]
    total: int


def queue_for(user) -> PhysicianQueue:
    """The waiting patients in the states this physician is licensed in now, never others."""
    waiting = policy.QUEUE_ENTRIES.filter(QueueEntry.objects.waiting(), user)
    entries = list(waiting.select_related("symptom_check__questionnaire")[:QUEUE_SHOWN])
    total = len(entries) if len(entries) < QUEUE_SHOWN else waiting.count()
    return PhysicianQueue(entries, total)
