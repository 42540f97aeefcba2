"""The hours editor's domain: proposed changes, the visits they strand, offers, and saving."""

import datetime

import pytest

from tests.visits.factories import MONDAY, NOW, at, book, provider_with_hours
from visits.audit import AuditEvent
from visits.scheduling.hours import (
    CANCEL,
    KEEP,
    MOVE,
    Decision,
    MoveFailed,
    Schedule,
    block_added,
    block_changed,
    block_removal,
    clashes,
    days_copied,
    exception_added,
    held,
    offers,
    overlaps,
    schedule_change_save,
    stranded_visits,
)
from visits.scheduling.models import ScheduleException, Visit, WeeklyHours

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + datetime.timedelta(days=1)


@pytest.fixture
def provider(db):
    """A physician in Chicago time, weekdays 09:00-17:00."""
    return provider_with_hours()


def schedule_of(provider) -> Schedule:
    return Schedule.load(provider, today=MONDAY)


def tuesday_block(provider) -> WeeklyHours:
    return provider.weekly_hours.get(weekday=1)


class TestStrandedVisits:
    def test_removing_the_hours_of_a_booked_visit_strands_it(self, provider, patient):
        """A visit inside the removed block is stranded; one on another day is not."""
        tuesday = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        book(provider=provider, start=at(TUESDAY + datetime.timedelta(days=1), 10))
        schedule = schedule_of(provider)
        change = block_removal(schedule, tuesday_block(provider))
        assert stranded_visits(provider, schedule, change, now=NOW) == [tuesday]

    def test_adding_hours_strands_nothing(self, provider, patient):
        """More hours never leave a visit outside them."""
        book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        schedule = schedule_of(provider)
        change = block_added(schedule, 5, datetime.time(9), datetime.time(12))
        assert stranded_visits(provider, schedule, change, now=NOW) == []

    def test_shortening_a_block_strands_only_the_visits_it_cuts_off(self, provider, patient):
        """Tuesday 09-17 becomes 09-12: the 10:00 visit stays inside, the 15:00 one does not."""
        book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        afternoon = book(provider=provider, start=at(TUESDAY, 15))
        schedule = schedule_of(provider)
        change = block_changed(
            schedule, tuesday_block(provider), datetime.time(9), datetime.time(12)
        )
        assert stranded_visits(provider, schedule, change, now=NOW) == [afternoon]

    def test_time_off_and_copied_days_strand_what_they_cover(self, provider, patient):
        """A day off, or copying an empty Saturday onto Tuesday, strands Tuesday's visit."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        schedule = schedule_of(provider)
        day_off = exception_added(
            schedule,
            {
                "kind": ScheduleException.Kind.TIME_OFF,
                "start_date": TUESDAY,
                "end_date": TUESDAY,
                "start_time": None,
                "end_time": None,
                "note": "",
            },
        )
        assert stranded_visits(provider, schedule, day_off, now=NOW) == [visit]
        copied = days_copied(schedule, 5, [1])
        assert stranded_visits(provider, schedule, copied, now=NOW) == [visit]

    def test_cancelled_and_past_visits_are_never_stranded(self, provider, patient):
        """Only upcoming booked visits count."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.CANCELLED)
        schedule = schedule_of(provider)
        change = block_removal(schedule, tuesday_block(provider))
        assert stranded_visits(provider, schedule, change, now=NOW) == []
        assert stranded_visits(provider, schedule, change, now=at(TUESDAY, 11)) == []


class TestOffers:
    def test_offers_are_free_times_as_they_would_be_after_the_change(self, provider, patient):
        """Offers for a visit on a removed Tuesday are on other days, and nothing is saved."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        schedule = schedule_of(provider)
        change = block_removal(schedule, tuesday_block(provider))
        offered = offers(provider, change, [visit], now=NOW)[visit.pk]
        assert len(offered) == 3
        assert all(start.date() != at(TUESDAY, 10).date() for start in offered)
        assert provider.weekly_hours.filter(weekday=1).exists()

    def test_two_stranded_visits_are_never_offered_colliding_times(self, provider, patient):
        """The second visit's offers keep clear of the times (and buffers) offered to the first."""
        first = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        second = book(provider=provider, start=at(TUESDAY, 11))
        change = block_removal(schedule_of(provider), tuesday_block(provider))
        offered = offers(provider, change, [first, second], now=NOW)
        assert len(offered[first.pk]) == len(offered[second.pk]) == 3
        for one in offered[first.pk]:
            for other in offered[second.pk]:
                assert not overlaps(held(first, one), held(second, other))

    def test_colliding_times_are_offered_only_when_nothing_else_is_free(self, provider, patient):
        """With a single free time left after the change, both visits are offered it."""
        first = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        second = book(provider=provider, start=at(TUESDAY, 11))
        provider.weekly_hours.exclude(weekday=1).delete()
        change = block_changed(
            Schedule.load(provider, today=MONDAY),
            tuesday_block(provider),
            datetime.time(9),
            datetime.time(9, 15),
        )
        offered = offers(provider, change, [first, second], now=NOW)
        assert offered[first.pk] == offered[second.pk] == [at(TUESDAY, 9)]

    def test_the_trial_leaves_nothing_behind(self, provider, patient, mailoutbox):
        """The trial save writes no hours, visit change, audit event or email."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        mailoutbox.clear()
        events = AuditEvent.objects.count()
        change = block_removal(schedule_of(provider), tuesday_block(provider))
        offers(provider, change, [visit], now=NOW)
        assert provider.weekly_hours.filter(weekday=1).exists()
        assert AuditEvent.objects.count() == events
        assert mailoutbox == []


class TestClashes:
    def test_moves_onto_overlapping_times_clash(self, provider, patient):
        """Two moves whose new times overlap (buffer included) are named as a pair."""
        first = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        second = book(provider=provider, start=at(TUESDAY, 11))
        third = book(provider=provider, start=at(TUESDAY, 12))
        wednesday = at(MONDAY + datetime.timedelta(days=2), 10)
        decisions = [
            Decision(first, MOVE, wednesday),
            Decision(second, MOVE, wednesday + datetime.timedelta(minutes=10)),
            Decision(third, MOVE, wednesday + datetime.timedelta(hours=1)),
        ]
        assert clashes(decisions) == [(decisions[0], decisions[1])]

    def test_keeps_cancels_and_separate_moves_never_clash(self, provider, patient):
        """Only moves are compared, and moves far apart are fine."""
        first = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        second = book(provider=provider, start=at(TUESDAY, 11))
        wednesday = at(MONDAY + datetime.timedelta(days=2), 10)
        assert clashes([Decision(first, KEEP), Decision(second, CANCEL)]) == []
        assert (
            clashes(
                [
                    Decision(first, MOVE, wednesday),
                    Decision(second, MOVE, wednesday + datetime.timedelta(hours=2)),
                ]
            )
            == []
        )


class TestScheduleChangeSave:
    def stranded_pair(self, provider, patient):
        first = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        second = book(provider=provider, start=at(TUESDAY, 11))
        schedule = schedule_of(provider)
        return first, second, block_removal(schedule, tuesday_block(provider))

    def test_keep_move_and_cancel_are_carried_out_with_the_edit(self, provider, patient):
        """The block goes, one visit moves, one is cancelled, a kept one stays put."""
        first, second, change = self.stranded_pair(provider, patient)
        kept = book(provider=provider, start=at(TUESDAY, 14))
        new_start = at(MONDAY + datetime.timedelta(days=2), 10)
        done = schedule_change_save(
            provider=provider,
            change=change,
            decisions=[
                Decision(first, MOVE, new_start),
                Decision(second, CANCEL),
                Decision(kept, KEEP),
            ],
            actor=provider.user,
            note="Dr. is away",
            now=NOW,
        )
        assert done == {MOVE: 1, CANCEL: 1, KEEP: 1}
        assert not provider.weekly_hours.filter(weekday=1).exists()
        first.refresh_from_db()
        second.refresh_from_db()
        kept.refresh_from_db()
        assert first.start == new_start
        assert second.status == Visit.Status.CANCELLED
        assert (kept.status, kept.start) == (Visit.Status.BOOKED, at(TUESDAY, 14))

    def test_cancellations_come_first_so_a_move_can_take_the_freed_time(self, provider, patient):
        """Moving one visit onto the time of another that is being cancelled works."""
        first, second, change = self.stranded_pair(provider, patient)
        other_day = book(provider=provider, start=at(MONDAY + datetime.timedelta(days=2), 10))
        schedule_change_save(
            provider=provider,
            change=change,
            decisions=[
                Decision(first, MOVE, other_day.start),
                Decision(other_day, CANCEL),
                Decision(second, KEEP),
            ],
            actor=provider.user,
            now=NOW,
        )
        first.refresh_from_db()
        assert first.start == other_day.start

    def test_a_move_onto_a_taken_time_undoes_everything(self, provider, patient):
        """The edit, the cancellations and the other moves are all rolled back together."""
        first, second, change = self.stranded_pair(provider, patient)
        taken = book(provider=provider, start=at(MONDAY + datetime.timedelta(days=2), 10))
        with pytest.raises(MoveFailed) as failed:
            schedule_change_save(
                provider=provider,
                change=change,
                decisions=[Decision(first, MOVE, taken.start), Decision(second, CANCEL)],
                actor=provider.user,
                now=NOW,
            )
        assert failed.value.visit == first
        assert provider.weekly_hours.filter(weekday=1).exists()
        second.refresh_from_db()
        assert second.status == Visit.Status.BOOKED
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize(("choice", "action"), [(MOVE, "update"), (CANCEL, "cancel")])
    def test_moves_and_cancellations_are_audited(
        self, provider, patient, scheduler, choice, action
    ):
        """Each visit moved or cancelled with an hours edit writes its audit event."""
        first, second, change = self.stranded_pair(provider, patient)
        new_start = at(MONDAY + datetime.timedelta(days=2), 10) if choice == MOVE else None
        schedule_change_save(
            provider=provider,
            change=change,
            decisions=[Decision(first, choice, new_start), Decision(second, KEEP)],
            actor=scheduler,
            ip_address="203.0.113.9",
            now=NOW,
        )
        event = AuditEvent.objects.get()
        assert (event.actor, event.patient, event.action, event.object_id, event.ip_address) == (
            scheduler,
            patient,
            action,
            str(first.pk),
            "203.0.113.9",
        )
