"""Booking, moving and cancelling visits: each in one transaction, with its emails queued in it.

No provider or patient is ever booked twice. On PostgreSQL exclusion constraints refuse
overlapping rows whatever happens in Python; on SQLite every write transaction takes the
database lock when it begins (transaction_mode IMMEDIATE), so the check below cannot race.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ProviderProfile, Role
from accounts.zones import zone_name
from visits.audit import AuditEvent, audit_change
from visits.questionnaires.models import QuestionnaireResponse
from visits.scheduling import notifications, tasks
from visits.scheduling.availability import PlannedSession, provider_free_times, series_plan
from visits.scheduling.display import patient_name, when_in_words
from visits.scheduling.gate import Refusal, booking_refusal, valid_symptom_check
from visits.scheduling.models import Visit, VisitSeries, VisitType
from visits.scheduling.recurrence import shifted_start
from visits.scheduling.slots import nearest


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
        profile = getattr(visit.patient, "patient_profile", None)
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


def _refuse_unless_bookable(
    *, patient, provider, visit_type, actor, now, other_complaint_confirmed: bool
) -> None:
    """Ask the booking gate, and raise its refusal in the words of the person booking."""
    refusal = booking_refusal(
        patient=patient,
        visit_type=visit_type,
        provider=provider,
        now=now,
        other_complaint_confirmed=other_complaint_confirmed,
    )
    if refusal is not None:
        raise NotBookable(refusal, by_patient=actor == patient)


def _link_symptom_check(visits: list[Visit], *, patient, now: datetime.datetime) -> None:
    """The symptom answers the booking passed the gate with go with the visit, for the clinician."""
    if not visits[0].visit_type.symptom_check:
        return
    answers = valid_symptom_check(patient, now=now)
    if answers is not None:
        QuestionnaireResponse.objects.filter(pk=answers.pk, visit__isnull=True).update(
            visit=visits[0]
        )


def _lock_schedule(provider: ProviderProfile) -> None:
    """Hold the provider's row for the transaction, so hours edits and bookings take turns.

    On PostgreSQL this orders a booking after a concurrent change to the provider's hours
    (the schedule editor takes the same lock); SQLite already serialises writers.
    """
    ProviderProfile.objects.select_for_update().filter(pk=provider.pk).exists()


def _new_visit(
    *, patient, provider, visit_type: VisitType, start, reason: str, booked_by, series=None
) -> Visit:
    """An unsaved visit holding its time and the provider's buffer after it."""
    return Visit(
        patient=patient,
        provider=provider,
        visit_type=visit_type,
        start=start,
        end=start + visit_type.duration,
        blocked_until=start + visit_type.duration + visit_type.buffer_after,
        series=series,
        reason=reason,
        booked_by=booked_by if booked_by != patient else None,
    )


@contextmanager
def _overlap_refused() -> Iterator[None]:
    """Report the database's refusal of an overlapping visit as SlotTaken.

    The exclusion constraints refuse a row that overlaps a committed one (IntegrityError).
    Two transactions writing overlapping rows at the same moment each wait for the other's
    while checking the constraint; PostgreSQL breaks that deadlock by failing one of them,
    which means the same thing to the person booking: someone else has the time.
    """
    try:
        yield
    except IntegrityError as error:
        raise SlotTaken(TAKEN_MESSAGE) from error
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED:
            raise SlotTaken(TAKEN_MESSAGE) from error
        raise


def own_overlap(
    patient, visit_type: VisitType, start: datetime.datetime, *, ignore_visits: tuple = ()
) -> Visit | None:
    """The patient's own visit that a visit of this type at `start` would overlap, if any."""
    return (
        Visit.objects.active()
        .filter(patient=patient, start__lt=start + visit_type.duration, end__gt=start)
        .exclude(pk__in=ignore_visits)
        .select_related("visit_type", "provider__user", "patient__patient_profile")
        .order_by("start")
        .first()
    )


def _insert(visit: Visit) -> None:
    """Save a new visit; the database's exclusion constraint has the last word on PostgreSQL."""
    with _overlap_refused(), transaction.atomic():
        visit.save(force_insert=True)


def _audit_visits(actor, action: str, visits: list[Visit], ip_address: str | None) -> None:
    """One audit event per visit touched, written in the caller's transaction."""
    audit_change(
        actor=actor,
        action=action,
        what="visit",
        records=[(visit.patient_id, visit.pk) for visit in visits],
        ip_address=ip_address,
    )


def _queue_booked_emails(visits: list[Visit], *, by_staff: bool) -> None:
    """Queue the confirmation and reminders inside the booking's transaction.

    With the database task backend the queued tasks commit or roll back with the booking itself.
    """
    notifications.notify_booked(visits, by_staff=by_staff)
    for visit in visits:
        tasks.schedule_reminder(visit)


def visit_book(
    *,
    patient,
    provider: ProviderProfile,
    visit_type: VisitType,
    start: datetime.datetime,
    reason: str = "",
    actor,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
    allow_outside_window: bool = False,
    other_complaint_confirmed: bool = False,
) -> Visit:
    """Book one visit if the time is free, then email the patient a confirmation with an .ics file.

    `allow_outside_window`: clinic staff (only) may book past the horizon or inside the minimum
    notice; the view asks them for the reason, which it keeps in the visit's `reason`.
    `other_complaint_confirmed`: the person booking confirmed that the visit is for something
    other than a recent symptom check's emergency answers (see gate.patient_refusal).
    """
    now = now or timezone.now()
    with transaction.atomic():
        _refuse_unless_bookable(
            patient=patient,
            provider=provider,
            visit_type=visit_type,
            actor=actor,
            now=now,
            other_complaint_confirmed=other_complaint_confirmed,
        )
        _lock_schedule(provider)
        free = provider_free_times(
            provider=provider,
            visit_type=visit_type,
            around=start,
            now=now,
            patient=patient,
            outside_window=allow_outside_window and actor.role == Role.STAFF,
        )
        if start not in free:
            alternatives = nearest(free, start)
            own = own_overlap(patient, visit_type, start)
            if own is not None:
                raise OwnVisitClash(own, by_patient=actor == patient, alternatives=alternatives)
            raise SlotTaken(TAKEN_MESSAGE, alternatives)
        visit = _new_visit(
            patient=patient,
            provider=provider,
            visit_type=visit_type,
            start=start,
            reason=reason,
            booked_by=actor,
        )
        try:
            _insert(visit)
        except SlotTaken as taken:
            taken.alternatives = nearest([t for t in free if t != start], start)
            raise
        _link_symptom_check([visit], patient=patient, now=now)
        _audit_visits(actor, AuditEvent.Action.CREATE, [visit], ip_address)
        _queue_booked_emails([visit], by_staff=actor != patient)
    return visit


def visit_series_book(
    *,
    patient,
    provider: ProviderProfile,
    visit_type: VisitType,
    starts: list[datetime.datetime],
    every_weeks: int,
    reason: str = "",
    actor,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
    other_complaint_confirmed: bool = False,
) -> VisitSeries:
    """Book every start in one transaction, or none: a clash anywhere stops the whole series."""
    now = now or timezone.now()
    if not visit_type.can_recur:
        raise NotBookable(f"{visit_type.name} visits cannot be booked as a series.")
    starts = sorted(set(starts))
    with transaction.atomic():
        _refuse_unless_bookable(
            patient=patient,
            provider=provider,
            visit_type=visit_type,
            actor=actor,
            now=now,
            other_complaint_confirmed=other_complaint_confirmed,
        )
        _lock_schedule(provider)
        plan = series_plan(
            patient=patient, provider=provider, visit_type=visit_type, starts=starts, now=now
        )
        clashes = [session for session in plan if not session.free]
        if clashes:
            raise SeriesClash(
                f"{len(clashes)} of the times you chose {'was' if len(clashes) == 1 else 'were'} "
                "just taken. Every other session is kept as you chose it.",
                plan,
            )
        series = VisitSeries.objects.create(
            patient=patient, provider=provider, visit_type=visit_type, frequency=every_weeks
        )
        visits = []
        for start in starts:
            visit = _new_visit(
                patient=patient,
                provider=provider,
                visit_type=visit_type,
                start=start,
                reason=reason,
                booked_by=actor,
                series=series,
            )
            _insert(visit)
            visits.append(visit)
        _link_symptom_check(visits, patient=patient, now=now)
        _audit_visits(actor, AuditEvent.Action.CREATE, visits, ip_address)
        _queue_booked_emails(visits, by_staff=actor != patient)
    return series


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


def _lock_in_scope(visit: Visit, scope: str, *, now: datetime.datetime) -> list[Visit]:
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


def visit_cancel(
    *,
    visit: Visit,
    actor,
    scope: str = Scope.THIS,
    note: str = "",
    reason: str = "",
    reason_text: str = "",
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> list[Visit]:
    """Cancel a visit (or part of its series) and send one email. The patient's late cancellations are recorded.

    `note` is the clinic's message to the patient, and only the clinic writes one: a patient's
    own words go in `reason_text`, with `reason` (a Visit.CancelReason) kept on the visit for
    the clinic and never sent back to them as a message from the clinic.
    Raises VisitChanged if the visit was cancelled or moved since `visit` was read.
    """
    now = now or timezone.now()
    by_patient = actor == visit.patient
    clinic_note = "" if by_patient else note
    with transaction.atomic():
        visits = _lock_in_scope(visit, scope, now=now)
        late = False
        for each in visits:
            each_late = by_patient and is_late_cancellation(each, now=now)
            late = late or each_late
            each.status = Visit.Status.LATE_CANCELLED if each_late else Visit.Status.CANCELLED
            each.cancelled_at = now
            each.cancelled_by = actor
            each.cancel_reason = reason
            each.cancel_reason_text = reason_text
            each.sequence += 1
            each.save(
                update_fields=[
                    "status",
                    "cancelled_at",
                    "cancelled_by",
                    "cancel_reason",
                    "cancel_reason_text",
                    "sequence",
                    "updated_at",
                ]
            )
        _audit_visits(actor, AuditEvent.Action.CANCEL, visits, ip_address)
        notifications.notify_cancelled(visits, late=late, by_staff=not by_patient, note=clinic_note)
    return visits


def visit_reschedule(
    *,
    visit: Visit,
    new_start: datetime.datetime,
    actor,
    scope: str = Scope.THIS,
    note: str = "",
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> list[Visit]:
    """Move a visit, or the rest of its series, with the same provider; all or nothing, one email.

    Raises VisitChanged if the visit was cancelled or moved since `visit` was read, SlotTaken
    (OwnVisitClash when it is the patient's own other visit) if the new time is not free.
    """
    now = now or timezone.now()
    zone = visit.provider.zone
    with transaction.atomic():
        _lock_schedule(visit.provider)
        visits = _lock_in_scope(visit, scope, now=now)
        targets = [
            shifted_start(each.start, old_anchor=visit.start, new_anchor=new_start, zone=zone)
            for each in visits
        ]
        plan = series_plan(
            patient=visit.patient,
            provider=visit.provider,
            visit_type=visit.visit_type,
            starts=targets,
            now=now,
            ignore_visits=tuple(each.pk for each in visits),
        )
        clashes = [session for session in plan if not session.free]
        if clashes:
            alternatives = [
                alternative for session in clashes for alternative in session.alternatives
            ]
            if len(visits) == 1:
                own = own_overlap(
                    visit.patient, visit.visit_type, targets[0], ignore_visits=(visit.pk,)
                )
                if own is not None:
                    raise OwnVisitClash(
                        own, by_patient=actor == visit.patient, alternatives=alternatives
                    )
            raise SlotTaken(
                "That time is not free."
                if len(visits) == 1
                else f"{len(clashes)} of the new times are not free.",
                alternatives,
            )
        if connection.vendor == "postgresql":
            # Visits of one series may pass one another while they move.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET CONSTRAINTS visit_provider_no_overlap, visit_patient_no_overlap DEFERRED"
                )
        previous = [each.start for each in visits]
        moved_at = timezone.now()
        for each, target in zip(visits, targets, strict=True):
            each.start = target
            each.updated_at = moved_at  # bulk_update does not touch auto_now fields
            each.end = target + each.visit_type.duration
            each.blocked_until = each.end + each.visit_type.buffer_after
            each.reminder_sent_at = None
            each.sequence += 1
        with _overlap_refused(), transaction.atomic():
            Visit.objects.bulk_update(
                visits,
                ["start", "end", "blocked_until", "reminder_sent_at", "sequence", "updated_at"],
            )
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SET CONSTRAINTS visit_provider_no_overlap, visit_patient_no_overlap IMMEDIATE"
                    )
        _audit_visits(actor, AuditEvent.Action.UPDATE, visits, ip_address)
        notifications.notify_moved(
            visits, previous=previous, by_staff=actor != visit.patient, note=note
        )
        for each in visits:
            tasks.schedule_reminder(each)
    return visits
