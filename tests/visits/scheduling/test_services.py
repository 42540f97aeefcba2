"""Booking, series, cancelling and moving visits: the rules, the database effects and the emails."""

import datetime

import icalendar
import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from accounts.models import ProviderProfile, Role
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from tests.visits.factories import (
    CHICAGO,
    MONDAY,
    NOW,
    VisitFactory,
    at,
    book,
    mail_to,
    provider_with_hours,
    symptoms_checked,
    therapist_with_hours,
    visit_type,
)
from visits.audit import AuditEvent
from visits.scheduling.availability import free_times, with_schedules
from visits.scheduling.models import Visit, VisitSeries
from visits.scheduling.recurrence import series_starts
from visits.scheduling.services import (
    NotBookable,
    OwnVisitClash,
    Scope,
    SeriesClash,
    SlotTaken,
    VisitChanged,
    visit_book,
    visit_cancel,
    visit_reschedule,
    visit_series_book,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change as if its transaction committed, so its emails go out."""

    def run(change, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(**kwargs)

    return run


UTC = datetime.UTC
DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(weeks=1)
HOUR = datetime.timedelta(hours=1)
TUESDAY = MONDAY + DAY


@pytest.fixture
def provider(db):
    """A physician in Texas, Chicago time, weekdays 09:00-17:00, offering urgent care."""
    return provider_with_hours()


@pytest.fixture
def therapist(db):
    return therapist_with_hours()


def calendar_of(message) -> icalendar.Calendar:
    """The .ics attached to an email, parsed."""
    [attachment] = [item for item in message.attachments if item.mimetype == "text/calendar"]
    return icalendar.Calendar.from_ical(attachment.content)


def event_starts(message) -> list[datetime.datetime]:
    return [event.decoded("dtstart") for event in calendar_of(message).walk("VEVENT")]


def free_for(provider, slug, start, end, *, now=NOW, patient=None) -> list[datetime.datetime]:
    """The provider's free starts as the search computes them."""
    providers = with_schedules(ProviderProfile.objects.filter(pk=provider.pk), start=start, end=end)
    return free_times(
        visit_type=visit_type(slug),
        providers=providers,
        start=start,
        end=end,
        now=now,
        patient=patient,
    )[provider.pk]


class TestVisitBook:
    def test_books_a_free_slot_holding_the_buffer(self, provider, patient):
        """A free start becomes a booked visit ending after its duration and blocking its buffer."""
        start = at(TUESDAY, 10)
        symptoms_checked(patient, at=NOW)
        visit = visit_book(
            patient=patient,
            actor=patient,
            provider=provider,
            visit_type=visit_type("urgent-care"),
            start=start,
            reason="Sore throat",
            now=NOW,
        )
        visit.refresh_from_db()
        assert (visit.patient, visit.provider, visit.status) == (
            patient,
            provider,
            Visit.Status.BOOKED,
        )
        assert visit.end == start + datetime.timedelta(minutes=15)
        assert visit.blocked_until == visit.end + datetime.timedelta(minutes=5)
        assert visit.reason == "Sore throat"
        assert visit.booked_by is None

    def test_sends_one_confirmation_with_a_calendar_file_in_utc(self, provider, patient):
        """Exactly one email goes out; its .ics event starts at the visit's UTC instant."""
        start = at(TUESDAY, 10)
        visit = book(provider=provider, patient=patient, start=start)
        assert len(mail_to(patient)) == 1
        message = mail_to(patient)[0]
        assert message.to == [patient.email]
        [event] = calendar_of(message).walk("VEVENT")
        assert event.decoded("dtstart") == start
        assert event.decoded("dtstart").utcoffset() == datetime.timedelta(0)
        assert event.decoded("dtend") == visit.end
        assert str(event["uid"]) == f"{visit.pk}@housecall"

    def test_staff_booking_records_who_booked(self, provider, patient, scheduler):
        """When the clinic books for a patient, the visit and the email say so."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 11), actor=scheduler)
        assert visit.booked_by == scheduler
        assert "The clinic has booked" in mail_to(patient)[0].body

    @pytest.mark.parametrize(
        ("case", "now", "start"),
        [
            ("outside hours", NOW, at(TUESDAY, 7)),
            ("inside minimum notice", at(TUESDAY, 9, 50), at(TUESDAY, 10)),
            ("beyond the horizon", at(TUESDAY, 6), at(TUESDAY + 7 * DAY, 10)),
            ("off the slot grid", NOW, at(TUESDAY, 10, 5)),
        ],
    )
    def test_unbookable_times_raise_slot_taken_with_alternatives(
        self, provider, patient, case, now, start
    ):
        """Times outside hours, notice, horizon or grid are refused with free alternatives."""
        with pytest.raises(SlotTaken) as refused:
            book(provider=provider, patient=patient, start=start, now=now)
        alternatives = refused.value.alternatives
        assert alternatives, case
        free = free_for(provider, "urgent-care", start - 2 * DAY, start + 2 * DAY, now=now)
        assert set(alternatives) <= set(free)
        assert all(
            now + visit_type("urgent-care").minimum_notice
            <= t
            <= now + visit_type("urgent-care").booking_horizon
            for t in alternatives
        )
        assert not Visit.objects.exists()
        assert mail.outbox == []

    def test_a_time_overlapping_another_visits_buffer_is_taken(self, provider, patient):
        """Starting inside the buffer after someone else's visit is refused; 10:30 is offered."""
        other = book(provider=provider, start=at(TUESDAY, 10))
        mail.outbox.clear()
        with pytest.raises(SlotTaken) as refused:
            book(provider=provider, patient=patient, start=other.end)
        alternatives = refused.value.alternatives
        assert at(TUESDAY, 10, 30) in alternatives
        duration = visit_type("urgent-care").duration + visit_type("urgent-care").buffer_after
        assert all(t + duration <= other.start or t >= other.blocked_until for t in alternatives)
        assert list(Visit.objects.all()) == [other]
        assert mail.outbox == []

    def test_a_patient_outside_the_providers_states_is_refused(self, provider):
        """Licensure: a patient now in California cannot book a provider licensed only in Texas."""
        patient = PatientProfileFactory(current_state="CA").user
        with pytest.raises(NotBookable, match="not licensed in California"):
            book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        assert not Visit.objects.exists()

    def test_licensure_follows_where_the_patient_is_now(self, patient):
        """The same patient books a provider licensed in their current state."""
        provider = provider_with_hours(states=["CA"])
        patient.patient_profile.current_state = "CA"
        patient.patient_profile.save()
        assert book(provider=provider, patient=patient, start=at(TUESDAY, 10))

    def test_a_patient_without_details_is_refused(self, provider, new_patient):
        """Without a PatientProfile (state, date of birth) nobody is booked."""
        with pytest.raises(NotBookable, match="Add your details"):
            book(provider=provider, patient=new_patient, start=at(TUESDAY, 10))
        assert not Visit.objects.exists()

    def test_only_patients_are_booked_as_patients(self, provider):
        """A clinician's account cannot be the patient of a visit."""
        clinician = UserFactory(role=Role.CLINICIAN)
        with pytest.raises(NotBookable):
            book(provider=provider, patient=clinician, start=at(TUESDAY, 10))

    def test_a_visit_type_the_provider_does_not_offer_is_refused(self, provider, patient):
        """A physician who offers urgent care cannot be booked for therapy."""
        with pytest.raises(NotBookable, match="does not offer therapy"):
            book(provider=provider, patient=patient, start=at(TUESDAY, 10), slug="therapy")

    def test_the_same_patient_cannot_see_two_providers_at_once(self, provider, patient):
        """A patient's overlapping visit with another provider is refused."""
        book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        other = provider_with_hours()
        for start, slug in ((at(TUESDAY, 10), "urgent-care"), (at(TUESDAY, 9, 45), "follow-up")):
            with pytest.raises(SlotTaken):
                book(provider=other, patient=patient, start=start, slug=slug)
        assert Visit.objects.filter(patient=patient).count() == 1

    def test_the_providers_buffer_does_not_hold_the_patient(self, provider, patient):
        """The patient may see another provider right after a visit ends; the buffer is the provider's."""
        first = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        second = book(provider=provider_with_hours(), patient=patient, start=first.end)
        assert second.start == first.end

    def test_a_cancelled_visit_frees_its_time(self, committed, provider, patient):
        """Once cancelled, the same slot can be booked by someone else."""
        first = book(provider=provider, start=at(TUESDAY, 10))
        committed(visit_cancel, visit=first, actor=first.patient, now=NOW)
        assert book(provider=provider, patient=patient, start=at(TUESDAY, 10)).start == first.start


def weekly(first: datetime.datetime, count: int) -> list[datetime.datetime]:
    return series_starts(first=first, zone=CHICAGO, every_weeks=1, count=count)


class TestVisitSeriesBook:
    def test_books_every_session_and_sends_one_email(self, committed, therapist, patient):
        """All sessions are booked in one series; one email lists them all in its .ics."""
        starts = weekly(at(TUESDAY + WEEK, 10), 6)
        series = committed(
            visit_series_book,
            patient=patient,
            actor=patient,
            provider=therapist,
            visit_type=visit_type("therapy"),
            starts=starts,
            every_weeks=1,
            now=NOW,
        )
        assert sorted(series.visits.values_list("start", flat=True)) == starts
        assert series.frequency == VisitSeries.Frequency.WEEKLY
        assert len(mail_to(patient)) == 1
        assert sorted(event_starts(mail_to(patient)[0])) == starts
        assert "6 visits are booked" in mail_to(patient)[0].subject

    def test_one_clash_books_nothing(self, committed, therapist, patient):
        """If any session is taken, no session and no series is created, and no email is sent."""
        starts = weekly(at(TUESDAY + WEEK, 10), 5)
        book(provider=therapist, start=starts[3], slug="therapy")
        mail.outbox.clear()
        with pytest.raises(SlotTaken) as refused:
            committed(
                visit_series_book,
                patient=patient,
                actor=patient,
                provider=therapist,
                visit_type=visit_type("therapy"),
                starts=starts,
                every_weeks=1,
                now=NOW,
            )
        assert refused.value.alternatives
        assert not Visit.objects.filter(patient=patient).exists()
        assert not VisitSeries.objects.exists()
        assert mail.outbox == []

    def test_a_visit_type_that_cannot_recur_is_refused(self, committed, provider, patient):
        """Urgent care is never a series."""
        with pytest.raises(NotBookable):
            committed(
                visit_series_book,
                patient=patient,
                actor=patient,
                provider=provider,
                visit_type=visit_type("urgent-care"),
                starts=[at(TUESDAY, 10)],
                every_weeks=1,
                now=NOW,
            )


def book_series(therapist, patient, first: datetime.datetime, count: int = 4) -> list[Visit]:
    with TestCase.captureOnCommitCallbacks(execute=True):
        series = visit_series_book(
            patient=patient,
            actor=patient,
            provider=therapist,
            visit_type=visit_type("therapy"),
            starts=weekly(first, count),
            every_weeks=1,
            now=NOW,
        )
    return list(series.visits.order_by("start"))


def statuses(visits: list[Visit]) -> list[str]:
    return [Visit.objects.get(pk=visit.pk).status for visit in visits]


class TestVisitCancel:
    @pytest.mark.parametrize(
        ("scope", "expected"),
        [
            (Scope.THIS, ["booked", "cancelled", "booked", "booked"]),
            (Scope.FOLLOWING, ["booked", "cancelled", "cancelled", "cancelled"]),
            (Scope.SERIES, ["cancelled", "cancelled", "cancelled", "cancelled"]),
        ],
    )
    def test_scope_decides_which_sessions_are_cancelled(
        self, committed, therapist, patient, scope, expected
    ):
        """Only this visit, this and the later ones, or every upcoming one; one email each time."""
        visits = book_series(therapist, patient, at(TUESDAY + WEEK, 10))
        mail.outbox.clear()
        cancelled = committed(visit_cancel, visit=visits[1], actor=patient, scope=scope, now=NOW)
        assert statuses(visits) == expected
        assert len(cancelled) == expected.count("cancelled")
        assert len(mail_to(patient)) == 1
        calendar = calendar_of(mail_to(patient)[0])
        assert calendar["method"] == "CANCEL"
        assert sorted(event_starts(mail_to(patient)[0])) == [visit.start for visit in cancelled]

    def test_series_scope_leaves_past_sessions_alone(self, committed, therapist, patient):
        """Cancelling the series after the first session leaves that session as it was."""
        visits = book_series(therapist, patient, at(TUESDAY + WEEK, 10))
        later = visits[0].end + datetime.timedelta(hours=1)
        committed(visit_cancel, visit=visits[2], actor=patient, scope=Scope.SERIES, now=later)
        assert statuses(visits) == ["booked", "cancelled", "cancelled", "cancelled"]

    @pytest.mark.parametrize(
        ("who", "hours_before", "expected"),
        [
            ("patient", 1, Visit.Status.LATE_CANCELLED),
            ("patient", 3, Visit.Status.CANCELLED),
            ("staff", 1, Visit.Status.CANCELLED),
        ],
    )
    def test_late_cancellation_is_the_patients_inside_the_window(
        self, committed, provider, patient, scheduler, who, hours_before, expected
    ):
        """Urgent care's window is 2 h: a patient inside it cancels late; staff never do."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        mail.outbox.clear()
        by = patient if who == "patient" else scheduler
        now = visit.start - datetime.timedelta(hours=hours_before)
        committed(visit_cancel, visit=visit, actor=by, now=now)
        visit.refresh_from_db()
        assert visit.status == expected
        assert (visit.cancelled_at, visit.cancelled_by) == (now, by)
        assert visit.is_cancelled
        assert not visit.holds_time
        assert not Visit.objects.active().filter(pk=visit.pk).exists()
        assert len(mail_to(patient)) == 1
        assert ("late cancellation" in mail_to(patient)[0].body) == (
            expected == Visit.Status.LATE_CANCELLED
        )

    def test_the_clinics_note_reaches_the_patient(self, committed, provider, patient, scheduler):
        """Staff's note is in the cancellation email, and the status reads as a person would say it."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        mail.outbox.clear()
        committed(
            visit_cancel,
            visit=visit,
            actor=scheduler,
            note="Dr. is unwell today",
            now=NOW,
        )
        visit.refresh_from_db()
        assert "Message from the clinic: Dr. is unwell today" in mail_to(patient)[0].body
        assert "The clinic has cancelled" in mail_to(patient)[0].body
        assert visit.get_status_display() == "Cancelled"
        assert Visit.Status.LATE_CANCELLED.label == "Cancelled late"

    def test_cancelling_twice_sends_nothing_more(self, committed, provider, patient):
        """A visit already cancelled is refused as changed meanwhile and no second email goes out."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        committed(visit_cancel, visit=visit, actor=patient, now=NOW)
        mail.outbox.clear()
        visit.refresh_from_db()
        with pytest.raises(VisitChanged, match="cancelled a moment ago"):
            committed(visit_cancel, visit=visit, actor=patient, now=NOW)
        assert mail.outbox == []


class TestVisitReschedule:
    def test_moves_to_a_free_time_with_the_same_provider(self, committed, provider, patient):
        """The visit gets the new start, end and buffer; one email carries the new .ics time."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        visit.reminder_sent_at = NOW
        visit.save()
        mail.outbox.clear()
        new_start = at(TUESDAY + DAY, 14, 30)
        [moved] = committed(
            visit_reschedule,
            visit=visit,
            new_start=new_start,
            actor=patient,
            now=NOW,
        )
        assert moved.pk == visit.pk
        visit.refresh_from_db()
        assert (visit.start, visit.provider) == (new_start, provider)
        assert visit.end == new_start + visit.visit_type.duration
        assert visit.blocked_until == visit.end + visit.visit_type.buffer_after
        assert (visit.sequence, visit.reminder_sent_at) == (1, None)
        assert len(mail_to(patient)) == 1
        assert event_starts(mail_to(patient)[0]) == [new_start]
        assert str(calendar_of(mail_to(patient)[0]).walk("VEVENT")[0]["sequence"]) == "1"

    def test_a_move_stamps_the_visit_as_changed(self, provider, patient):
        """bulk_update skips auto_now, so the move sets updated_at itself: recent changes see it."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        before = timezone.now()
        Visit.objects.filter(pk=visit.pk).update(updated_at=before - WEEK)
        visit.refresh_from_db()
        visit_reschedule(visit=visit, new_start=at(TUESDAY, 11), actor=patient, now=NOW)
        visit.refresh_from_db()
        assert visit.updated_at >= before

    def test_the_moved_email_gives_the_old_and_new_time(self, committed, provider, patient):
        """The patient reads when the visit was and when it is now."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        mail.outbox.clear()
        committed(visit_reschedule, visit=visit, new_start=at(TUESDAY, 11), actor=patient, now=NOW)
        body = mail_to(patient)[0].body
        assert "Was: " in body
        assert "at 10:00 AM" in body
        assert "Now: " in body
        assert "at 11:00 AM" in body

    def test_may_move_over_its_own_old_time(self, committed, provider, patient):
        """Moving by fifteen minutes works although the new time overlaps the visit's old one."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        committed(
            visit_reschedule, visit=visit, new_start=at(TUESDAY, 10, 15), actor=patient, now=NOW
        )
        visit.refresh_from_db()
        assert visit.start == at(TUESDAY, 10, 15)

    def test_refuses_a_taken_time_and_changes_nothing(self, committed, provider, patient):
        """Another visit's time is refused with alternatives; the visit keeps its time."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        other = book(provider=provider, start=at(TUESDAY, 14))
        mail.outbox.clear()
        with pytest.raises(SlotTaken) as refused:
            committed(visit_reschedule, visit=visit, new_start=other.start, actor=patient, now=NOW)
        assert refused.value.alternatives
        assert other.start not in refused.value.alternatives
        visit.refresh_from_db()
        assert (visit.start, visit.sequence) == (at(TUESDAY, 10), 0)
        assert mail.outbox == []

    def test_moves_this_and_following_keeping_weekday_and_wall_clock(
        self, committed, therapist, patient
    ):
        """Moving session 2 from Tuesday 10:00 to Wednesday 15:00 moves the rest the same way,
        at 15:00 Chicago time on both sides of the March clock change."""
        first = at(datetime.date(2027, 3, 2), 10)  # clocks change on Sunday 14 March 2027
        visits = book_series(therapist, patient, first, count=4)
        mail.outbox.clear()
        new_start = at(datetime.date(2027, 3, 10), 15)
        moved = committed(
            visit_reschedule,
            visit=visits[1],
            new_start=new_start,
            actor=patient,
            scope=Scope.FOLLOWING,
            now=NOW,
        )
        assert [visit.pk for visit in moved] == [visit.pk for visit in visits[1:]]
        locals_ = [Visit.objects.get(pk=visit.pk).start.astimezone(CHICAGO) for visit in visits[1:]]
        assert [(local.weekday(), local.time()) for local in locals_] == [
            (2, datetime.time(15))
        ] * 3
        assert [local.date().day for local in locals_] == [10, 17, 24]
        assert Visit.objects.get(pk=visits[0].pk).start == first
        assert len(mail_to(patient)) == 1
        assert "3 visits have a new time" in mail_to(patient)[0].subject

    def test_a_clash_for_one_session_moves_none(self, committed, therapist, patient):
        """All or nothing: if one of the moved sessions would clash, every session stays put."""
        visits = book_series(therapist, patient, at(TUESDAY + WEEK, 10))
        book(provider=therapist, start=visits[3].start + DAY + 2 * HOUR, slug="therapy")
        before = [Visit.objects.get(pk=visit.pk).start for visit in visits]
        with pytest.raises(SlotTaken):
            committed(
                visit_reschedule,
                visit=visits[1],
                new_start=visits[1].start + DAY + 2 * HOUR,
                actor=patient,
                scope=Scope.FOLLOWING,
                now=NOW,
            )
        assert [Visit.objects.get(pk=visit.pk).start for visit in visits] == before

    def test_staff_move_says_so_with_their_note(self, committed, provider, patient, scheduler):
        """A move by the clinic tells the patient, with the clinic's note."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        mail.outbox.clear()
        committed(
            visit_reschedule,
            visit=visit,
            new_start=at(TUESDAY, 11),
            actor=scheduler,
            note="Provider running late",
            now=NOW,
        )
        body = mail_to(patient)[0].body
        assert "The clinic has moved" in body
        assert "Message from the clinic: Provider running late" in body


def test_visit_factory_rows_count_as_busy(provider, patient):
    """Rows written directly (as imports or admin edits would) also block the time."""
    VisitFactory(provider=provider, start=at(TUESDAY, 10))
    with pytest.raises(SlotTaken):
        book(provider=provider, patient=patient, start=at(TUESDAY, 10))


def test_a_provider_offering_nothing_is_not_bookable(patient):
    """A provider who offers nothing and has no hours cannot be booked."""
    with pytest.raises(NotBookable):
        book(provider=ProviderProfileFactory(), patient=patient, start=at(TUESDAY, 10))


class TestAudit:
    """Every change to a patient's visits is recorded by the service that makes it."""

    @staticmethod
    def book_one(provider, patient, therapist, actor) -> list[Visit]:
        return [book(provider=provider, patient=patient, start=at(TUESDAY, 10), actor=actor)]

    @staticmethod
    def book_a_series(provider, patient, therapist, actor) -> list[Visit]:
        series = visit_series_book(
            patient=patient,
            provider=therapist,
            visit_type=visit_type("therapy"),
            starts=weekly(at(TUESDAY + WEEK, 10), 3),
            every_weeks=1,
            actor=actor,
            ip_address="203.0.113.9",
            now=NOW,
        )
        return list(series.visits.all())

    @staticmethod
    def cancel(provider, patient, therapist, actor) -> list[Visit]:
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        return visit_cancel(visit=visit, actor=actor, ip_address="203.0.113.9", now=NOW)

    @staticmethod
    def reschedule(provider, patient, therapist, actor) -> list[Visit]:
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        return visit_reschedule(
            visit=visit,
            new_start=at(TUESDAY, 14),
            actor=actor,
            ip_address="203.0.113.9",
            now=NOW,
        )

    @pytest.mark.parametrize(
        ("change", "action"),
        [
            (book_one, "create"),
            (book_a_series, "create"),
            (cancel, "cancel"),
            (reschedule, "update"),
        ],
        ids=["book", "series book", "cancel", "reschedule"],
    )
    def test_staff_changes_write_one_event_per_visit(
        self, provider, therapist, patient, scheduler, change, action
    ):
        """Booking, series booking, cancelling and moving by staff each record who did it."""
        touched = change(provider, patient, therapist, scheduler)
        events = AuditEvent.objects.filter(action=action, actor=scheduler)
        assert sorted(events.values_list("object_id", flat=True)) == sorted(
            str(visit.pk) for visit in touched
        )
        assert {(event.patient_id, event.what) for event in events} == {(patient.pk, "visit")}

    def test_the_patients_own_changes_are_not_events(self, committed, provider, patient):
        """A patient booking and cancelling their own visit is in the visit, not the access log."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        committed(visit_cancel, visit=visit, actor=patient, now=NOW)
        assert not AuditEvent.objects.exists()


class TestChangedMeanwhile:
    """A change made from a copy of the visit read before another change is refused, typed."""

    def test_a_cancel_from_a_copy_read_before_a_move_is_refused(self, provider, patient):
        """The visit was moved meanwhile: the cancel says so with the new time and changes nothing."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        stale = Visit.objects.get(pk=visit.pk)
        visit_reschedule(visit=visit, new_start=at(TUESDAY, 14), actor=patient, now=NOW)
        mail.outbox.clear()
        with pytest.raises(VisitChanged) as changed:
            visit_cancel(visit=stale, actor=patient, now=NOW)
        assert not changed.value.cancelled
        assert changed.value.visit.start == at(TUESDAY, 14)
        assert changed.value.message_in(CHICAGO) == (
            "This visit was moved a moment ago to Tuesday, February 2 at 2:00 PM Central time."
        )
        fresh = Visit.objects.get(pk=visit.pk)
        assert (fresh.status, fresh.start, fresh.sequence) == ("booked", at(TUESDAY, 14), 1)
        assert mail.outbox == []

    def test_a_move_of_a_cancelled_visit_is_refused_and_keeps_its_old_time(self, provider, patient):
        """Cancelled meanwhile: the move is refused and the cancelled visit keeps its time."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        stale = Visit.objects.get(pk=visit.pk)
        visit_cancel(visit=visit, actor=patient, now=NOW)
        mail.outbox.clear()
        with pytest.raises(VisitChanged, match="cancelled a moment ago") as changed:
            visit_reschedule(visit=stale, new_start=at(TUESDAY, 14), actor=patient, now=NOW)
        assert changed.value.cancelled
        fresh = Visit.objects.get(pk=visit.pk)
        assert (fresh.status, fresh.start, fresh.sequence) == ("cancelled", at(TUESDAY, 10), 1)
        assert mail.outbox == []

    def test_a_second_move_from_the_same_copy_is_refused(self, provider, patient):
        """Two moves from one copy: the first wins, the second is told where the visit went."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        stale = Visit.objects.get(pk=visit.pk)
        visit_reschedule(visit=visit, new_start=at(TUESDAY, 14), actor=patient, now=NOW)
        with pytest.raises(VisitChanged, match="moved a moment ago"):
            visit_reschedule(visit=stale, new_start=at(TUESDAY, 15), actor=patient, now=NOW)
        fresh = Visit.objects.get(pk=visit.pk)
        assert (fresh.start, fresh.sequence) == (at(TUESDAY, 14), 1)

    def test_the_callers_copy_follows_each_change(self, provider, patient):
        """The copy passed in is brought up to date, so it can be changed again."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        visit_reschedule(visit=visit, new_start=at(TUESDAY, 14), actor=patient, now=NOW)
        visit_reschedule(visit=visit, new_start=at(TUESDAY, 15), actor=patient, now=NOW)
        visit_cancel(visit=visit, actor=patient, now=NOW)
        fresh = Visit.objects.get(pk=visit.pk)
        assert (fresh.status, fresh.start, fresh.sequence) == ("cancelled", at(TUESDAY, 15), 3)
        assert visit.sequence == 3


class TestCancelReason:
    def test_the_patients_reason_is_kept_and_never_sent_as_the_clinics_message(
        self, committed, provider, patient
    ):
        """The reason and the patient's words stay on the visit; the email has no clinic message."""
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        mail.outbox.clear()
        committed(
            visit_cancel,
            visit=visit,
            actor=patient,
            note="Please refund me",
            reason=Visit.CancelReason.COST,
            reason_text="Please refund me",
            now=NOW,
        )
        visit.refresh_from_db()
        assert (visit.cancel_reason, visit.cancel_reason_text) == ("cost", "Please refund me")
        assert visit.get_cancel_reason_display() == "The cost"
        [email] = mail_to(patient)
        assert "Message from the clinic" not in email.body
        assert "Please refund me" not in email.body


class TestOwnVisitClash:
    def test_booking_over_the_patients_own_visit_names_that_visit(self, provider, patient):
        """The refusal says the time overlaps the patient's own visit, in their zone, with it."""
        own = book(provider=provider_with_hours(), patient=patient, start=at(TUESDAY, 10))
        with pytest.raises(OwnVisitClash) as clash:
            book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        assert clash.value.visit == own
        assert str(clash.value) == (
            f"That time overlaps your own urgent care visit with {own.provider} on "
            "Tuesday, February 2 at 10:00 AM Central time."
        )

    def test_staff_are_told_whose_visit_it_is(self, provider, patient, scheduler):
        """Booked by staff, the refusal names the patient rather than saying "your own"."""
        book(provider=provider_with_hours(), patient=patient, start=at(TUESDAY, 10))
        with pytest.raises(OwnVisitClash, match=f"{patient.patient_profile.legal_name}'s own"):
            book(provider=provider, patient=patient, start=at(TUESDAY, 10), actor=scheduler)

    def test_a_time_taken_by_someone_else_keeps_the_usual_words(self, provider, patient):
        """Another patient's booking is not the patient's own clash."""
        book(provider=provider, start=at(TUESDAY, 10))
        with pytest.raises(SlotTaken) as taken:
            book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        assert not isinstance(taken.value, OwnVisitClash)
        assert "just taken" in str(taken.value)

    def test_moving_onto_the_patients_own_visit_names_it(self, provider, patient):
        """A move onto the patient's own other visit is refused with that visit."""
        own = book(provider=provider_with_hours(), patient=patient, start=at(TUESDAY, 14))
        visit = book(provider=provider, patient=patient, start=at(TUESDAY, 10))
        with pytest.raises(OwnVisitClash) as clash:
            visit_reschedule(visit=visit, new_start=at(TUESDAY, 14), actor=patient, now=NOW)
        assert clash.value.visit == own


class TestSeriesClash:
    def test_a_taken_date_keeps_every_other_session_as_chosen(self, therapist, patient):
        """The refusal's plan has the chosen dates, with alternatives on the clashing day only."""
        starts = weekly(at(TUESDAY + WEEK, 10), 5)
        book(provider=therapist, start=starts[2], slug="therapy")
        with pytest.raises(SeriesClash) as clash:
            visit_series_book(
                patient=patient,
                actor=patient,
                provider=therapist,
                visit_type=visit_type("therapy"),
                starts=starts,
                every_weeks=1,
                now=NOW,
            )
        plan = clash.value.plan
        assert [session.start for session in plan] == starts
        assert [session.free for session in plan] == [True, True, False, True, True]
        assert plan[2].alternatives
        assert all(abs(each - starts[2]) < DAY for each in plan[2].alternatives)
        assert all(not session.alternatives for session in plan if session.free)
        assert "1 of the times you chose was just taken" in str(clash.value)
