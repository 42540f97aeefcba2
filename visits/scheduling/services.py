"""Booking, moving and cancelling visits: each in one transaction, with its emails queued in it.

No provider or patient is ever booked twice. On PostgreSQL exclusion constraints refuse
overlapping rows whatever happens in Python; on SQLite every write transaction takes the
database lock when it begins (transaction_mode IMMEDIATE), so the check below cannot race.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from accounts.models import ProviderProfile, Role
from visits.audit import AuditEvent, audit_change
from visits.questionnaires.models import QuestionnaireResponse
from visits.scheduling import notifications, tasks
from visits.scheduling.availability import provider_free_times, series_plan
from visits.scheduling.errors import (
    DEADLOCK_DETECTED as DEADLOCK_DETECTED,
)
from visits.scheduling.errors import (
    TAKEN_MESSAGE as TAKEN_MESSAGE,
)
from visits.scheduling.errors import (
    BookingError as BookingError,
)
from visits.scheduling.errors import (
    NotBookable as NotBookable,
)
from visits.scheduling.errors import (
    OwnVisitClash as OwnVisitClash,
)
from visits.scheduling.errors import (
    SeriesClash as SeriesClash,
)
from visits.scheduling.errors import (
    SlotTaken as SlotTaken,
)
from visits.scheduling.errors import (
    VisitChanged as VisitChanged,
)
from visits.scheduling.gate import booking_refusal, valid_symptom_check
from visits.scheduling.models import Visit, VisitSeries, VisitType
from visits.scheduling.recurrence import shifted_start
from visits.scheduling.scope import Scope as Scope
from visits.scheduling.scope import is_late_cancellation as is_late_cancellation
from visits.scheduling.scope import lock_in_scope
from visits.scheduling.slots import nearest


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
        visits = lock_in_scope(visit, scope, now=now)
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
        visits = lock_in_scope(visit, scope, now=now)
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
