"""The on-demand queue's services: joining, order, licensure, taking, leaving and the sweep."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from tests.visits.factories import VisitFactory
from tests.visits.ondemand.conftest import OPEN, expire_licence, joined, physician, ready_patient
from visits.audit import AuditEvent
from visits.ondemand import services
from visits.ondemand.gate import Closed, NobodyOnDuty
from visits.ondemand.models import PhysicianDuty, QueueEntry
from visits.ondemand.selectors import place_of, queue_for
from visits.records.models import VisitTransition
from visits.scheduling.gate import IntakeIncomplete, NeedsSymptomCheck, RedFlag
from visits.scheduling.models import Visit

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)
Status = QueueEntry.Status


def take(provider, *, at=OPEN):
    return services.take_next(provider=provider, actor=provider.user, now=at)


class TestJoining:
    def test_a_ready_patient_joins_for_the_state_they_are_in(self):
        """The entry keeps the patient's state and the symptom check they joined with."""
        physician(["CA"])
        patient = ready_patient("CA")
        entry = services.queue_join(patient=patient, now=OPEN)
        assert (entry.status, entry.state, entry.joined_at) == (Status.WAITING, "CA", OPEN)
        assert entry.symptom_check.patient == patient

    def test_a_red_flag_symptom_check_is_refused(self):
        """Emergency answers never reach the queue: the gate's red-flag refusal."""
        physician()
        patient = ready_patient(red_flag=True)
        with pytest.raises(services.OnDemandRefused) as refused:
            services.queue_join(patient=patient, now=OPEN)
        assert isinstance(refused.value.refusal, RedFlag)
        assert "emergency care" in str(refused.value)
        assert not QueueEntry.objects.exists()

    def test_without_a_symptom_check_the_patient_is_sent_to_answer_one(self):
        """No symptom check within 12 hours: refused, with the symptom questions to answer."""
        physician()
        patient = ready_patient(at=OPEN - datetime.timedelta(hours=13))
        with pytest.raises(services.OnDemandRefused) as refused:
            services.queue_join(patient=patient, now=OPEN)
        assert isinstance(refused.value.refusal, NeedsSymptomCheck)

    def test_an_incomplete_health_history_is_refused(self):
        """Urgent care's gate applies: the health history comes first."""
        physician()
        patient = ready_patient(intake=False)
        with pytest.raises(services.OnDemandRefused) as refused:
            services.queue_join(patient=patient, now=OPEN)
        assert isinstance(refused.value.refusal, IntakeIncomplete)

    @pytest.mark.parametrize("hour", [7, 22, 23])
    def test_outside_on_demand_hours_nobody_joins(self, hour):
        """08:00-22:00 in the clinic's zone by default: before and after, refused as closed."""
        physician()
        at = OPEN.replace(hour=0) + datetime.timedelta(hours=hour + 6)  # Chicago is UTC-6
        patient = ready_patient(at=at)
        with pytest.raises(services.OnDemandRefused) as refused:
            services.queue_join(patient=patient, now=at)
        assert isinstance(refused.value.refusal, Closed)

    def test_the_hours_come_from_settings(self, settings):
        """ON_DEMAND_HOURS decides: at 10:00 with hours 12:00-14:00 the queue is closed."""
        settings.ON_DEMAND_HOURS = ("12:00", "14:00")
        physician()
        with pytest.raises(services.OnDemandRefused):
            services.queue_join(patient=ready_patient(), now=OPEN)

    def test_nobody_on_duty_in_the_patients_state_is_said_with_a_way_to_book(self):
        """A physician on duty elsewhere does not count; the refusal links to booking."""
        physician(["CA"])
        physician(["TX"], on_duty=False)
        with pytest.raises(services.OnDemandRefused) as refused:
            services.queue_join(patient=ready_patient("TX"), now=OPEN)
        assert isinstance(refused.value.refusal, NobodyOnDuty)
        assert "No physician licensed in Texas" in str(refused.value)
        assert refused.value.refusal.url == "/book/urgent-care/"

    def test_an_expired_licence_is_not_on_duty_for_that_state(self):
        """A physician whose Texas licence expired is nobody for Texans."""
        expire_licence(physician(["TX"]), "TX")
        with pytest.raises(services.OnDemandRefused) as refused:
            services.queue_join(patient=ready_patient("TX"), now=OPEN)
        assert isinstance(refused.value.refusal, NobodyOnDuty)

    def test_joining_twice_keeps_one_place(self):
        """A second join (another tab, a double click) returns the same entry."""
        physician()
        patient = ready_patient()
        first = services.queue_join(patient=patient, now=OPEN)
        second = services.queue_join(patient=patient, now=OPEN + MINUTE)
        assert first.pk == second.pk
        assert QueueEntry.objects.filter(patient=patient).count() == 1

    def test_the_database_refuses_a_second_active_entry(self):
        """The unique constraint holds whatever the Python does."""
        physician()
        entry = joined()
        with pytest.raises(IntegrityError), transaction.atomic():
            QueueEntry.objects.create(
                patient=entry.patient,
                state="TX",
                symptom_check=entry.symptom_check,
                joined_at=OPEN,
                last_seen_at=OPEN,
            )

    def test_after_leaving_the_patient_may_join_again(self):
        """A left entry does not count against the one-entry rule."""
        physician()
        entry = joined()
        assert services.queue_leave(patient=entry.patient, now=OPEN + MINUTE)
        entry.refresh_from_db()
        assert (entry.status, entry.ended_at) == (Status.LEFT, OPEN + MINUTE)
        again = services.queue_join(patient=entry.patient, now=OPEN + 2 * MINUTE)
        assert again.pk != entry.pk
        assert again.status == Status.WAITING

    def test_leaving_when_not_waiting_says_so(self, patient):
        """Nothing to leave: False, nothing written."""
        assert services.queue_leave(patient=patient, now=OPEN) is False


class TestOrderAndPlace:
    def test_the_oldest_waiting_patient_is_taken_first(self):
        """First come, first served."""
        doctor = physician()
        later = joined(at=OPEN + MINUTE)
        first = joined(at=OPEN)
        assert take(doctor, at=OPEN + 2 * MINUTE).entry.pk == first.pk
        assert take(doctor, at=OPEN + 40 * MINUTE).entry.pk == later.pk

    def test_the_queue_lists_oldest_first(self):
        """The physician's list is in joining order."""
        doctor = physician()
        entries = [joined(at=OPEN + n * MINUTE) for n in (3, 1, 2)]
        shown = queue_for(doctor.user)
        assert [e.pk for e in shown.entries] == [entries[1].pk, entries[2].pk, entries[0].pk]
        assert shown.total == 3

    def test_position_and_estimate(self, settings):
        """Third in Texas with two physicians on duty there: about 2 x 10 minutes."""
        settings.ON_DEMAND_MINUTES_PER_PATIENT = 10
        physician()
        physician()
        physician(["CA"])
        joined(at=OPEN)
        joined("CA", at=OPEN)  # another state's queue is not ahead of a Texan
        joined(at=OPEN + MINUTE)
        third = joined(at=OPEN + 2 * MINUTE)
        place = place_of(third, now=OPEN + 3 * MINUTE)
        assert (place.position, place.physicians, place.wait_minutes) == (3, 2, 20)

    def test_nobody_on_duty_gives_no_estimate(self):
        """When the last physician goes off duty the place stays and the estimate goes."""
        doctor = physician()
        entry = joined()
        services.duty_end(provider=doctor, now=OPEN + MINUTE)
        place = place_of(entry, now=OPEN + MINUTE)
        assert (place.position, place.physicians, place.wait_minutes) == (1, 0, None)


class TestLicensure:
    def test_a_physician_never_sees_or_takes_a_patient_outside_their_states(self):
        """A Texan waits; a physician licensed only in California sees nobody and takes nobody."""
        physician(["TX"])
        entry = joined("TX")
        californian = physician(["CA"])
        assert queue_for(californian.user).entries == []
        with pytest.raises(services.OnDemandRefused, match="Nobody is waiting"):
            take(californian)
        entry.refresh_from_db()
        assert entry.status == Status.WAITING

    def test_an_expired_licence_hides_the_patient(self):
        """Licensed in Texas once, expired now: the Texan is not offered."""
        physician(["TX"])
        joined("TX")
        lapsed = physician(["TX", "CA"])
        expire_licence(lapsed, "TX")
        assert queue_for(lapsed.user).entries == []
        with pytest.raises(services.OnDemandRefused):
            take(lapsed)

    def test_a_physician_licensed_in_several_states_takes_the_oldest_of_them(self):
        """Licensed in Texas and California: the oldest among both."""
        physician(["CA"])
        physician(["TX"])
        both = physician(["TX", "CA"])
        californian = joined("CA", at=OPEN)
        joined("TX", at=OPEN + MINUTE)
        assert take(both, at=OPEN + 2 * MINUTE).entry.pk == californian.pk

    def test_only_physicians_go_on_duty(self):
        """A therapist cannot go on duty for urgent care."""
        therapist = physician(on_duty=False, kind="therapist")
        with pytest.raises(services.OnDemandRefused, match="physicians only"):
            services.duty_start(provider=therapist, now=OPEN)
        assert not PhysicianDuty.objects.filter(provider=therapist).exists()


class TestTaking:
    def test_taking_starts_an_urgent_care_visit_now(self):
        """The visit: urgent care, from now for 15 minutes, in progress, answers linked, audited."""
        doctor = physician()
        entry = joined()
        taken = take(doctor, at=OPEN + MINUTE)
        visit = taken.visit
        visit.refresh_from_db()
        assert visit.visit_type.slug == "urgent-care"
        assert (visit.start, visit.end) == (OPEN + MINUTE, OPEN + 16 * MINUTE)
        assert visit.status == Visit.Status.IN_PROGRESS
        assert visit.started_at == OPEN + MINUTE
        assert visit.patient == entry.patient
        assert visit.provider == doctor
        assert list(visit.transitions.values_list("to_status", flat=True)) == ["in_progress"]
        assert entry.symptom_check in visit.questionnaire_responses.all()
        taken.entry.refresh_from_db()
        assert (taken.entry.status, taken.entry.taken_by, taken.entry.visit) == (
            Status.TAKEN,
            doctor,
            visit,
        )
        assert AuditEvent.objects.filter(
            actor=doctor.user, patient=entry.patient, action="create", what="visit"
        ).exists()

    def test_off_duty_nobody_is_taken(self):
        """Off duty: refused, the patient still waits."""
        doctor = physician()
        entry = joined()
        physician()  # keeps Texas covered
        services.duty_end(provider=doctor, now=OPEN)
        with pytest.raises(services.OnDemandRefused, match="Go on duty"):
            take(doctor)
        entry.refresh_from_db()
        assert entry.status == Status.WAITING

    def test_a_physician_with_a_visit_in_progress_is_refused(self):
        """One visit at a time: a visit in progress, or one booked inside the next 20 minutes."""
        doctor = physician()
        joined()
        VisitFactory(provider=doctor, start=OPEN + 10 * MINUTE)
        with pytest.raises(services.OnDemandRefused, match="another visit at this time"):
            take(doctor)
        assert not Visit.objects.filter(status=Visit.Status.IN_PROGRESS).exists()

    def test_a_cancelled_visit_does_not_stop_a_take(self):
        """Only visits that hold time count."""
        doctor = physician()
        joined()
        VisitFactory(provider=doctor, start=OPEN, status=Visit.Status.CANCELLED)
        assert take(doctor).visit.status == Visit.Status.IN_PROGRESS

    def test_a_patient_with_their_own_visit_now_is_removed_and_the_next_taken(self):
        """The patient's booked visit at this time: they leave the queue (with that reason)."""
        doctor = physician()
        busy = joined(at=OPEN)
        other = joined(at=OPEN + MINUTE)
        VisitFactory(patient=busy.patient, start=OPEN)
        taken = take(doctor, at=OPEN + 2 * MINUTE)
        assert taken.entry.pk == other.pk
        busy.refresh_from_db()
        assert (busy.status, busy.removed_because) == (Status.REMOVED, "visit_clash")

    def test_the_removal_for_a_clash_stays_when_nobody_else_waits(self):
        """Refused as nobody waiting, the clash's removal is still written."""
        doctor = physician()
        busy = joined()
        VisitFactory(patient=busy.patient, start=OPEN)
        with pytest.raises(services.OnDemandRefused, match="Nobody is waiting"):
            take(doctor, at=OPEN + MINUTE)
        busy.refresh_from_db()
        assert busy.status == Status.REMOVED

    def test_an_empty_queue_says_so(self):
        with pytest.raises(services.OnDemandRefused, match="Nobody is waiting"):
            take(physician())


class TestJoiningTheRoom:
    def test_the_physician_who_took_the_patient_joins_once(self):
        """mark_joined records the first opening by the visit's own physician only."""
        doctor = physician()
        joined()
        taken = take(doctor)
        assert services.mark_joined(taken.visit, taken.entry.patient) is False
        assert services.mark_joined(taken.visit, physician().user) is False
        assert services.mark_joined(taken.visit, doctor.user, now=OPEN + MINUTE) is True
        assert services.mark_joined(taken.visit, doctor.user) is False
        taken.entry.refresh_from_db()
        assert taken.entry.physician_joined_at == OPEN + MINUTE


class TestSweep:
    def test_a_patient_whose_page_stopped_checking_in_is_removed(self, settings):
        """No poll for ON_DEMAND_IDLE_AFTER: removed as idle; a fresh poll keeps them."""
        settings.ON_DEMAND_IDLE_AFTER = datetime.timedelta(seconds=60)
        physician()
        idle = joined(at=OPEN)
        present = joined(at=OPEN)
        services.queue_seen(entry=present, now=OPEN + 50 * datetime.timedelta(seconds=1))
        swept = services.queue_sweep(now=OPEN + 61 * datetime.timedelta(seconds=1))
        assert (swept.removed, swept.returned) == (1, 0)
        idle.refresh_from_db()
        present.refresh_from_db()
        assert (idle.status, idle.removed_because) == (Status.REMOVED, "idle")
        assert present.status == Status.WAITING

    def test_a_patient_nobody_joined_goes_back_to_the_front(self, settings):
        """Taken, not joined within ON_DEMAND_JOIN_WITHIN: back in line with their first
        joining time (ahead of later arrivals), the visit cancelled, the answers free again."""
        settings.ON_DEMAND_JOIN_WITHIN = datetime.timedelta(minutes=2)
        doctor = physician()
        first = joined(at=OPEN)
        later = joined(at=OPEN + MINUTE)
        taken = take(doctor, at=OPEN + 2 * MINUTE)
        assert taken.entry.pk == first.pk
        services.queue_seen(entry=later, now=OPEN + 4 * MINUTE)
        assert services.sweep_is_due(now=OPEN + 4 * MINUTE + datetime.timedelta(seconds=1))
        swept = services.queue_sweep(now=OPEN + 4 * MINUTE + datetime.timedelta(seconds=1))
        assert (swept.removed, swept.returned) == (0, 1)
        old = QueueEntry.objects.get(pk=first.pk)
        assert old.status == Status.RETURNED
        back = QueueEntry.objects.get(patient=first.patient, status=Status.WAITING)
        assert (back.joined_at, back.returned_count) == (OPEN, 1)
        visit = Visit.objects.get(pk=taken.visit.pk)
        assert visit.status == Visit.Status.CANCELLED
        assert VisitTransition.objects.filter(visit=visit, to_status="cancelled").exists()
        assert not visit.questionnaire_responses.exists()
        # Another physician now takes the returned patient before the later arrival.
        other = physician()
        again = take(other, at=OPEN + 5 * MINUTE)
        assert again.entry.pk == back.pk
        assert first.symptom_check in again.visit.questionnaire_responses.all()

    def test_a_joined_physician_keeps_the_patient(self, settings):
        """Once the room was opened, the sweep leaves the visit alone."""
        settings.ON_DEMAND_JOIN_WITHIN = datetime.timedelta(minutes=2)
        doctor = physician()
        joined()
        taken = take(doctor)
        services.mark_joined(taken.visit, doctor.user, now=OPEN + MINUTE)
        assert services.queue_sweep(now=OPEN + 10 * MINUTE).returned == 0
        assert Visit.objects.get(pk=taken.visit.pk).status == Visit.Status.IN_PROGRESS

    def test_sweeping_twice_changes_nothing_more(self):
        """Each change is made once."""
        doctor = physician()
        joined()
        take(doctor)
        joined()
        later = OPEN + 30 * MINUTE
        first = services.queue_sweep(now=later)
        assert (first.removed, first.returned) == (1, 1)
        # The returned patient's new entry was seen at the sweep; a second sweep then is idle.
        assert services.queue_sweep(now=later) == services.Swept(0, 0)
        assert not services.sweep_is_due(now=later)

    def test_the_command_and_the_task_sweep(self, capsys, open_all_day):
        """The management command sweeps at the real time and reports what it did."""
        from django.core.management import call_command
        from django.utils import timezone

        from visits.ondemand.tasks import sweep_on_demand_queue

        yesterday = timezone.now() - datetime.timedelta(days=1)
        physician(at=yesterday)
        entry = joined(at=yesterday)
        call_command("sweep_on_demand_queue")
        assert "Removed 1 idle patient;" in capsys.readouterr().out
        entry.refresh_from_db()
        assert entry.status == Status.REMOVED
        assert sweep_on_demand_queue.call() == {"removed": 0, "returned": 0}


class TestQueueRule:
    def test_who_reaches_which_entries(self, scheduler):
        """The patient their own; a physician the states they hold a current licence in;
        another kind of clinician and staff nothing."""
        from accounts.policy import QUEUE_ENTRIES

        physician()
        physician(["CA"])
        texan = joined("TX")
        californian = joined("CA")
        everything = QueueEntry.objects.all()
        assert list(QUEUE_ENTRIES.filter(everything, texan.patient)) == [texan]
        tx_doctor = physician(["TX"], on_duty=False)
        assert list(QUEUE_ENTRIES.filter(everything, tx_doctor.user)) == [texan]
        assert QUEUE_ENTRIES.allows(tx_doctor.user, texan)
        assert not QUEUE_ENTRIES.allows(tx_doctor.user, californian)
        therapist = physician(["TX", "CA"], on_duty=False, kind="therapist")
        assert not QUEUE_ENTRIES.filter(everything, therapist.user).exists()
        assert not QUEUE_ENTRIES.filter(everything, scheduler).exists()
