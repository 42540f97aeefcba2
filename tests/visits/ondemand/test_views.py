"""The on-demand pages: who may open them, what each shows, polls that never fail and never
count as activity, and query counts that do not grow with the queue."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.sessions import BACKGROUND_HEADER, LAST_ACTIVITY_KEY
from tests.accounts.factories import PatientProfileFactory, UserFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.ondemand.conftest import physician, ready_patient
from visits.ondemand import services
from visits.ondemand.models import PhysicianDuty, QueueEntry
from visits.scheduling.models import Visit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_all_day")]
HTMX = {"HTTP_HX_REQUEST": "true"}
POLL = {**HTMX, f"HTTP_{BACKGROUND_HEADER.upper().replace('-', '_')}": "1"}
PATIENT_PAGES = [
    ("get", "ondemand:seen_now"),
    ("post", "ondemand:seen_now"),
    ("get", "ondemand:waiting"),
    ("post", "ondemand:leave"),
]
PHYSICIAN_PAGES = [
    ("get", "ondemand:queue"),
    ("post", "ondemand:duty"),
    ("post", "ondemand:take"),
]


def now():
    return timezone.now()


@pytest.fixture
def doctor():
    return physician(at=now(), user__display_name="Dr. Grace Hopper")


@pytest.fixture
def ready(client, doctor):
    """A Texan ready to be seen, signed in, with a physician licensed in Texas on duty."""
    user = ready_patient(at=now())
    client.force_login(user)
    return user


def join(user) -> QueueEntry:
    return services.queue_join(patient=user, now=now())


class TestAccess:
    @pytest.mark.parametrize(("method", "name"), PATIENT_PAGES + PHYSICIAN_PAGES)
    def test_anonymous_people_are_sent_to_sign_in(self, client, method, name):
        response = getattr(client, method)(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    @pytest.mark.parametrize(("method", "name"), PATIENT_PAGES)
    def test_clinicians_and_staff_cannot_use_the_patients_pages(
        self, client, method, name, clinician, scheduler
    ):
        for user in (clinician, scheduler):
            client.force_login(user)
            assert getattr(client, method)(reverse(name)).status_code == 403

    @pytest.mark.parametrize(("method", "name"), PHYSICIAN_PAGES)
    def test_patients_and_staff_cannot_use_the_physicians_pages(
        self, client, method, name, patient, scheduler
    ):
        for user in (patient, scheduler):
            client.force_login(user)
            assert getattr(client, method)(reverse(name)).status_code == 403

    def test_a_clinician_without_a_provider_profile_is_refused(self, client):
        user = UserFactory(role="clinician")
        enrol_totp(user)
        client.force_login(user)
        assert client.get(reverse("ondemand:queue")).status_code == 403

    def test_a_therapist_is_told_the_queue_is_for_physicians(self, client):
        therapist = physician(on_duty=False, kind="therapist")
        client.force_login(therapist.user)
        response = client.get(reverse("ondemand:queue"))
        assert "with physicians only" in response.text
        assert "Go on duty" not in response.text


class TestPatientPages:
    def test_the_page_shows_the_hours_and_the_join_button(self, client, ready, settings):
        settings.ON_DEMAND_HOURS = ("00:00", "23:59")
        response = client.get(reverse("ondemand:seen_now"))
        assert response.status_code == 200
        assert "Seen-now hours: every day" in response.text
        assert "Central time" in response.text
        assert "Join the queue" in response.text
        assert "You are in <strong>Texas</strong>" in response.text

    def test_closed_hours_are_said_with_when_they_open(self, client, ready, settings):
        # Hours that exclude the present hour, whatever the time of the test run.
        settings.CLINIC_TIME_ZONE = "UTC"
        hours = ("13:00", "14:00") if now().hour < 12 else ("01:00", "02:00")
        settings.ON_DEMAND_HOURS = hours
        response = client.get(reverse("ondemand:seen_now"))
        assert "Seen-now visits are closed at the moment" in response.text
        assert "Closed now" in response.text
        assert "Join the queue" not in response.text

    def test_joining_sends_the_patient_to_their_place(self, client, ready):
        response = client.post(reverse("ondemand:seen_now"), **HTMX)
        assert response["HX-Redirect"] == reverse("ondemand:waiting")
        page = client.get(reverse("ondemand:waiting"))
        assert "You are number 1 in the queue" in page.text
        assert "Estimated wait: <strong>about 10 minutes</strong>" in page.text
        assert "10 minutes for you and each patient ahead of you" in page.text
        assert QueueEntry.objects.get(patient=ready).status == "waiting"

    def test_a_waiting_patient_opening_the_seen_now_page_goes_to_their_place(self, client, ready):
        join(ready)
        response = client.get(reverse("ondemand:seen_now"))
        assert response["Location"] == reverse("ondemand:waiting")

    def test_red_flags_show_emergency_care_and_no_join(self, client, doctor):
        user = ready_patient(at=now(), red_flag=True)
        client.force_login(user)
        page = client.get(reverse("ondemand:seen_now"))
        assert "This may be an emergency. Call 911 now." in page.text
        assert "Join the queue" not in page.text
        response = client.post(reverse("ondemand:seen_now"), follow=True)
        assert "not safe for these symptoms" in response.text
        assert not QueueEntry.objects.exists()

    def test_nobody_on_duty_is_said_with_a_link_to_book(self, client, doctor):
        services.duty_end(provider=doctor)
        user = ready_patient(at=now())
        client.force_login(user)
        page = client.get(reverse("ondemand:seen_now"))
        assert "No physician licensed in Texas, where you are now, is on duty" in page.text
        assert 'href="/book/urgent-care/" role="button">Book the next free time' in page.text

    def test_no_symptom_check_is_sent_to_answer_one(self, client, doctor):
        user = PatientProfileFactory().user
        client.force_login(user)
        page = client.get(reverse("ondemand:seen_now"))
        assert "Answer the symptom questions" in page.text

    def test_the_waiting_page_polls_itself_in_the_background(self, client, ready):
        join(ready)
        page = client.get(reverse("ondemand:waiting"))
        assert 'hx-trigger="every 5s"' in page.text
        assert f'hx-headers=\'{{"{BACKGROUND_HEADER}": "1"}}\'' in page.text
        assert '<meta http-equiv="refresh" content="5">' in page.text  # without JavaScript

    def test_a_poll_renders_only_the_status_and_does_not_count_as_activity(self, client, ready):
        entry = join(ready)
        session = client.session
        long_ago = time.time() - 120
        session[LAST_ACTIVITY_KEY] = long_ago
        session.save()
        response = client.get(reverse("ondemand:waiting"), **POLL)
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<section id="queue-status"')
        assert "<html" not in response.text
        assert client.session[LAST_ACTIVITY_KEY] == long_ago
        entry.refresh_from_db()
        assert entry.last_seen_at > now() - datetime.timedelta(seconds=5)

    @pytest.mark.parametrize(
        "query", ["?position=-1", "?x=%00", "?entry=99999999999999999999", "?" + "a=1&" * 200]
    )
    def test_polls_with_odd_input_never_fail(self, client, ready, query):
        join(ready)
        response = client.get(reverse("ondemand:waiting") + query, **POLL)
        assert response.status_code == 200
        assert "You are number 1" in response.text

    def test_polls_with_the_wrong_method_are_refused_plainly(self, client, ready):
        assert client.post(reverse("ondemand:waiting"), **POLL).status_code == 405
        assert client.get(reverse("ondemand:leave")).status_code == 405

    def test_waiting_without_having_joined_goes_to_the_seen_now_page(self, client, ready):
        assert client.get(reverse("ondemand:waiting"), **POLL)["HX-Redirect"] == reverse(
            "ondemand:seen_now"
        )

    def test_taken_the_patient_waits_for_the_physician_then_enters_the_room(
        self, client, ready, doctor
    ):
        join(ready)
        taken = services.take_next(provider=doctor, actor=doctor.user)
        page = client.get(reverse("ondemand:waiting"), **POLL)
        assert "Dr. Grace Hopper, MD is taking your visit" in page.text
        services.mark_joined(taken.visit, doctor.user)
        room = reverse("video:room", args=[taken.visit.pk])
        assert client.get(reverse("ondemand:waiting"), **POLL)["HX-Redirect"] == room
        assert client.get(reverse("ondemand:waiting"))["Location"] == room

    def test_leaving(self, client, ready):
        join(ready)
        response = client.post(reverse("ondemand:leave"), follow=True)
        assert "You left the queue" in response.text
        assert "Join the queue" in response.text
        assert QueueEntry.objects.get(patient=ready).status == "left"
        again = client.post(reverse("ondemand:leave"), follow=True)
        assert "You were not waiting in the queue any more" in again.text

    def test_an_idle_patient_is_told_they_were_removed(self, client, ready):
        entry = join(ready)
        QueueEntry.objects.filter(pk=entry.pk).update(
            last_seen_at=now() - datetime.timedelta(minutes=5)
        )
        page = client.get(reverse("ondemand:waiting"), **POLL)
        assert "You were taken out of the queue" in page.text
        assert "stopped checking in" in page.text
        assert "hx-trigger" not in page.text  # the poll stops
        assert "stopped checking in" in client.get(reverse("ondemand:seen_now")).text

    def test_a_returned_patient_is_told_they_are_back_in_their_place(self, client, ready, doctor):
        entry = join(ready)
        services.take_next(provider=doctor, actor=doctor.user)
        QueueEntry.objects.filter(pk=entry.pk).update(
            taken_at=now() - datetime.timedelta(minutes=5)
        )
        page = client.get(reverse("ondemand:waiting"), **POLL)
        assert "could not join, so you are back in your place" in page.text
        assert "You are number 1" in page.text

    @pytest.mark.parametrize("others", [5, 100])
    def test_the_poll_query_count_does_not_grow_with_the_queue(
        self, client, ready, others, django_assert_max_num_queries
    ):
        entry = join(ready)
        QueueEntry.objects.bulk_create(
            QueueEntry(
                patient=user,
                state="TX",
                symptom_check=entry.symptom_check,
                joined_at=now() - datetime.timedelta(minutes=1),
                last_seen_at=now(),
            )
            for user in UserFactory.create_batch(others)
        )
        with django_assert_max_num_queries(7):
            page = client.get(reverse("ondemand:waiting"), **POLL)
        assert f"You are number {others + 1} in the queue" in page.text


class TestPhysicianPages:
    @pytest.fixture
    def signed_in(self, client, doctor):
        client.force_login(doctor.user)
        return doctor

    def test_going_on_and_off_duty(self, client, signed_in):
        services.duty_end(provider=signed_in)
        page = client.get(reverse("ondemand:queue"))
        assert "Off duty" in page.text
        response = client.post(reverse("ondemand:duty"), {"on": "1"}, follow=True)
        assert "You are on duty" in response.text
        assert "Waiting for you: 0 patients" in response.text
        assert PhysicianDuty.objects.filter(provider=signed_in, ended_at=None).count() == 1
        response = client.post(reverse("ondemand:duty"), {"on": "0"}, follow=True)
        assert "You are off duty" in response.text
        assert not PhysicianDuty.objects.filter(provider=signed_in, ended_at=None).exists()

    @pytest.mark.parametrize("data", [{}, {"on": "yes"}, {"on": "1", "next": "//evil.example"}])
    def test_odd_duty_input_never_fails_or_leaves_the_site(self, client, signed_in, data):
        response = client.post(reverse("ondemand:duty"), data)
        assert response.status_code == 302
        assert response["Location"] == reverse("ondemand:queue")

    def test_the_dashboard_switches_duty_and_comes_back(self, client, signed_in):
        services.duty_end(provider=signed_in)
        dashboard = client.get(reverse("clinician_dashboard"))
        assert "Seen-now urgent care" in dashboard.text
        assert "Go on duty" in dashboard.text
        response = client.post(reverse("ondemand:duty"), {"on": "1", "next": "dashboard"})
        assert response["Location"] == reverse("clinician_dashboard")
        assert "Go off duty" in client.get(reverse("clinician_dashboard")).text

    def test_the_queue_shows_no_name_and_only_licensed_states(self, client, signed_in):
        texan = ready_patient(at=now(), legal_first_name="Maya", legal_last_name="Patel")
        join(texan)
        physician(["CA"], at=now())
        californian = ready_patient("CA", at=now(), legal_first_name="Noor")
        join(californian)
        page = client.get(reverse("ondemand:queue"))
        assert "Waiting for you: 1 patient" in page.text
        assert "Texas" in page.text
        assert "Cough, cold or flu" in page.text
        assert "California" not in page.text
        assert "Maya" not in page.text
        assert "Patel" not in page.text
        assert "Take the next patient" in page.text

    def test_taking_sends_the_physician_to_the_room(self, client, signed_in):
        join(ready_patient(at=now()))
        response = client.post(reverse("ondemand:take"), **HTMX)
        visit = Visit.objects.get()
        assert response["HX-Redirect"] == reverse("video:room", args=[visit.pk])
        assert visit.status == Visit.Status.IN_PROGRESS
        page = client.get(reverse("ondemand:queue"))
        assert "A patient you took is waiting for you in the room" in page.text

    def test_taking_from_an_empty_queue_says_so(self, client, signed_in):
        response = client.post(reverse("ondemand:take"), follow=True)
        assert "Nobody is waiting for you at the moment" in response.text

    def test_the_physicians_poll_is_background_and_partial(self, client, signed_in):
        page = client.get(reverse("ondemand:queue"))
        assert f'hx-headers=\'{{"{BACKGROUND_HEADER}": "1"}}\'' in page.text
        poll = client.get(reverse("ondemand:queue") + "?x=%00&y=" + "z" * 5000, **POLL)
        assert poll.status_code == 200
        assert poll.text.lstrip().startswith('<section id="physician-queue"')

    @pytest.mark.parametrize("waiting", [3, 60])
    def test_the_queue_query_count_does_not_grow(
        self, client, signed_in, waiting, django_assert_max_num_queries
    ):
        symptom = ready_patient(at=now()).questionnaire_responses.get()
        patients = UserFactory.create_batch(waiting)
        QueueEntry.objects.bulk_create(
            QueueEntry(
                patient=user,
                state="TX",
                symptom_check=symptom,
                joined_at=now(),
                last_seen_at=now(),
            )
            for user in patients
        )
        with django_assert_max_num_queries(11):
            page = client.get(reverse("ondemand:queue"), **POLL)
        assert f"Waiting for you: {waiting} patients" in page.text
