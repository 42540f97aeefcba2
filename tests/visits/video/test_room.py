"""When a visit's room is open, and what the waiting room says, from the status and the clock."""

import datetime

import pytest

from visits.scheduling.models import Visit
from visits.video.room import room_closed_because, room_is_open, waiting_status

START = datetime.datetime(2027, 2, 2, 16, 0, tzinfo=datetime.UTC)
Status = Visit.Status


def visit(status=Status.CHECKED_IN) -> Visit:
    return Visit(start=START, end=START + datetime.timedelta(minutes=15), status=status)


def at(minutes: float) -> datetime.datetime:
    return START + datetime.timedelta(minutes=minutes)


class TestWindow:
    @pytest.mark.parametrize(
        ("status", "message"),
        [
            (Status.BOOKED, "The video room opens when you check in."),
            (Status.COMPLETED, "This visit has ended."),
            (Status.CANCELLED, "This visit was cancelled."),
            (Status.LATE_CANCELLED, "This visit was cancelled."),
            (Status.NO_SHOW, "This visit was marked as missed."),
        ],
    )
    def test_closed_outside_check_in_to_completion(self, status, message):
        """Before check-in and once completed (or cancelled) the room is closed, and says why."""
        assert room_closed_because(visit(status), now=at(1)) == message

    def test_open_from_check_in_until_the_set_time_after_the_end(self, settings):
        """Checked in or in progress: open until VIDEO_ROOM_OPEN_AFTER_END after the end."""
        settings.VIDEO_ROOM_OPEN_AFTER_END = datetime.timedelta(minutes=30)
        for status in (Status.CHECKED_IN, Status.IN_PROGRESS):
            assert room_is_open(visit(status), now=at(-15))
            assert room_is_open(visit(status), now=at(44.9))
            assert room_closed_because(visit(status), now=at(45)) == "This visit's time has passed."


class TestWaitingStatus:
    def test_early(self):
        """Before the start: how many minutes until it, rounded up."""
        status = waiting_status(visit(), now=at(-6.5))
        assert (status.state, status.minutes) == ("early", 7)

    def test_running_late(self):
        """After the start and not started: running late by the whole minutes past the start."""
        assert waiting_status(visit(), now=at(0.2)).minutes == 1
        status = waiting_status(visit(), now=at(7.9), clinician_busy=True)
        assert (status.state, status.minutes, status.clinician_busy) == ("late", 7, True)

    def test_ready_and_ended(self):
        """Started: ready for you. Completed or past the window: ended."""
        assert waiting_status(visit(Status.IN_PROGRESS), now=at(3)).state == "ready"
        assert waiting_status(visit(Status.COMPLETED), now=at(3)).state == "ended"
        assert waiting_status(visit(), now=at(60)).state == "ended"

    def test_key_changes_with_what_is_read(self):
        """Same words, same key; a minute later, another key."""
        assert waiting_status(visit(), now=at(2.1)).key == waiting_status(visit(), now=at(2.9)).key
        assert waiting_status(visit(), now=at(2.1)).key != waiting_status(visit(), now=at(3.1)).key
