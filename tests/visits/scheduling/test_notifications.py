"""Visit emails: one per action, with an .ics file whose times are right in every zone."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail
from django.db import transaction

from tests.accounts.factories import PatientProfileFactory, UserFactory
from tests.visits.factories import MONDAY, VisitFactory, at, mail_to, provider_with_hours
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
    def test_one_email_for_a_whole_series(self, django_capture_on_commit_callbacks):
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
        with django_capture_on_commit_callbacks(execute=True):
            notifications.notify_booked(visits)
        [message] = mail_to(patient)
        assert message.subject == "Housecall: your 4 visits are booked"
        attachment = attachment_of(message)
        assert attachment.mimetype == "text/calendar"
        assert len(parsed(attachment.content).walk("VEVENT")) == 4

    def test_reminder_subject_and_calendar(self, django_capture_on_commit_callbacks):
        """The reminder names tomorrow's visit and attaches it again."""
        visit = VisitFactory(start=at(TUESDAY, 10))
        with django_capture_on_commit_callbacks(execute=True):
            notifications.notify_reminder(visit)
        [message] = mail.outbox
        assert message.subject == "Housecall: reminder: your visit tomorrow"
        [event] = parsed(attachment_of(message).content).walk("VEVENT")
        assert event.decoded("dtstart") == visit.start

    def test_email_times_read_in_the_patients_zone(self, django_capture_on_commit_callbacks):
        """A New York patient's 10:00 Central visit reads as 11:00 AM Eastern time in the email."""
        patient = PatientProfileFactory(time_zone="America/New_York").user
        visit = VisitFactory(patient=patient, start=at(TUESDAY, 10))
        with django_capture_on_commit_callbacks(execute=True):
            notifications.notify_booked([visit])
        local = visit.start.astimezone(NEW_YORK)
        assert f"{local:%-I:%M %p} Eastern time" in mail_to(patient)[0].body


class TestGreetingsAndChanges:
    """Emails greet the reader by name, a move gives both times, and the clinician is told."""

    def test_the_patient_is_greeted_by_preferred_then_legal_first_name(
        self, django_capture_on_commit_callbacks
    ):
        """ "Hello Sam," for a patient who goes by Sam; "Hello Alexandra," without a preferred name."""
        sam = PatientProfileFactory(legal_first_name="Samantha", preferred_name="Sam").user
        alexandra = PatientProfileFactory(legal_first_name="Alexandra", preferred_name="").user
        with django_capture_on_commit_callbacks(execute=True):
            notifications.notify_booked([VisitFactory(patient=sam, start=at(TUESDAY, 10))])
            notifications.notify_booked([VisitFactory(patient=alexandra, start=at(TUESDAY, 11))])
        assert mail_to(sam)[0].body.startswith("Hello Sam,\n")
        assert mail_to(alexandra)[0].body.startswith("Hello Alexandra,\n")

    def test_emails_name_the_site_from_settings(self, settings, django_capture_on_commit_callbacks):
        """Subject, body and sign-off use SITE_NAME, never a hard-coded name or the request's host."""
        settings.SITE_NAME = "Northside Telehealth"
        patient = PatientProfileFactory().user
        with django_capture_on_commit_callbacks(execute=True):
            notifications.notify_booked([VisitFactory(patient=patient, start=at(TUESDAY, 10))])
        [message] = mail_to(patient)
        assert message.subject == "Northside Telehealth: your visit is booked"
        assert "from your Northside Telehealth home page" in message.body
        assert "Housecall" not in message.body

    def test_a_moved_visit_email_gives_the_old_and_the_new_time(
        self, django_capture_on_commit_callbacks
    ):
        """The patient reads when the visit was and when it is now, in their own zone."""
        patient = PatientProfileFactory(time_zone="America/New_York").user
        visit = VisitFactory(patient=patient, start=at(TUESDAY, 14))
        old = at(TUESDAY, 10)
        with django_capture_on_commit_callbacks(execute=True):
            notifications.notify_moved([visit], previous=[old])
        body = mail_to(patient)[0].body
        was, now = old.astimezone(NEW_YORK), visit.start.astimezone(NEW_YORK)
        assert f"Was: {was:%A, %B %-d, %Y} at {was:%-I:%M %p} Eastern time" in body
        assert f"Now: {now:%A, %B %-d, %Y} at {now:%-I:%M %p} Eastern time" in body
        assert "(times in Eastern time)" in body

    @pytest.mark.parametrize(
        ("notify", "subject"),
        [
            (lambda visits: notifications.notify_booked(visits), "a visit with you was booked"),
            (
                lambda visits: notifications.notify_cancelled(visits, late=False),
                "a visit with you was cancelled",
            ),
            (
                lambda visits: notifications.notify_moved(
                    visits, previous=[visits[0].start - datetime.timedelta(hours=2)]
                ),
                "a visit with you was moved",
            ),
        ],
        ids=["booked", "cancelled", "moved"],
    )
    def test_the_clinician_is_told_by_name_without_the_patients_details(
        self, notify, subject, django_capture_on_commit_callbacks
    ):
        """The clinician's email greets them, gives the type and time in their zone and a link,
        and names neither the patient nor the reason."""
        patient = PatientProfileFactory(legal_first_name="Quentin", legal_last_name="Zephyr").user
        provider = provider_with_hours(time_zone="America/Denver")
        visit = VisitFactory(
            patient=patient, provider=provider, start=at(TUESDAY, 10), reason="Rash on arm"
        )
        with django_capture_on_commit_callbacks(execute=True):
            notify([visit])
        [message] = mail_to(provider.user)
        assert message.subject == f"Housecall: {subject}"
        assert message.body.startswith(f"Hello {provider.user.display_name},\n")
        local = visit.start.astimezone(ZoneInfo("America/Denver"))
        assert f"{local:%-I:%M %p} Mountain time" in message.body
        assert f"/visits/{visit.pk}/" in message.body
        for private in ("Quentin", "Zephyr", "Rash", patient.email):
            assert private not in message.body

    def test_nothing_is_sent_for_a_change_that_rolls_back(self, django_capture_on_commit_callbacks):
        """An email queued inside a transaction that rolls back never goes out."""
        patient = PatientProfileFactory().user
        visit = VisitFactory(patient=patient, start=at(TUESDAY, 10))

        def book_then_fail() -> None:
            with transaction.atomic():
                notifications.notify_booked([visit])
                raise RuntimeError("the booking failed")

        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
        ):
            book_then_fail()
        assert callbacks == []
        assert mail.outbox == []

    def test_emails_wait_for_the_commit(self, django_capture_on_commit_callbacks):
        """Inside the transaction nothing is sent yet; on commit the patient's and clinician's go."""
        patient = PatientProfileFactory().user
        visit = VisitFactory(patient=patient, start=at(TUESDAY, 10))
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            notifications.notify_booked([visit])
            assert mail.outbox == []
        assert len(callbacks) == 2
        assert sorted(message.to[0] for message in mail.outbox) == sorted(
            [patient.email, visit.provider.user.email]
        )
