"""A visit's life: each move allowed only when it makes sense, recorded with who and when."""

import datetime

import pytest

from tests.accounts.factories import UserFactory
from tests.visits.factories import VisitFactory
from visits.audit import AuditEvent
from visits.records.lifecycle import (
    TransitionRefused,
    allowed_moves,
    can_check_in,
    mark_no_shows,
    visit_check_in,
    visit_complete,
    visit_mark_no_show,
    visit_start,
)
from visits.records.models import VisitTransition
from visits.scheduling.models import Visit

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
Status = Visit.Status


def set_status(visit: Visit, status: str) -> Visit:
    Visit.objects.filter(pk=visit.pk).update(status=status)
    visit.refresh_from_db()
    return visit


def refused(move, visit: Visit, *, actor, now: datetime.datetime) -> str:
    """The message a refused move gives; fails if the move was made."""
    with pytest.raises(TransitionRefused) as refusal:
        move(visit=visit, actor=actor, now=now)
    assert refusal.value.visit.pk == visit.pk
    return str(refusal.value)


class TestCheckIn:
    def test_opens_shortly_before_the_start(self, visit, patient, settings):
        """From VISIT_CHECK_IN_OPENS_BEFORE before the start the patient checks in; a minute
        earlier they are told when it opens."""
        opens = visit.start - settings.VISIT_CHECK_IN_OPENS_BEFORE
        assert not can_check_in(visit, now=opens - MINUTE)
        message = refused(visit_check_in, visit, actor=patient, now=opens - MINUTE)
        assert message == "Check-in opens 15 minutes before the visit."
        assert can_check_in(visit, now=opens)
        visit_check_in(visit=visit, actor=patient, now=opens)
        visit.refresh_from_db()
        assert visit.status == Status.CHECKED_IN
        assert visit.checked_in_at == opens

    def test_the_window_follows_the_setting(self, visit, patient, settings):
        """VISIT_CHECK_IN_OPENS_BEFORE decides when the window opens, and the message says so."""
        settings.VISIT_CHECK_IN_OPENS_BEFORE = datetime.timedelta(minutes=30)
        early = visit.start - datetime.timedelta(minutes=31)
        assert refused(visit_check_in, visit, actor=patient, now=early) == (
            "Check-in opens 30 minutes before the visit."
        )
        visit_check_in(visit=visit, actor=patient, now=early + 2 * MINUTE)
        assert Visit.objects.get(pk=visit.pk).status == Status.CHECKED_IN

    def test_closes_at_the_end(self, visit, patient):
        """Once the visit's time is over nobody checks in to it."""
        assert can_check_in(visit, now=visit.end - MINUTE)
        assert not can_check_in(visit, now=visit.end)
        assert refused(visit_check_in, visit, actor=patient, now=visit.end) == (
            "This visit's time has passed."
        )

    def test_not_twice(self, visit, patient):
        """A second check-in is refused: the patient is already here."""
        visit_check_in(visit=visit, actor=patient, now=visit.start)
        assert not can_check_in(visit, now=visit.start)
        assert refused(visit_check_in, visit, actor=patient, now=visit.start) == (
            "The patient has already checked in."
        )

    @pytest.mark.parametrize(
        ("status", "message"),
        [
            (Status.CANCELLED, "This visit was cancelled."),
            (Status.LATE_CANCELLED, "This visit was cancelled."),
            (Status.IN_PROGRESS, "This visit has already started."),
            (Status.COMPLETED, "This visit is already completed."),
            (Status.NO_SHOW, "This visit was marked a no-show."),
        ],
    )
    def test_only_a_booked_visit(self, visit, patient, status, message):
        """A visit that is not booked any more cannot be checked in to, and says why."""
        set_status(visit, status)
        assert not can_check_in(visit, now=visit.start)
        assert refused(visit_check_in, visit, actor=patient, now=visit.start) == message
        assert not VisitTransition.objects.exists()


class TestStart:
    def test_from_booked_or_checked_in(self, visit, patient, treating_clinician):
        """The clinician starts a visit whether or not the patient checked in first."""
        other = VisitFactory(
            provider=visit.provider, start=visit.start + datetime.timedelta(hours=1)
        )
        visit_check_in(visit=visit, actor=patient, now=visit.start - MINUTE)
        visit_start(visit=visit, actor=treating_clinician, now=visit.start)
        visit_start(visit=other, actor=treating_clinician, now=other.start)
        for started in (visit, other):
            started.refresh_from_db()
            assert started.status == Status.IN_PROGRESS
        assert visit.started_at == visit.start
        assert other.checked_in_at is None

    def test_not_too_early(self, visit, treating_clinician, settings):
        """Before check-in opens the visit cannot be started."""
        opens = visit.start - settings.VISIT_CHECK_IN_OPENS_BEFORE
        assert refused(visit_start, visit, actor=treating_clinician, now=opens - MINUTE) == (
            "It is too early to start this visit."
        )
        visit_start(visit=visit, actor=treating_clinician, now=opens)
        assert Visit.objects.get(pk=visit.pk).status == Status.IN_PROGRESS

    @pytest.mark.parametrize(
        "status", [Status.IN_PROGRESS, Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED]
    )
    def test_not_from_a_finished_or_started_visit(self, visit, treating_clinician, status):
        """A visit started, over, missed or cancelled cannot be started (again)."""
        set_status(visit, status)
        refused(visit_start, visit, actor=treating_clinician, now=visit.start)
        assert Visit.objects.get(pk=visit.pk).status == status


class TestComplete:
    def test_only_a_visit_in_progress(self, visit, treating_clinician):
        """A booked or checked-in visit is not completed; one in progress is, with the time."""
        assert refused(visit_complete, visit, actor=treating_clinician, now=visit.start) == (
            "This visit has not started yet."
        )
        set_status(visit, Status.CHECKED_IN)
        assert refused(visit_complete, visit, actor=treating_clinician, now=visit.start) == (
            "The patient has already checked in."
        )
        set_status(visit, Status.IN_PROGRESS)
        visit_complete(visit=visit, actor=treating_clinician, now=visit.end)
        visit.refresh_from_db()
        assert (visit.status, visit.completed_at) == (Status.COMPLETED, visit.end)

    def test_not_twice(self, visit, treating_clinician):
        """A completed visit stays completed."""
        set_status(visit, Status.COMPLETED)
        assert refused(visit_complete, visit, actor=treating_clinician, now=visit.end) == (
            "This visit is already completed."
        )


class TestNoShow:
    def test_only_after_the_start(self, visit, treating_clinician):
        """Before the start nobody is late yet; at the start the clinician may mark it."""
        before = visit.start - MINUTE
        assert refused(visit_mark_no_show, visit, actor=treating_clinician, now=before) == (
            "A visit can only be marked a no-show after its start."
        )
        visit_mark_no_show(visit=visit, actor=treating_clinician, now=visit.start)
        assert Visit.objects.get(pk=visit.pk).status == Status.NO_SHOW

    @pytest.mark.parametrize(
        ("status", "message"),
        [
            (Status.COMPLETED, "This visit is already completed."),
            (Status.IN_PROGRESS, "This visit has already started."),
            (Status.CHECKED_IN, "The patient has already checked in."),
            (Status.CANCELLED, "This visit was cancelled."),
            (Status.NO_SHOW, "This visit was marked a no-show."),
        ],
    )
    def test_only_a_booked_visit(self, visit, treating_clinician, status, message):
        """A completed visit is never a no-show, nor one the patient came to or that was cancelled."""
        set_status(visit, status)
        later = visit.end + datetime.timedelta(hours=1)
        assert refused(visit_mark_no_show, visit, actor=treating_clinician, now=later) == message
        assert Visit.objects.get(pk=visit.pk).status == status


class TestCompletedVisitStaysCompleted:
    def test_cannot_be_cancelled(self, visit, treating_clinician):
        """The scheduling service refuses to cancel a completed visit; it stays completed."""
        from visits.scheduling.services import VisitChanged, visit_cancel

        set_status(visit, Status.COMPLETED)
        with pytest.raises(VisitChanged):
            visit_cancel(visit=visit, actor=treating_clinician)
        assert Visit.objects.get(pk=visit.pk).status == Status.COMPLETED


class TestWhoAndWhen:
    def test_each_move_is_a_transition_row(self, visit, patient, treating_clinician):
        """Check-in, start and complete each leave a row: from, to, who, when; in that order."""
        times = [visit.start - MINUTE, visit.start, visit.end]
        visit_check_in(visit=visit, actor=patient, now=times[0])
        visit_start(visit=visit, actor=treating_clinician, now=times[1])
        visit_complete(visit=visit, actor=treating_clinician, now=times[2])
        rows = list(
            VisitTransition.objects.filter(visit=visit).values_list(
                "from_status", "to_status", "actor", "at"
            )
        )
        assert rows == [
            (Status.BOOKED, Status.CHECKED_IN, patient.pk, times[0]),
            (Status.CHECKED_IN, Status.IN_PROGRESS, treating_clinician.pk, times[1]),
            (Status.IN_PROGRESS, Status.COMPLETED, treating_clinician.pk, times[2]),
        ]
        visit.refresh_from_db()
        assert (visit.checked_in_at, visit.started_at, visit.completed_at) == tuple(times)

    def test_the_callers_visit_is_updated(self, visit, treating_clinician):
        """The visit object passed in reads the new status and time without reloading."""
        moved = visit_start(visit=visit, actor=treating_clinician, now=visit.start)
        assert moved is visit
        assert (visit.status, visit.started_at) == (Status.IN_PROGRESS, visit.start)

    def test_a_refused_move_records_nothing(self, visit, treating_clinician):
        """Nothing is written for a move that was refused."""
        refused(visit_complete, visit, actor=treating_clinician, now=visit.start)
        assert not VisitTransition.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_someone_else_moving_it_is_an_audit_event(self, visit, treating_clinician):
        """A clinician's or staff member's move is an audit event on the patient's record,
        with the address it came from."""
        staff = UserFactory(role="staff")
        visit_start(
            visit=visit, actor=treating_clinician, ip_address="203.0.113.9", now=visit.start
        )
        visit_complete(visit=visit, actor=staff, now=visit.end)
        events = list(
            AuditEvent.objects.order_by("pk").values_list(
                "actor", "patient", "action", "what", "object_id", "ip_address"
            )
        )
        assert events == [
            (
                treating_clinician.pk,
                visit.patient_id,
                "update",
                "visit",
                str(visit.pk),
                "203.0.113.9",
            ),
            (staff.pk, visit.patient_id, "update", "visit", str(visit.pk), None),
        ]

    def test_the_patients_own_check_in_is_not_an_audit_event(self, visit, patient):
        """The patient checking themselves in is their own action: the transition says it."""
        visit_check_in(visit=visit, actor=patient, now=visit.start)
        assert not AuditEvent.objects.exists()
        assert VisitTransition.objects.get().actor == patient


class TestAllowedMoves:
    def test_the_buttons_follow_the_services(self, visit, settings):
        """What a visit may move to now, as the services would allow it."""
        opens = visit.start - settings.VISIT_CHECK_IN_OPENS_BEFORE
        assert allowed_moves(visit, now=opens - MINUTE) == []
        assert allowed_moves(visit, now=opens) == [Status.CHECKED_IN, Status.IN_PROGRESS]
        assert allowed_moves(visit, now=visit.start) == [
            Status.CHECKED_IN,
            Status.IN_PROGRESS,
            Status.NO_SHOW,
        ]
        assert allowed_moves(visit, now=visit.end) == [Status.IN_PROGRESS, Status.NO_SHOW]
        set_status(visit, Status.CHECKED_IN)
        assert allowed_moves(visit, now=visit.start) == [Status.IN_PROGRESS]
        set_status(visit, Status.IN_PROGRESS)
        assert allowed_moves(visit, now=visit.start) == [Status.COMPLETED]
        for status in (Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED):
            set_status(visit, status)
            assert allowed_moves(visit, now=visit.end) == []


class TestMarkNoShows:
    def test_booked_visits_past_the_time_nobody_checked_in_to(self, visit, settings):
        """VISIT_NO_SHOW_AFTER past the start a booked visit is a no-show, by nobody."""
        due = visit.start + settings.VISIT_NO_SHOW_AFTER
        assert mark_no_shows(now=due - MINUTE) == 0
        assert Visit.objects.get(pk=visit.pk).status == Status.BOOKED
        assert mark_no_shows(now=due) == 1
        assert Visit.objects.get(pk=visit.pk).status == Status.NO_SHOW
        row = VisitTransition.objects.get(visit=visit)
        assert (row.from_status, row.to_status, row.actor, row.at) == (
            Status.BOOKED,
            Status.NO_SHOW,
            None,
            due,
        )
        assert not AuditEvent.objects.exists()

    def test_the_time_is_configurable(self, visit, settings):
        """A clinic that waits 30 minutes has no no-show at 20."""
        settings.VISIT_NO_SHOW_AFTER = datetime.timedelta(minutes=30)
        assert mark_no_shows(now=visit.start + datetime.timedelta(minutes=20)) == 0
        assert mark_no_shows(now=visit.start + datetime.timedelta(minutes=30)) == 1

    def test_leaves_every_other_status_alone(self, visit, provider):
        """Checked in, in progress, completed, cancelled and earlier no-shows are not touched;
        only the booked one is marked, once."""
        start = visit.start
        others = {
            status: VisitFactory(
                provider=provider, start=start - datetime.timedelta(hours=n + 1), status=status
            )
            for n, status in enumerate(
                [
                    Status.CHECKED_IN,
                    Status.IN_PROGRESS,
                    Status.COMPLETED,
                    Status.CANCELLED,
                    Status.LATE_CANCELLED,
                    Status.NO_SHOW,
                ]
            )
        }
        later = start + datetime.timedelta(days=1)
        assert mark_no_shows(now=later) == 1
        assert mark_no_shows(now=later) == 0
        for status, other in others.items():
            assert Visit.objects.get(pk=other.pk).status == status
        assert VisitTransition.objects.get().visit_id == visit.pk
