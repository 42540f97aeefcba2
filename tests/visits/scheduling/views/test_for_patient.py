"""Staff and clinicians book, move and cancel visits for patients."""

import datetime
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from tests.visits.factories import RED_FLAG_COUGH, mail_to, symptoms_checked
from tests.visits.scheduling.views.staff import (
    CHICAGO,
    HTMX,
    ONE_DAY,
    at,
    days_from_today,
    next_monday,
    text,
    url,
    visit_at,
)
from visits.audit import AuditEvent
from visits.scheduling.models import (
    Visit,
    VisitSeries,
    VisitType,
)
from visits.scheduling.services import SlotTaken, VisitChanged, visit_book
from visits.scheduling.views.for_patient import window_note

pytestmark = pytest.mark.django_db


class TestStaffBooking:
    def book(self, client, provider, headers=None, **fields):
        return client.post(url("scheduling:schedule_book", provider), fields, headers=headers or {})

    def choices(self, patient, follow_up, start, **extra):
        return {
            "action": "book",
            "patient": patient.pk,
            "visit_type": follow_up.pk,
            "day": start.astimezone(CHICAGO).date().isoformat(),
            "start": start.isoformat(),
            "reason": "Blood pressure check",
            **extra,
        }

    def test_the_visit_types_are_read_once(self, scheduler_client, provider, follow_up):
        """The menu of visit types is written from the one read of them the page makes."""
        with CaptureQueriesContext(connection) as queries:
            content = text(scheduler_client.get(url("scheduling:schedule_book", provider)))
        reads = [each for each in queries.captured_queries if '"visits_visittype"' in each["sql"]]
        assert len(reads) == 1
        assert f'<option value="{follow_up.pk}" selected>{follow_up.name}</option>' in content
        assert '<option value="">Choose a visit type</option>' in content

    def test_search_finds_patients_by_name_and_audits_it(self, scheduler_client, provider, patient):
        """Typing part of a name lists matching patients with details, and the read is logged."""
        PatientProfileFactory(legal_first_name="Ana", legal_last_name="Smith")
        content = text(self.book(scheduler_client, provider, action="search", query="rivera"))
        assert f"Jordan Rivera, born May 17, 1990, {patient.email}" in content
        assert "Ana Smith" not in content
        assert AuditEvent.objects.filter(what="patient", patient=patient).exists()

    def test_search_finding_nobody_says_so(self, scheduler_client, provider, patient):
        """An empty search result is explained."""
        content = text(self.book(scheduler_client, provider, action="search", query="zzzz"))
        assert "No patient with details matches that search." in content

    def test_show_free_times_lists_the_days_times(
        self, scheduler_client, provider, patient, follow_up
    ):
        """Choosing a type and day lists its free starts, with nothing booked yet."""
        content = text(
            self.book(
                scheduler_client,
                provider,
                headers=HTMX,
                action="times",
                visit_type=follow_up.pk,
                day=next_monday().isoformat(),
            )
        )
        assert content.lstrip().startswith('<form id="booking-form"')
        assert f'value="{at(next_monday(), 9).isoformat()}"' in content
        assert re.search(
            rf'value="{re.escape(at(next_monday(), 9).isoformat())}"[^>]*autofocus', content
        )
        assert content.count("autofocus") == 1
        assert "The visit is not booked yet" not in content
        assert not Visit.objects.exists()

    def test_booking_for_a_patient_emails_them(
        self, committed, scheduler_client, scheduler, provider, patient, follow_up
    ):
        """The visit is booked by the staff member and the patient hears the clinic booked it."""
        start = at(next_monday(), 10)
        response = committed(
            self.book, scheduler_client, provider, **self.choices(patient, follow_up, start)
        )
        assert (
            response["Location"]
            == url("scheduling:schedule_calendar", provider) + f"?day={next_monday()}"
        )
        visit = Visit.objects.get()
        assert (visit.patient, visit.start, visit.booked_by) == (patient, start, scheduler)
        assert visit.reason == "Blood pressure check"
        [email] = mail_to(patient)
        assert email.to == [patient.email]
        assert "The clinic has booked this video visit" in email.body
        assert AuditEvent.objects.filter(
            action=AuditEvent.Action.CREATE, object_id=str(visit.pk)
        ).exists()

    def test_htmx_booking_redirects_the_page(self, scheduler_client, provider, patient, follow_up):
        """With htmx, success tells the browser to open the calendar day."""
        response = self.book(
            scheduler_client,
            provider,
            headers=HTMX,
            **self.choices(patient, follow_up, at(next_monday(), 10)),
        )
        assert (
            response["HX-Redirect"]
            == url("scheduling:schedule_calendar", provider) + f"?day={next_monday()}"
        )

    def test_a_taken_time_offers_the_nearest_and_keeps_everything(
        self, scheduler_client, provider, patient, follow_up
    ):
        """The message sits by the times, the nearest free ones are offered, the reason stays."""
        visit_at(provider, UserFactory(), follow_up, at(next_monday(), 10))
        response = self.book(
            scheduler_client,
            provider,
            **self.choices(patient, follow_up, at(next_monday(), 10), reason="Dizzy spells"),
        )
        content = text(response)
        assert "Sorry, that time was just taken." in content
        assert "Here are the nearest free times" in content
        assert f'value="{at(next_monday(), 10, 30).isoformat()}"' in content
        assert "Dizzy spells" in content
        assert f'value="{patient.pk}"' in content
        assert Visit.objects.count() == 1

    def test_not_bookable_is_explained(self, scheduler_client, provider, follow_up):
        """A patient in a state the provider is not licensed in is refused with the reason."""
        travelling = PatientProfileFactory(current_state="NY").user
        content = text(
            self.book(
                scheduler_client,
                provider,
                **self.choices(travelling, follow_up, at(next_monday(), 10)),
            )
        )
        name = provider.user.display_name
        assert (
            f"{travelling.patient_profile.legal_name} is in New York; {name} is not licensed there."
            in content
        )
        assert "where you are now" not in content
        assert "update your state" not in content
        assert "The visit is not booked yet." in content
        assert not Visit.objects.exists()

    def test_search_results_show_each_patients_state(self, scheduler_client, provider, patient):
        """Staff see where each patient found is now, which decides who may see them."""
        PatientProfileFactory(legal_first_name="Ana", legal_last_name="Rivera", current_state="AZ")
        content = text(self.book(scheduler_client, provider, action="search", query="rivera"))
        assert f"Jordan Rivera, born May 17, 1990, {patient.email}; in Texas" in content
        assert "Ana Rivera, born" in content
        assert "; in Arizona" in content

    def test_an_unlicensed_provider_is_said_before_choosing_a_time(
        self, scheduler_client, provider, follow_up
    ):
        """Choosing a patient in a state the provider is not licensed in says so at once, offers
        no times, and links to the providers licensed there who offer the visit type."""
        maya = PatientProfileFactory(
            legal_first_name="Maya", legal_last_name="Patel", current_state="AZ"
        ).user
        okafor = ProviderProfileFactory(user__display_name="Dr. Okafor", states=["AZ"])
        okafor.visit_types.add(follow_up)
        ProviderProfileFactory(user__display_name="Dr. Elsewhere", states=["NV"]).visit_types.add(
            follow_up
        )
        content = text(
            self.book(
                scheduler_client,
                provider,
                action="times",
                patient=maya.pk,
                visit_type=follow_up.pk,
                day=next_monday().isoformat(),
            )
        )
        name = provider.user.display_name
        assert f"Maya Patel is in Arizona; {name} is not licensed there." in content
        assert f'value="{at(next_monday(), 9).isoformat()}"' not in content
        assert "Book with Dr. Okafor" in content
        assert url("scheduling:schedule_book", okafor) + "?type=follow-up" in content
        assert "Dr. Elsewhere" not in content

    def test_a_day_past_the_horizon_says_why(self, scheduler_client, provider, follow_up):
        """No free times beyond the booking horizon is explained, not shown as a full day."""
        far = next_monday() + 35 * ONE_DAY
        content = text(
            self.book(
                scheduler_client,
                provider,
                action="times",
                visit_type=follow_up.pk,
                day=far.isoformat(),
            )
        )
        assert "Follow-up visits can be booked up to 30 days ahead" in content
        assert "To book outside this window, give a reason" in content
        assert "Reason to book outside the usual booking window" in content

    def test_staff_book_past_the_horizon_with_a_reason(
        self, scheduler_client, scheduler, provider, patient, follow_up
    ):
        """With a reason given, times past the horizon are offered and booked; the reason is kept
        in the visit's booking note, and the booking is audited as the staff member's."""
        far = next_monday() + 35 * ONE_DAY
        why = "Surgery follow-up the surgeon asked for"
        content = text(
            self.book(
                scheduler_client,
                provider,
                action="times",
                visit_type=follow_up.pk,
                day=far.isoformat(),
                outside_window_reason=why,
            )
        )
        start = at(far, 9)
        assert f'value="{start.isoformat()}"' in content
        assert "Including times outside the usual booking window" in content
        self.book(
            scheduler_client,
            provider,
            **self.choices(patient, follow_up, start, outside_window_reason=why),
        )
        visit = Visit.objects.get()
        assert visit.start == start
        assert visit.booked_by == scheduler
        assert visit.reason == (
            f"Blood pressure check\nBooked outside the usual booking window: {why}"
        )
        assert AuditEvent.objects.filter(
            actor=scheduler, action=AuditEvent.Action.CREATE, object_id=str(visit.pk)
        ).exists()

    def test_without_a_reason_the_horizon_holds(
        self, scheduler_client, provider, patient, follow_up
    ):
        """A time past the horizon posted without a reason is not booked."""
        start = at(next_monday() + 35 * ONE_DAY, 9)
        self.book(scheduler_client, provider, **self.choices(patient, follow_up, start))
        assert not Visit.objects.exists()

    def test_clinicians_cannot_book_outside_the_window(
        self, clinician_client, provider, patient, follow_up
    ):
        """The reason field is for clinic staff; a clinician's reason changes nothing."""
        visit_at(provider, patient, follow_up, at(next_monday(), 11), status=Visit.Status.COMPLETED)
        start = at(next_monday() + 35 * ONE_DAY, 9)
        content = text(
            self.book(
                clinician_client,
                provider,
                **self.choices(patient, follow_up, start, outside_window_reason="Because"),
            )
        )
        assert "Reason to book outside the usual booking window" not in content
        assert not Visit.objects.filter(start=start).exists()

    def test_staff_book_a_weekly_series_for_a_client(
        self, scheduler_client, therapist, patient, therapy
    ):
        """Weekly therapy for four weeks: one series of four visits at the same local time."""
        first = at(days_from_today(2), 10)  # therapy needs a day's notice
        response = self.book(
            scheduler_client,
            therapist,
            **self.choices(patient, therapy, first, repeat="1", sessions="4"),
        )
        series = VisitSeries.objects.get()
        starts = list(series.visits.order_by("start").values_list("start", flat=True))
        assert len(starts) == 4
        assert all(
            each.astimezone(CHICAGO).time() == first.astimezone(CHICAGO).time() for each in starts
        )
        assert response.status_code == 302
        page = text(scheduler_client.get(response["Location"]))
        assert "Booked: 4 therapy sessions, the first" in page

    def test_a_series_needs_its_number_of_sessions(
        self, scheduler_client, therapist, patient, therapy
    ):
        """Choosing to repeat without saying how many sessions asks for the number."""
        content = text(
            self.book(
                scheduler_client,
                therapist,
                **self.choices(patient, therapy, at(next_monday(), 10), repeat="1", sessions=""),
            )
        )
        assert "Enter the number of sessions." in content
        assert not Visit.objects.exists()

    def test_a_series_past_the_horizon_names_the_dates(
        self, scheduler_client, therapist, patient, therapy
    ):
        """Sessions beyond how far ahead therapy can be booked are named; nothing is booked."""
        content = text(
            self.book(
                scheduler_client,
                therapist,
                **self.choices(patient, therapy, at(next_monday(), 10), repeat="2", sessions="8"),
            )
        )
        assert "of the 8 sessions cannot be booked" in content
        assert "days therapy can be booked ahead" in content
        assert not Visit.objects.exists()

    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
    def test_extreme_days_are_refused_with_a_message(
        self, scheduler_client, provider, follow_up, day
    ):
        """A day far outside the calendar gets a message by the field, never a server error."""
        response = self.book(
            scheduler_client, provider, action="times", visit_type=follow_up.pk, day=day
        )
        assert response.status_code == 200
        assert "Choose a date from January 1, 2000 to" in text(response)

    @pytest.mark.parametrize("start", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:00+00:00"])
    def test_an_extreme_start_in_a_link_is_ignored(self, scheduler_client, provider, start):
        """A calendar link with a start far outside the calendar opens the page as usual."""
        response = scheduler_client.get(url("scheduling:schedule_book", provider), {"start": start})
        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("answers", "message"),
        [
            (None, "needs Jordan Rivera to answer the symptom questions first"),
            (RED_FLAG_COUGH, "Jordan Rivera's symptom answers need emergency care"),
        ],
        ids=["no symptom check", "red flag"],
    )
    def test_urgent_care_passes_the_symptom_gate(
        self, scheduler_client, provider, patient, answers, message
    ):
        """Staff cannot book urgent care without a recent, clear symptom check; they are told why."""
        urgent_care = VisitType.objects.get(slug="urgent-care")
        provider.visit_types.add(urgent_care)
        if answers is not None:
            symptoms_checked(patient, answers=answers)
        content = text(
            self.book(
                scheduler_client,
                provider,
                **self.choices(patient, urgent_care, at(next_monday(), 10)),
            )
        )
        assert message in content
        assert "The visit is not booked yet." in content
        assert not Visit.objects.exists()

    def test_a_red_flag_is_said_first_and_another_visit_needs_confirming(
        self, committed, scheduler_client, provider, patient, follow_up
    ):
        """After emergency symptom answers, staff see the warning; a follow-up books only once
        they confirm, with the patient, that it is for something else."""
        symptoms_checked(patient, answers=RED_FLAG_COUGH)
        choices = self.choices(patient, follow_up, at(next_monday(), 10))
        refused = text(self.book(scheduler_client, provider, **choices))
        assert "Jordan Rivera's symptom answers about" in refused
        assert "need emergency care. Call the patient." in refused
        assert 'name="other_complaint_confirmed"' in refused
        assert not Visit.objects.exists()
        committed(self.book, scheduler_client, provider, **choices, other_complaint_confirmed="on")
        assert Visit.objects.filter(patient=patient, visit_type=follow_up).exists()

    def test_missing_choices_are_named(self, scheduler_client, provider):
        """Booking with nothing chosen says what is needed."""
        content = text(self.book(scheduler_client, provider, action="book"))
        assert "Search for the patient and choose them." in content
        assert "Choose the kind of visit." in content

    def test_calendar_link_prefills_the_time(self, scheduler_client, provider, follow_up):
        """A free time chosen on the calendar arrives selected."""
        start = at(next_monday(), 9, 30)
        response = scheduler_client.get(
            url("scheduling:schedule_book", provider),
            {"type": "follow-up", "start": start.astimezone(CHICAGO).isoformat()},
        )
        content = text(response)
        assert re.search(rf'value="{re.escape(start.isoformat())}"[^>]*checked', content)

    def test_clinicians_find_only_their_own_patients(
        self, clinician_client, provider, patient, follow_up
    ):
        """A clinician's search never becomes a directory of the clinic's patients."""
        content = text(self.book(clinician_client, provider, action="search", query="rivera"))
        assert "No patient with details matches" in content
        visit_at(provider, patient, follow_up, at(next_monday(), 11), status=Visit.Status.COMPLETED)
        content = text(self.book(clinician_client, provider, action="search", query="rivera"))
        assert "Jordan Rivera, born" in content


class TestMoveAndCancel:
    def test_move_page_shows_the_visit_and_free_times(
        self, scheduler_client, provider, monday_visit
    ):
        """The visit's patient, type and time, and that day's other free starts."""
        response = scheduler_client.get(
            url("scheduling:schedule_visit_move", provider, monday_visit.pk)
        )
        content = text(response)
        assert "Jordan Rivera" in content
        assert "Follow-up with" in content
        assert f'value="{at(next_monday(), 10, 30).isoformat()}"' in content
        assert f'value="{at(next_monday(), 10).isoformat()}"' not in content
        assert AuditEvent.objects.filter(object_id=str(monday_visit.pk)).exists()

    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
    def test_an_extreme_day_on_the_move_page_is_refused(
        self, scheduler_client, provider, monday_visit, day
    ):
        """The move page's day is bounded too: a message, never a server error."""
        response = scheduler_client.post(
            url("scheduling:schedule_visit_move", provider, monday_visit.pk),
            {"action": "times", "day": day},
        )
        assert response.status_code == 200
        assert "Choose a date from January 1, 2000 to" in text(response)

    def test_moving_emails_the_patient(
        self, committed, scheduler_client, provider, monday_visit, patient
    ):
        """A move to a free time with the same provider is saved and emailed."""
        new_start = at(next_monday(), 11)
        response = committed(
            scheduler_client.post,
            url("scheduling:schedule_visit_move", provider, monday_visit.pk),
            {
                "action": "move",
                "day": next_monday().isoformat(),
                "start": new_start.isoformat(),
                "note": "Sorry for the change.",
            },
            headers=HTMX,
        )
        assert (
            response["HX-Redirect"]
            == url("scheduling:schedule_calendar", provider) + f"?day={next_monday()}"
        )
        monday_visit.refresh_from_db()
        assert monday_visit.start == new_start
        [email] = mail_to(patient)
        assert email.to == [patient.email]
        assert "The clinic has moved your visit" in email.body
        assert "Sorry for the change." in email.body

    def test_moving_to_a_time_outside_the_hours_is_refused(
        self, scheduler_client, provider, monday_visit
    ):
        """A time that is not free is explained next to the times, with the note kept."""
        content = text(
            scheduler_client.post(
                url("scheduling:schedule_visit_move", provider, monday_visit.pk),
                {
                    "action": "move",
                    "day": next_monday().isoformat(),
                    "start": at(next_monday(), 15).isoformat(),
                    "note": "See you then",
                },
            )
        )
        assert "That time is not free." in content
        assert "See you then" in content
        monday_visit.refresh_from_db()
        assert monday_visit.start == at(next_monday(), 10)

    @pytest.mark.parametrize(
        ("page", "data", "service"),
        [
            ("scheduling:schedule_visit_cancel", {"note": ""}, "visit_cancel"),
            ("scheduling:schedule_visit_move", {"action": "move"}, "visit_reschedule"),
        ],
    )
    def test_a_visit_changed_meanwhile_is_said_not_a_server_error(
        self, scheduler_client, provider, monday_visit, monkeypatch, page, data, service
    ):
        """The patient cancels in their own tab as staff press the button: staff are told."""

        def cancelled_first(*, visit, **kwargs):
            Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.CANCELLED, sequence=1)
            raise VisitChanged(Visit.objects.get(pk=visit.pk))

        monkeypatch.setattr(f"visits.scheduling.views.for_patient_visit.{service}", cancelled_first)
        if service == "visit_reschedule":
            data = {
                **data,
                "day": next_monday().isoformat(),
                "start": at(next_monday(), 11).isoformat(),
            }
        response = scheduler_client.post(url(page, provider, monday_visit.pk), data, follow=True)
        assert response.status_code == 200
        assert "This visit was cancelled a moment ago." in text(response)
        assert mail.outbox == []

    def test_cancelling_with_a_note(
        self, committed, scheduler_client, provider, monday_visit, patient
    ):
        """The visit is cancelled without JavaScript and the patient gets the note."""
        response = committed(
            scheduler_client.post,
            url("scheduling:schedule_visit_cancel", provider, monday_visit.pk),
            {"note": "The doctor is unwell."},
        )
        assert (
            response["Location"]
            == url("scheduling:schedule_calendar", provider) + f"?day={next_monday()}"
        )
        monday_visit.refresh_from_db()
        assert monday_visit.status == Visit.Status.CANCELLED
        [email] = mail_to(patient)
        assert email.to == [patient.email]
        assert "The clinic has cancelled this visit" in email.body
        assert "The doctor is unwell." in email.body

    def test_cancelling_a_whole_series(
        self, committed, clinician_client, provider, patient, follow_up
    ):
        """For a series, the chosen scope decides how many visits go; a clinician may do it."""
        series = VisitSeries.objects.create(
            patient=patient, provider=provider, visit_type=follow_up, frequency=1
        )
        visits = [
            visit_at(
                provider,
                patient,
                follow_up,
                at(next_monday() + week * 7 * ONE_DAY, 10),
                series=series,
            )
            for week in range(3)
        ]
        page = text(
            clinician_client.get(url("scheduling:schedule_visit_cancel", provider, visits[0].pk))
        )
        assert "Every upcoming visit in the series" in page
        committed(
            clinician_client.post,
            url("scheduling:schedule_visit_cancel", provider, visits[0].pk),
            {"scope": "series", "note": ""},
        )
        assert set(Visit.objects.values_list("status", flat=True)) == {Visit.Status.CANCELLED}
        [email] = mail_to(patient)
        assert "3 visits are cancelled" in email.subject

    def test_a_cancelled_visit_cannot_be_changed(self, scheduler_client, provider, monday_visit):
        """Opening move for a cancelled visit goes back to the calendar with a message."""
        monday_visit.status = Visit.Status.CANCELLED
        monday_visit.save()
        response = scheduler_client.get(
            url("scheduling:schedule_visit_move", provider, monday_visit.pk)
        )
        assert (
            response["Location"]
            == url("scheduling:schedule_calendar", provider) + f"?day={next_monday()}"
        )
        page = text(scheduler_client.get(response["Location"]))
        assert "That visit can no longer be changed" in page

    def test_patients_cannot_use_the_staff_cancel(self, patient_client, provider, monday_visit):
        """Patients cancel from their own pages, not the clinic's."""
        response = patient_client.post(
            url("scheduling:schedule_visit_cancel", provider, monday_visit.pk)
        )
        assert response.status_code == 403
        monday_visit.refresh_from_db()
        assert monday_visit.status == Visit.Status.BOOKED


class TestWindowNote:
    NOW = datetime.datetime(2027, 3, 1, 15, 0, tzinfo=datetime.UTC)  # 9:00 AM in Chicago

    def test_today_inside_the_minimum_notice_says_how_much_notice(self, follow_up):
        """Follow-ups need two hours' notice: today's note gives the first possible time."""
        note = window_note(follow_up, datetime.date(2027, 3, 1), CHICAGO, self.NOW)
        assert note == (
            "Follow-up visits need at least 2 hours' notice, so the first possible time is "
            "Monday, March 1, 11:00 AM CST."
        )

    def test_minutes_of_notice_read_as_minutes(self, follow_up):
        """A notice under two hours is said in minutes."""
        follow_up.minimum_notice_minutes = 60
        note = window_note(follow_up, datetime.date(2027, 3, 1), CHICAGO, self.NOW)
        assert "at least 60 minutes' notice" in note

    def test_past_the_horizon_says_how_far_ahead(self, follow_up):
        """A day beyond the 30-day horizon says how far ahead the visit type can be booked."""
        note = window_note(follow_up, datetime.date(2027, 4, 5), CHICAGO, self.NOW)
        assert note.startswith("Follow-up visits can be booked up to 30 days ahead, so until")

    def test_a_day_inside_the_window_has_no_note(self, follow_up):
        """A day the window allows whole needs no explanation; a past day says it has passed."""
        assert window_note(follow_up, datetime.date(2027, 3, 3), CHICAGO, self.NOW) == ""
        assert window_note(follow_up, datetime.date(2027, 2, 27), CHICAGO, self.NOW) == (
            "Saturday, February 27 has passed."
        )


class TestBookingOutsideTheWindow:
    def test_only_staff_may_book_outside_the_window(self, scheduler, provider, patient, follow_up):
        """visit_book(allow_outside_window=True) opens the horizon for staff, not for others."""
        start = at(next_monday() + 35 * ONE_DAY, 9)
        with pytest.raises(SlotTaken):
            visit_book(
                patient=patient,
                provider=provider,
                visit_type=follow_up,
                start=start,
                actor=provider.user,
                allow_outside_window=True,
            )
        visit = visit_book(
            patient=patient,
            provider=provider,
            visit_type=follow_up,
            start=start,
            actor=scheduler,
            allow_outside_window=True,
        )
        assert visit.start == start
