"""Joining and leaving the on-demand queue, going on and off duty, taking the next patient, and
the sweep that removes idle patients and gives back patients nobody came for.

Two physicians never take the same patient. On PostgreSQL the taker locks the oldest waiting
entry it may take with SELECT … FOR UPDATE SKIP LOCKED, so a concurrent taker skips that row
and locks the next; on SQLite every write transaction takes the database lock when it begins
(transaction_mode IMMEDIATE), so takers run one after another. Either way the entry is then
claimed with a conditional UPDATE (still waiting), so a claim can only ever succeed once.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import DateTimeField, Q
from django.utils import timezone

from accounts import policy
from accounts.models import ProviderProfile
from config.prepared import Param, Prepared
from visits.audit import AuditEvent, audit_change
from visits.ondemand.gate import seen_now_gate, urgent_care
from visits.ondemand.models import ACTIVE_STATUSES, PhysicianDuty, QueueEntry
from visits.questionnaires.models import QuestionnaireResponse
from visits.records.lifecycle import visit_start
from visits.records.models import VisitTransition
from visits.scheduling.errors import DEADLOCK_DETECTED
from visits.scheduling.gate import Refusal
from visits.scheduling.models import Visit

Status = QueueEntry.Status
# How many entries one take looks at before giving up (each skipped one was removed for a clash).
TAKE_ATTEMPTS = 5


class OnDemandRefused(Exception):
    """Something on-demand that cannot be done now, with a message for the person who asked."""

    def __init__(self, message: str, *, refusal: Refusal | None = None) -> None:
        super().__init__(message)
        self.refusal = refusal


def queue_join(*, patient, now: datetime.datetime | None = None) -> QueueEntry:
    """Put the patient in the queue for physicians licensed in the state they are in now.

    A patient already waiting keeps their place (joining twice changes nothing). Refused, with
    the gate's message, outside on-demand hours, without a recent symptom check free of red
    flags, or when nobody licensed in their state is on duty.
    """
    now = now or timezone.now()
    current = QueueEntry.objects.filter(patient=patient, status__in=ACTIVE_STATUSES).first()
    if current is not None:
        return current
    answer = seen_now_gate(patient=patient, now=now)
    if answer.refusal is not None:
        raise OnDemandRefused(answer.refusal.message, refusal=answer.refusal)
    if answer.profile is None or answer.symptom_check is None:  # the gate passed neither
        raise OnDemandRefused("First, a few questions about your symptoms.")
    try:
        with transaction.atomic():
            return QueueEntry.objects.create(
                patient=patient,
                state=answer.profile.current_state,
                symptom_check=answer.symptom_check,
                joined_at=now,
                last_seen_at=now,
            )
    except IntegrityError:
        # The same patient joined at the same moment from another tab: that place stands.
        return QueueEntry.objects.get(patient=patient, status__in=ACTIVE_STATUSES)


def queue_leave(*, patient, now: datetime.datetime | None = None) -> bool:
    """The patient leaves the queue; False if they were not waiting (taken meanwhile, or gone)."""
    now = now or timezone.now()
    return bool(
        QueueEntry.objects.filter(patient=patient, status=Status.WAITING).update(
            status=Status.LEFT, ended_at=now
        )
    )


def queue_seen(*, entry: QueueEntry, now: datetime.datetime | None = None) -> None:
    """The waiting page checked in: the patient is still there."""
    now = now or timezone.now()
    QueueEntry.objects.filter(pk=entry.pk, status__in=ACTIVE_STATUSES).update(last_seen_at=now)
    entry.last_seen_at = now


def duty_start(*, provider: ProviderProfile, now: datetime.datetime | None = None) -> PhysicianDuty:
    """The physician is on duty for the on-demand queue (already on duty: nothing changes)."""
    if provider.kind != ProviderProfile.Kind.PHYSICIAN:
        raise OnDemandRefused("Seen-now urgent care visits are with physicians only.")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            duty, _ = PhysicianDuty.objects.get_or_create(
                provider=provider, ended_at=None, defaults={"started_at": now}
            )
    except IntegrityError:  # a second tab went on duty at the same moment
        duty = PhysicianDuty.objects.get(provider=provider, ended_at=None)
    return duty


def duty_end(*, provider: ProviderProfile, now: datetime.datetime | None = None) -> bool:
    """The physician goes off duty; False if they were not on duty."""
    now = now or timezone.now()
    return bool(
        PhysicianDuty.objects.filter(provider=provider, ended_at__isnull=True).update(ended_at=now)
    )


@dataclass(frozen=True)
class Taken:
    """The entry a physician took and the visit made for it, in progress."""

    entry: QueueEntry
    visit: Visit


def _holding_visit(provider: ProviderProfile, start, blocked_until) -> Visit | None:
    """The physician's own visit that holds any of the time a new visit would need."""
    return (
        Visit.objects.active()
        .filter(provider=provider)
        .exclude(status=Visit.Status.NO_SHOW)
        .overlapping(start, blocked_until)
        .order_by("start")
        .first()
    )


def _patient_clash(patient, start, end) -> bool:
    return (
        Visit.objects.active()
        .filter(patient=patient, start__lt=end, end__gt=start)
        .exclude(status=Visit.Status.NO_SHOW)
        .exists()
    )


def _lock_next(provider_user) -> QueueEntry | None:
    """The oldest waiting entry this physician may take, locked where the database can lock it
    (rows another taker holds are skipped, never waited for)."""
    candidates = policy.QUEUE_ENTRIES.filter(QueueEntry.objects.waiting(), provider_user)
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True, of=("self",))
    return candidates.first()


def take_next(
    *,
    provider: ProviderProfile,
    actor,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> Taken:
    """The physician takes the oldest waiting patient they may see, and the visit begins.

    The visit is urgent care, from now for its duration, made booked and started at once
    (visits.records.lifecycle), with the patient's symptom answers linked to it. Refused while
    the physician is off duty, or holds another visit in the time this one needs (a visit in
    progress, or a booked one starting within it): they finish or move that one first. A
    waiting patient who meanwhile holds a visit of their own at this time is taken out of the
    queue with that reason, and the next is offered instead.
    """
    now = now or timezone.now()
    visit_type = urgent_care()
    if visit_type is None:
        raise OnDemandRefused("Urgent care is not offered at the moment.")
    try:
        with transaction.atomic():
            # Holds the physician's schedule for the transaction, as bookings do (see
            # visits.scheduling.services._lock_schedule), so a booking cannot slip in.
            ProviderProfile.objects.select_for_update().filter(pk=provider.pk).exists()
            taken_or_refusal = _take(provider, actor, visit_type, now, ip_address)
    except IntegrityError as error:
        raise OnDemandRefused(
            "Your schedule changed as you took the patient. Try again."
        ) from error
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED:
            raise OnDemandRefused(
                "The queue changed as you took the patient. Try again."
            ) from error
        raise
    # Refused after the transaction commits, so patients removed for a clash stay removed.
    if isinstance(taken_or_refusal, str):
        raise OnDemandRefused(taken_or_refusal)
    return taken_or_refusal


def _take(provider, actor, visit_type, now, ip_address) -> "Taken | str":
    """Inside take_next's transaction: the entry taken and its visit, or why nothing was."""
    end = now + visit_type.duration
    blocked_until = end + visit_type.buffer_after
    if not PhysicianDuty.objects.filter(provider=provider, ended_at__isnull=True).exists():
        return "Go on duty first to take patients from the queue."
    holding = _holding_visit(provider, now, blocked_until)
    if holding is not None:
        return (
            "You have another visit at this time "
            f"({holding.visit_type.name.lower()}, {holding.get_status_display().lower()}). "
            "Finish it, or move it, before taking the next patient."
        )
    for _ in range(TAKE_ATTEMPTS):
        entry = _lock_next(actor)
        if entry is None:
            break
        claimed = QueueEntry.objects.filter(pk=entry.pk, status=Status.WAITING).update(
            status=Status.TAKEN, taken_by=provider, taken_at=now
        )
        if not claimed:
            continue  # another physician's claim committed first
        if _patient_clash(entry.patient_id, now, end):
            QueueEntry.objects.filter(pk=entry.pk).update(
                status=Status.REMOVED,
                removed_because=QueueEntry.RemovedBecause.VISIT_CLASH,
                ended_at=now,
            )
            continue
        visit = _start_visit(
            entry, provider, visit_type, now, end, blocked_until, actor, ip_address
        )
        entry.refresh_from_db()
        return Taken(entry, visit)
    return "Nobody is waiting for you at the moment."


def _start_visit(
    entry: QueueEntry,
    provider: ProviderProfile,
    visit_type,
    now: datetime.datetime,
    end: datetime.datetime,
    blocked_until: datetime.datetime,
    actor,
    ip_address: str | None,
) -> Visit:
    """The visit for a taken entry: booked now (the database refuses an overlap), then started."""
    symptoms = QuestionnaireResponse.objects.only("questionnaire__title").select_related(
        "questionnaire"
    )
    title = symptoms.get(pk=entry.symptom_check_id).questionnaire.title
    visit = Visit(
        patient_id=entry.patient_id,
        provider=provider,
        visit_type=visit_type,
        start=now,
        end=end,
        blocked_until=blocked_until,
        reason=f"Seen now: {title}"[:500],
        booked_by=actor,
    )
    with transaction.atomic():
        visit.save(force_insert=True)
    QueueEntry.objects.filter(pk=entry.pk).update(visit=visit)
    QuestionnaireResponse.objects.filter(pk=entry.symptom_check_id, visit__isnull=True).update(
        visit=visit
    )
    audit_change(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        what="visit",
        records=[(visit.patient_id, visit.pk)],
        ip_address=ip_address,
    )
    return visit_start(visit=visit, actor=actor, ip_address=ip_address, now=now)


def mark_joined(visit: Visit, user, *, now: datetime.datetime | None = None) -> bool:
    """The room's hook: the physician who took this patient opened the visit room.

    Call it from the room view for every opening; only the first by the visit's own physician
    counts. Once joined, the patient's waiting page sends them into the room, and the sweep no
    longer gives the patient back. Returns whether this call recorded the joining.
    """
    now = now or timezone.now()
    return bool(
        QueueEntry.objects.filter(
            visit=visit,
            status=Status.TAKEN,
            taken_by__user=user,
            physician_joined_at__isnull=True,
        ).update(physician_joined_at=now)
    )


@dataclass(frozen=True)
class Swept:
    """What one sweep did: idle patients removed, taken patients given back to the queue."""

    removed: int
    returned: int


def _idle(now: datetime.datetime):
    return QueueEntry.objects.filter(
        status=Status.WAITING, last_seen_at__lt=now - settings.ON_DEMAND_IDLE_AFTER
    )


def _not_joined(now: datetime.datetime):
    return QueueEntry.objects.filter(
        status=Status.TAKEN,
        physician_joined_at__isnull=True,
        taken_at__lt=now - settings.ON_DEMAND_JOIN_WITHIN,
    )


# Asked by every queue page (config.prepared: built and compiled once).
_SWEEP_DUE = Prepared(
    lambda idle_before, join_before: (
        QueueEntry.objects.filter(
            Q(status=Status.WAITING, last_seen_at__lt=idle_before)
            | Q(status=Status.TAKEN, physician_joined_at__isnull=True, taken_at__lt=join_before)
        )
        .order_by()
        .values_list("pk", flat=True)
    ),
    idle_before=Param("idle_before", DateTimeField()),
    join_before=Param("join_before", DateTimeField()),
)


def sweep_is_due(*, now: datetime.datetime | None = None) -> bool:
    """Whether anyone is idle or waiting for a physician who did not join (one read query):
    the entries `_idle` and `_not_joined` find."""
    now = now or timezone.now()
    found = _SWEEP_DUE.run(
        idle_before=now - settings.ON_DEMAND_IDLE_AFTER,
        join_before=now - settings.ON_DEMAND_JOIN_WITHIN,
        limit=1,
    )
    return bool(found)


def queue_sweep(*, now: datetime.datetime | None = None) -> Swept:
    """Remove waiting patients whose page stopped checking in (settings.ON_DEMAND_IDLE_AFTER),
    and give back, first in line, patients whose physician did not open the room within
    settings.ON_DEMAND_JOIN_WITHIN (the visit made for them is cancelled).

    Run by the task, the command and lazily by the queue pages; safe to run at once from many
    places: each change is a conditional UPDATE, made once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        removed = _idle(now).update(
            status=Status.REMOVED, removed_because=QueueEntry.RemovedBecause.IDLE, ended_at=now
        )
        returned = 0
        for entry in _not_joined(now).select_related("visit"):
            if _give_back(entry, now):
                returned += 1
    return Swept(removed, returned)


def _give_back(entry: QueueEntry, now: datetime.datetime) -> bool:
    """The physician never came: the taken entry is closed, its visit cancelled, and the
    patient waits again with their first joining time, so they are ahead of later arrivals."""
    with transaction.atomic():
        claimed = QueueEntry.objects.filter(
            pk=entry.pk, status=Status.TAKEN, physician_joined_at__isnull=True
        ).update(status=Status.RETURNED, ended_at=now)
        if not claimed:
            return False
        if entry.visit is not None:
            # The symptom answers go with the patient to whichever visit comes next.
            QuestionnaireResponse.objects.filter(
                pk=entry.symptom_check_id, visit=entry.visit
            ).update(visit=None)
            cancelled = Visit.objects.filter(
                Q(pk=entry.visit.pk), Q(status__in=(Visit.Status.BOOKED, Visit.Status.IN_PROGRESS))
            ).update(status=Visit.Status.CANCELLED, cancelled_at=now, updated_at=now)
            if cancelled:
                VisitTransition.objects.create(
                    visit=entry.visit,
                    from_status=entry.visit.status,
                    to_status=Visit.Status.CANCELLED,
                    actor=None,
                    at=now,
                )
        QueueEntry.objects.create(
            patient_id=entry.patient_id,
            state=entry.state,
            symptom_check_id=entry.symptom_check_id,
            joined_at=entry.joined_at,
            last_seen_at=now,
            returned_count=entry.returned_count + 1,
        )
    return True
