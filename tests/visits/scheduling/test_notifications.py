"""Visit emails: one per action, with an .ics file whose times are right in every zone."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail

from tests.accounts.factories import PatientProfileFactory, UserFactory
from tests.visits.factories import MONDAY, VisitFactory, at, provider_with_hours
from visits.scheduling import notifications

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + datetime.timedelta(days=1)
NEW_YORK = ZoneInfo("America/New_York")


def parsed(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text)


def attachment_of(message):
    [attachment] = message.attachments
    return attachment


class TestVisitCalendar:
    def test_events_are_in_utc_with_uid_and_sequence(self):
        """Each visit becomes a VEVENT whose start and end are the stored UTC instants."""
        visit = VisitFactory(start=at(TUESDAY, 10), sequence=2)
        text = notifications.visit_calendar([visit])
        calendar = parsed(text)
        assert calendar["method"] == "PUBLISH"
        [event] = calendar.walk("VEVENT")
        assert event.decoded("dtstart") == visit.start
        assert event.decoded("dtend") == visit.end
        assert f"DTSTART:{visit.start.astimezone(datetime.UTC):%Y%m%dT%H%M%S}Z" in text
        assert str(event["uid"]) == f"{visit.pk}@housecall"
        assert int(event["sequence"]) == 2
        assert str(event["status"]) == "CONFIRMED"
        assert str(visit.provider) in str(event["summary"])

    def test_cancellations_use_method_cancel(self):
        """A cancellation's calendar tells calendar apps to remove the events."""
        visits = [
            VisitFactory(start=at(TUESDAY, 10)),
            VisitFactory(start=at(TUESDAY, 11)),
        ]
        calendar = parsed(notifications.visit_calendar(visits, cancelled=True))
        assert calendar["method"] == "CANCEL"
        events = calendar.walk("VEVENT")
        assert [str(event["status"]) for event in events] == ["CANCELLED", "CANCELLED"]
        assert [event.decoded("dtstart") for event in events] == [v.start for v in visits]


class TestPatientZone:
    def test_the_patients_own_zone(self):
        """A patient's emails use the zone in their details."""
        patient = PatientProfileFactory(time_zone="America/New_York").user
        visit = VisitFactory(patient=patient, provider=provider_with_hours())
        assert notifications.patient_zone(visit) == NEW_YORK

    def test_falls_back_to_the_providers_zone(self):
        """Without patient details the provider's zone is used."""
        visit = VisitFactory(
            patient=UserFactory(), provider=provider_with_hours(time_zone="America/Denver")
        )
        assert notifications.patient_zone(visit) == ZoneInfo("America/Denver")


class TestEmails:
    def test_one_email_for_a_whole_series(self):
        """Four visits booked together are confirmed in one email with four events."""
        patient = PatientProfileFactory().user
        provider = provider_with_hours()
        visits = [
            VisitFactory(
                patient=patient,
                provider=provider,
                start=at(TUESDAY + datetime.timedelta(weeks=week), 10),
            )
            for week in range(4)
        ]
        notifications.notify_booked(visits)
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.subject == "Housecall: your 4 visits are booked"
        attachment = attachment_of(message)
        assert attachment.mimetype == "text/calendar"
        assert len(parsed(attachment.content).walk("VEVENT")) == 4

    def test_reminder_subject_and_calendar(self):
        """The reminder names tomorrow's visit and attaches it again."""
        visit = VisitFactory(start=at(TUESDAY, 10))
        notifications.notify_reminder(visit)
        [message] = mail.outbox
        assert message.subject == "Housecall: reminder: your visit tomorrow"
        [event] = parsed(attachment_of(message).content).walk("VEVENT")
        assert event.decoded("dtstart") == visit.start

    def test_email_times_read_in_the_patients_zone(self):
        """A New York patient's 10:00 Central visit reads as 11:00 AM EST in the email."""
        patient = PatientProfileFactory(time_zone="America/New_York").user
        visit = VisitFactory(patient=patient, start=at(TUESDAY, 10))
        notifications.notify_booked([visit])
        local = visit.start.astimezone(NEW_YORK)
        assert f"{local:%-I:%M %p} {local.tzname()}" in mail.outbox[0].body
