"""The hours editor's domain: a proposed change to a provider's hours, the visits it strands,
the free times to offer them, and saving the change with what happens to each of those visits.

A ScheduleChange describes the week an edit leaves behind and how to save it; nothing is written
until `schedule_change_save`, which saves the edit, then the cancellations, then the moves, in
one transaction (each through the visit services, which write their audit events and emails).
"""

import datetime
import uuid
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import BigIntegerField, DateField

from accounts.models import ProviderProfile
from config.prepared import Param, Prepared
from visits.scheduling.availability import dated_change, provider_free_times, weekly_block
from visits.scheduling.display import exception_summary, span
from visits.scheduling.models import ScheduleException, Visit, Weekday, WeeklyHours
from visits.scheduling.services import Scope, SlotTaken, visit_cancel, visit_reschedule
from visits.scheduling.slots import (
    DatedChange,
    WeeklyBlock,
    merge_intervals,
    nearest,
    working_hours,
)

ONE_DAY = datetime.timedelta(days=1)
# Free times offered for a stranded visit: the nearest few within a week either side.
OFFER_DAYS = 7
OFFER_COUNT = 3
VISIT_RELATIONS = ("visit_type", "provider__user", "patient__patient_profile")

KEEP = "keep"
MOVE = "move"
CANCEL = "cancel"


# The hours editor's reads, built and compiled once (config.prepared).
EDITED_HOURS = Prepared(
    lambda provider: WeeklyHours.objects.filter(provider=provider),
    provider=Param("provider", BigIntegerField()),
)
EDITED_EXCEPTIONS = Prepared(
    lambda provider, since: ScheduleException.objects.filter(
        provider=provider, end_date__gte=since
    ),
    provider=Param("provider", BigIntegerField()),
    since=Param("since", DateField()),
)


@dataclass
class Schedule:
    """A provider's weekly hours and the exceptions that still matter, loaded for one edit."""

    provider: ProviderProfile
    blocks: list[WeeklyHours]
    exceptions: list[ScheduleException]

    @classmethod
    def load(cls, provider: ProviderProfile, *, today: datetime.date) -> "Schedule":
        """Every weekly block, and the exceptions from yesterday on (earlier ones change nothing)."""
        return cls(
            provider=provider,
            blocks=EDITED_HOURS.run(provider=provider),
            exceptions=EDITED_EXCEPTIONS.run(provider=provider, since=today - ONE_DAY),
        )

    def blocks_on(self, weekday: int) -> list[WeeklyHours]:
        return sorted(
            (block for block in self.blocks if block.weekday == weekday),
            key=lambda block: block.start_time,
        )

    def weekly(self) -> list[WeeklyBlock]:
        return [weekly_block(block) for block in self.blocks]

    def dated(self) -> list[DatedChange]:
        return [dated_change(exception) for exception in self.exceptions]


@dataclass
class ScheduleChange:
    """One edit to a provider's hours before it is saved: the week it leaves, and how to save it.

    `save` may run more than once (a trial run that is rolled back, then the real one), so it
    works from ids and fresh rows, never from instances it changes.
    """

    weekly: list[WeeklyBlock]
    dated: list[DatedChange]
    save: Callable[[], object]
    summary: str
    weekdays: tuple[int, ...] = field(default=())


# The edits the editor proposes.


def block_added(
    schedule: Schedule, weekday: int, start: datetime.time, end: datetime.time
) -> ScheduleChange:
    """The week with a new block on `weekday`."""
    provider = schedule.provider

    def save() -> None:
        WeeklyHours.objects.create(
            provider=provider, weekday=weekday, start_time=start, end_time=end
        )

    return ScheduleChange(
        weekly=[*schedule.weekly(), WeeklyBlock(weekday, start, end)],
        dated=schedule.dated(),
        save=save,
        summary=f"Add {Weekday(weekday).label} {span(start, end)}",
        weekdays=(weekday,),
    )


def block_changed(
    schedule: Schedule, block: WeeklyHours, start: datetime.time, end: datetime.time
) -> ScheduleChange:
    """The week with one block's times changed."""
    weekly = [weekly_block(each) for each in schedule.blocks if each.pk != block.pk]
    return ScheduleChange(
        weekly=[*weekly, WeeklyBlock(block.weekday, start, end)],
        dated=schedule.dated(),
        save=lambda: WeeklyHours.objects.filter(pk=block.pk).update(start_time=start, end_time=end),
        summary=(
            f"Change {Weekday(block.weekday).label} {span(block.start_time, block.end_time)} "
            f"to {span(start, end)}"
        ),
        weekdays=(block.weekday,),
    )


def block_removal(schedule: Schedule, block: WeeklyHours) -> ScheduleChange:
    """Take one block out of the week."""
    return ScheduleChange(
        weekly=[weekly_block(each) for each in schedule.blocks if each.pk != block.pk],
        dated=schedule.dated(),
        save=lambda: WeeklyHours.objects.filter(pk=block.pk).delete(),
        summary=f"Remove {block.get_weekday_display()} {span(block.start_time, block.end_time)}",
        weekdays=(block.weekday,),
    )


def days_copied(schedule: Schedule, source: int, targets: list[int]) -> ScheduleChange:
    """Copy one weekday's blocks to other weekdays, replacing what those days had."""
    provider = schedule.provider
    copied = [(block.start_time, block.end_time) for block in schedule.blocks_on(source)]
    weekly = [weekly_block(each) for each in schedule.blocks if each.weekday not in targets]
    weekly += [WeeklyBlock(day, start, end) for day in targets for start, end in copied]

    def save() -> None:
        WeeklyHours.objects.filter(provider=provider, weekday__in=targets).delete()
        WeeklyHours.objects.bulk_create(
            WeeklyHours(provider=provider, weekday=day, start_time=start, end_time=end)
            for day in targets
            for start, end in copied
        )

    names = ", ".join(Weekday(day).label for day in sorted(targets))
    return ScheduleChange(
        weekly=weekly,
        dated=schedule.dated(),
        save=save,
        summary=f"Copy {Weekday(source).label}'s hours to {names}",
        weekdays=(source, *targets),
    )


def exception_added(schedule: Schedule, details: dict) -> ScheduleChange:
    """Add time off or extra hours (`details` are a ScheduleException's fields)."""
    provider = schedule.provider
    exception = ScheduleException(provider=provider, **details)
    return ScheduleChange(
        weekly=schedule.weekly(),
        dated=[*schedule.dated(), dated_change(exception)],
        save=lambda: ScheduleException.objects.create(provider=provider, **details),
        summary=f"Add {exception_summary(exception).lower()}",
    )


def exception_removal(schedule: Schedule, exception: ScheduleException) -> ScheduleChange:
    """Take one dated exception away, so the regular week applies again."""
    return ScheduleChange(
        weekly=schedule.weekly(),
        dated=[dated_change(each) for each in schedule.exceptions if each.pk != exception.pk],
        save=lambda: ScheduleException.objects.filter(pk=exception.pk).delete(),
        summary=f"Remove {exception_summary(exception).lower()}",
    )


# The visits an edit would leave outside the hours, and the times to offer them.


def covers(intervals: list[tuple], start: datetime.datetime, end: datetime.datetime) -> bool:
    """Whether one of these merged, sorted intervals holds all of [start, end)."""
    index = bisect_right(intervals, (start, datetime.datetime.max.replace(tzinfo=datetime.UTC)))
    return index > 0 and intervals[index - 1][0] <= start and intervals[index - 1][1] >= end


def working(
    weekly: list[WeeklyBlock],
    dated: list[DatedChange],
    zone,
    first_day: datetime.date,
    last_day: datetime.date,
) -> list[tuple]:
    """The merged working intervals, in UTC, of these hours over these local days."""
    return merge_intervals(
        working_hours(
            weekly=weekly, changes=dated, zone=zone, first_day=first_day, last_day=last_day
        )
    )


def stranded_visits(
    provider: ProviderProfile,
    schedule: Schedule,
    change: ScheduleChange,
    *,
    now: datetime.datetime,
) -> list[Visit]:
    """Upcoming booked visits inside the hours now that the change would leave outside them."""
    visits = list(
        Visit.objects.filter(provider=provider, status=Visit.Status.BOOKED, start__gt=now)
        .select_related(*VISIT_RELATIONS)
        .order_by("start")
    )
    if not visits:
        return []
    zone = provider.zone
    first_day = visits[0].start.astimezone(zone).date() - ONE_DAY
    last_day = max(visit.end for visit in visits).astimezone(zone).date() + ONE_DAY
    before = working(schedule.weekly(), schedule.dated(), zone, first_day, last_day)
    after = working(change.weekly, change.dated, zone, first_day, last_day)
    return [
        visit
        for visit in visits
        if covers(before, visit.start, visit.end) and not covers(after, visit.start, visit.end)
    ]


def held(visit: Visit, start: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The provider's time a visit would hold if it started at `start` (its buffer included)."""
    return start, start + visit.visit_type.duration + visit.visit_type.buffer_after


def overlaps(
    first: tuple[datetime.datetime, datetime.datetime],
    second: tuple[datetime.datetime, datetime.datetime],
) -> bool:
    return first[0] < second[1] and second[0] < first[1]


def offers(
    provider: ProviderProfile,
    change: ScheduleChange,
    visits: list[Visit],
    *,
    now: datetime.datetime,
) -> dict[uuid.UUID, list[datetime.datetime]]:
    """The nearest free times for each visit (by id) as they would be with the change saved.

    Each visit is offered times that do not collide with the times offered to the visits
    before it, so that no two choices offered can clash; only when too few such times are free
    are the colliding ones offered too (and a clash is then refused by the form).

    The change is saved inside a savepoint, the free times are read through the booking
    reads, and the savepoint is rolled back: nothing is kept. The trial writes hours only (no
    visit changes, audit events or emails); any on_commit callback registered inside it is
    discarded with the savepoint.
    """
    result: dict[uuid.UUID, list[datetime.datetime]] = {}
    offered: list[tuple[datetime.datetime, datetime.datetime]] = []
    with transaction.atomic():
        change.save()
        for visit in visits:
            free = provider_free_times(
                provider=provider,
                visit_type=visit.visit_type,
                around=visit.start,
                now=now,
                patient=visit.patient,
                days=OFFER_DAYS,
                ignore_visits=(visit.pk,),
            )
            apart = [
                start
                for start in free
                if not any(overlaps(held(visit, start), other) for other in offered)
            ]
            chosen = nearest(apart, visit.start, OFFER_COUNT)
            if len(chosen) < OFFER_COUNT:
                rest = [start for start in free if start not in chosen]
                chosen = sorted(chosen + nearest(rest, visit.start, OFFER_COUNT - len(chosen)))
            result[visit.pk] = chosen
            offered += [held(visit, start) for start in chosen]
        transaction.set_rollback(True)
    return result


def clashes(decisions: list["Decision"]) -> list[tuple["Decision", "Decision"]]:
    """Pairs of moves whose new times overlap each other (the provider cannot hold both)."""
    moves = [
        (each, held(each.visit, each.start))
        for each in decisions
        if each.choice == MOVE and each.start is not None
    ]
    return [
        (first, second)
        for index, (first, first_held) in enumerate(moves)
        for second, second_held in moves[index + 1 :]
        if overlaps(first_held, second_held)
    ]


# Saving an edit with what happens to each visit it strands.


@dataclass(frozen=True)
class Decision:
    """What happens to one stranded visit: keep it, move it to `start`, or cancel it."""

    visit: Visit
    choice: str
    start: datetime.datetime | None = None


class MoveFailed(Exception):
    """A chosen time was taken meanwhile; the whole edit is undone."""

    def __init__(self, visit: Visit) -> None:
        super().__init__(f"The new time for visit {visit.pk} is no longer free.")
        self.visit = visit


def schedule_change_save(
    *,
    provider: ProviderProfile,
    change: ScheduleChange,
    decisions: list[Decision],
    actor,
    note: str = "",
    ip_address: str | None = None,
    now: datetime.datetime,
) -> Counter:
    """Save the edit and carry out each decision, all in one transaction; how many of each.

    Cancellations come first, so moves can use the time they free. A move onto a time taken
    meanwhile raises MoveFailed and nothing is kept. The visit services write the audit
    events and queue the emails.
    """
    order = {KEEP: 0, CANCEL: 1, MOVE: 2}
    done: Counter = Counter()
    with transaction.atomic():
        ProviderProfile.objects.select_for_update().filter(pk=provider.pk).exists()
        change.save()
        for decision in sorted(decisions, key=lambda each: order[each.choice]):
            if decision.choice == CANCEL:
                visit_cancel(
                    visit=decision.visit,
                    actor=actor,
                    scope=Scope.THIS,
                    note=note,
                    ip_address=ip_address,
                    now=now,
                )
            elif decision.choice == MOVE:
                if decision.start is None:
                    raise ValueError("A move needs its new start.")
                try:
                    visit_reschedule(
                        visit=decision.visit,
                        new_start=decision.start,
                        actor=actor,
                        scope=Scope.THIS,
                        note=note,
                        ip_address=ip_address,
                        now=now,
                    )
                except SlotTaken:
                    raise MoveFailed(decision.visit) from None
            done[decision.choice] += 1
    return done
