"""The video visit's pages: check-in, device check, waiting room, room, start and complete."""

import datetime
import re
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from visits.audit import AuditEvent
from visits.records.models import VisitTransition
from visits.scheduling.models import Visit
from visits.video.models import PhoneCallRequest, SignalMessage

pytestmark = pytest.mark.django_db
Status = Visit.Status


def url(name: str, visit: Visit) -> str:
    return reverse(f"video:{name}", args=[visit.pk])


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


def told(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


def move(visit: Visit, **changes) -> Visit:
    Visit.objects.filter(pk=visit.pk).update(**changes)
    visit.refresh_from_db()
    return visit


class TestCheckIn:
    def test_within_the_window_the_patient_checks_in(self, soon, patient_of):
        """From 15 minutes before: the page offers check-in; posting it checks in (a transition
        by the patient) and leads to the device check."""
        page = patient_of.get(url("check_in", soon))
        assert page.status_code == 200
        assert "Check in now" in text(page)
        response = patient_of.post(url("check_in", soon))
        assert response["Location"] == url("device_check", soon)
        soon.refresh_from_db()
        assert soon.status == Status.CHECKED_IN
        assert soon.checked_in_at is not None
        transition = VisitTransition.objects.get(visit=soon)
        assert (transition.to_status, transition.actor) == (Status.CHECKED_IN, soon.patient)

    def test_too_early_says_when_it_opens(self, soon, patient_of, settings):
        """An hour before, the page says when check-in opens, and a post is refused."""
        move(
            soon,
            start=timezone.now() + datetime.timedelta(hours=1),
            end=timezone.now() + datetime.timedelta(hours=1, minutes=15),
            blocked_until=timezone.now() + datetime.timedelta(hours=2),
        )
        page = patient_of.get(url("check_in", soon))
        assert "Check-in opens at" in text(page)
        assert "Central time" in text(page)
        assert "UTC" not in text(page)
        assert "15 minutes before the start" in text(page)
        assert "Check in now" not in text(page)
        response = patient_of.post(url("check_in", soon))
        assert response["Location"] == url("check_in", soon)
        assert "Check-in opens 15 minutes before the visit." in told(response)
        soon.refresh_from_db()
        assert soon.status == Status.BOOKED

    def test_the_window_is_configurable(self, soon, patient_of, settings):
        """VISIT_CHECK_IN_OPENS_BEFORE of 3 minutes: at 5 minutes before it is not open yet."""
        settings.VISIT_CHECK_IN_OPENS_BEFORE = datetime.timedelta(minutes=3)
        assert "Check in now" not in text(patient_of.get(url("check_in", soon)))
        patient_of.post(url("check_in", soon))
        soon.refresh_from_db()
        assert soon.status == Status.BOOKED

    def test_after_the_end_it_is_over(self, soon, patient_of):
        """A visit whose time has passed cannot be checked in to."""
        past = timezone.now() - datetime.timedelta(hours=2)
        move(
            soon,
            start=past,
            end=past + datetime.timedelta(minutes=15),
            blocked_until=past + datetime.timedelta(minutes=25),
        )
        assert "This visit's time has passed." in text(patient_of.get(url("check_in", soon)))

    def test_checking_in_twice_goes_on_to_the_device_check(self, checked_in, patient_of):
        """A second press (a double click, the back button) is not an error."""
        response = patient_of.post(url("check_in", checked_in))
        assert response["Location"] == url("device_check", checked_in)
        assert "Go to the waiting room" in text(patient_of.get(url("check_in", checked_in)))

    def test_without_a_session_the_link_opens_the_sign_in(self, soon, client):
        """The reminder's link signed out: the sign-in, coming back to check-in; nothing shown."""
        response = client.get(url("check_in", soon))
        assert response.status_code == 302
        assert response["Location"] == reverse("account_login") + "?next=" + url("check_in", soon)
        response = client.get(url("check_in", soon), follow=True)
        assert soon.provider.user.display_name not in text(response)
        assert "Urgent care" not in text(response)

    def test_only_the_patient_checks_in(self, soon, other_patient, clinician_of, staff):
        """Another patient: 404. The clinician and staff: 403 (patients check themselves in)."""
        assert other_patient.get(url("check_in", soon)).status_code == 404
        assert other_patient.post(url("check_in", soon)).status_code == 404
        assert clinician_of.post(url("check_in", soon)).status_code == 403
        assert staff.post(url("check_in", soon)).status_code == 403
        soon.refresh_from_db()
        assert soon.status == Status.BOOKED


class TestDeviceCheck:
    def test_the_checked_in_patient_sees_the_check_with_camera_allowed(
        self, checked_in, patient_of, settings
    ):
        """Permission prompt explained first, help when it fails, the clinic's phone."""
        settings.CLINIC_PHONE = "+15125550100"
        response = patient_of.get(url("device_check", checked_in))
        assert response.status_code == 200
        body = text(response)
        assert body.index("Choose <strong>Allow</strong>") < body.index("Start the check")
        assert "allow the camera and microphone in your browser's settings" in body
        assert "try another browser" in body
        assert 'href="tel:+15125550100"' in body
        assert "(512) 555-0100" in body
        assert url("waiting_room", checked_in) in body
        policy = response["Permissions-Policy"]
        assert "camera=(self)" in policy
        assert "microphone=(self)" in policy
        assert "geolocation=()" in policy

    def test_before_check_in_it_sends_the_patient_to_check_in(self, soon, patient_of):
        """The device check follows check-in."""
        assert patient_of.get(url("device_check", soon))["Location"] == url("check_in", soon)

    def test_the_clinician_may_check_their_devices_too(self, soon, clinician_of):
        """For the clinician it leads to the room."""
        response = clinician_of.get(url("device_check", soon))
        assert response.status_code == 200
        assert url("room", soon) in text(response)


class TestWaitingRoom:
    def test_before_the_start(self, checked_in, patient_of):
        """Checked in, before the start: when it starts, and that the page updates by itself."""
        response = patient_of.get(url("waiting_room", checked_in))
        body = text(response)
        assert "You are checked in." in body
        assert "Central time" in body
        assert "UTC" not in body
        assert re.search(r"in [45] minutes", body)
        assert 'hx-trigger="every 5s"' in body
        assert '"X-Housecall-Background": "1"' in body
        assert response["Permissions-Policy"].startswith("camera=(), microphone=()")

    def test_running_late(self, checked_in, patient_of):
        """Seven minutes past the start and not started: running late by 7 minutes."""
        start = timezone.now() - datetime.timedelta(minutes=7, seconds=10)
        move(
            checked_in,
            start=start,
            end=start + datetime.timedelta(minutes=15),
            blocked_until=start + datetime.timedelta(minutes=25),
        )
        body = text(patient_of.get(url("waiting_room", checked_in)))
        assert f"{checked_in.provider} is running late by 7 minutes." in body

    def test_the_clinician_busy_with_another_visit(self, checked_in, patient_of):
        """Their other visit still in progress: they are finishing another visit (no one named)."""
        from tests.visits.factories import VisitFactory

        earlier = timezone.now() - datetime.timedelta(minutes=20)
        VisitFactory(provider=checked_in.provider, start=earlier, status=Status.IN_PROGRESS)
        assert "is finishing another visit" in text(patient_of.get(url("waiting_room", checked_in)))

    def test_the_poll_swaps_only_when_the_status_changed(self, checked_in, patient_of):
        """htmx's poll with the status it shows gets 204 (nothing swapped or announced again);
        with another, the partial alone."""
        page = patient_of.get(url("waiting_room", checked_in))
        shown = re.search(r"\?shown=([\w-]+)", page.content.decode()).group(1)
        headers = {"HX-Request": "true", "X-Housecall-Background": "1"}
        same = patient_of.get(url("waiting_room", checked_in) + f"?shown={shown}", headers=headers)
        assert same.status_code == 204
        other = patient_of.get(url("waiting_room", checked_in) + "?shown=late-1-0", headers=headers)
        assert other.status_code == 200
        assert "<html" not in other.content.decode()
        assert 'id="waiting-status"' in other.content.decode()

    def test_once_started_it_sends_the_patient_into_the_room(self, started, patient_of):
        """The poll after the clinician starts answers with htmx's redirect to the room."""
        response = patient_of.get(
            url("waiting_room", started),
            headers={"HX-Request": "true", "X-Housecall-Background": "1"},
        )
        assert response["HX-Redirect"] == url("room", started)
        assert patient_of.get(url("waiting_room", started))["Location"] == url("room", started)

    def test_not_checked_in_goes_to_check_in(self, soon, patient_of):
        assert patient_of.get(url("waiting_room", soon))["Location"] == url("check_in", soon)

    def test_completed(self, started, patient_of):
        """After the visit: it has ended."""
        move(started, status=Status.COMPLETED, completed_at=timezone.now())
        assert "This visit has ended." in text(patient_of.get(url("waiting_room", started)))


class TestStartAndRoom:
    def test_the_clinician_starts_from_the_visit_page(self, checked_in, clinician_of):
        """The visit page offers "Start video visit"; it starts the visit and opens the room."""
        page = text(clinician_of.get(reverse("scheduling:visit_detail", args=[checked_in.pk])))
        assert "Start video visit" in page
        assert "Sign in a few minutes" not in page
        response = clinician_of.post(url("start", checked_in))
        assert response["Location"] == url("room", checked_in)
        checked_in.refresh_from_db()
        assert checked_in.status == Status.IN_PROGRESS
        assert VisitTransition.objects.filter(
            visit=checked_in, to_status=Status.IN_PROGRESS, actor=checked_in.provider.user
        ).exists()

    def test_the_clinician_may_start_without_a_check_in(self, soon, clinician_of):
        """A patient who did not check in can still be seen."""
        clinician_of.post(url("start", soon))
        soon.refresh_from_db()
        assert soon.status == Status.IN_PROGRESS

    def test_too_early_to_start(self, soon, clinician_of):
        """An hour before: refused with the service's words, back on the visit page."""
        later = timezone.now() + datetime.timedelta(hours=1)
        move(
            soon,
            start=later,
            end=later + datetime.timedelta(minutes=15),
            blocked_until=later + datetime.timedelta(minutes=25),
        )
        response = clinician_of.post(url("start", soon))
        assert response["Location"] == reverse("scheduling:visit_detail", args=[soon.pk])
        assert "It is too early to start this visit." in told(response)

    def test_only_the_visits_clinician_starts_it(self, soon, other_clinician, patient_of, staff):
        assert other_clinician.post(url("start", soon)).status_code == 404
        assert patient_of.post(url("start", soon)).status_code == 403
        assert staff.post(url("start", soon)).status_code == 403
        soon.refresh_from_db()
        assert soon.status == Status.BOOKED

    def test_room_for_the_clinician(self, started, clinician_of):
        """Video, the controls, the note aside, the patient's phone; audited; camera allowed."""
        response = clinician_of.get(url("room", started))
        body = text(response)
        assert 'id="video-room"' in body
        assert 'data-role="clinician"' in body
        assert "Mute my microphone" in body
        assert "Turn my camera off" in body
        assert "Leave the call" in body
        assert reverse("records:visit_note", args=[started.pk]) in body
        assert 'href="tel:+15125550123"' in body
        assert "Complete the visit" in body
        assert 'data-ice-servers="[]"' in body
        assert "<script>" not in body
        assert "camera=(self), microphone=(self)" in response["Permissions-Policy"]
        event = AuditEvent.objects.get(patient=started.patient)
        assert (event.actor, event.what, event.page) == (
            started.provider.user,
            "visit",
            "video:room",
        )

    def test_room_for_the_patient(self, started, patient_of):
        """The patient's room: video, controls and the phone fallback; no note, no audit event."""
        body = text(patient_of.get(url("room", started)))
        assert 'data-role="patient"' in body
        assert "Have the clinic call me" in body
        assert "Complete the visit" not in body
        assert "visit note" not in body.lower()
        assert not AuditEvent.objects.exists()

    def test_the_patient_waits_until_the_clinician_starts(self, checked_in, soon, patient_of):
        assert patient_of.get(url("room", checked_in))["Location"] == url(
            "waiting_room", checked_in
        )

    def test_the_clinician_before_starting_sees_the_start_button(self, checked_in, clinician_of):
        body = text(clinician_of.get(url("room", checked_in)))
        assert "Start video visit" in body
        assert 'id="video-room"' not in body

    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("patient_of", 200),
            ("clinician_of", 200),
            ("other_patient", 404),
            ("other_clinician", 404),
            ("staff", 403),
            ("client", 302),
        ],
    )
    def test_who_may_open_the_room(self, request, started, who, status):
        """The visit's patient and clinician; another patient or clinician: not found; staff:
        refused; nobody signed in: the sign-in. Refusals never allow the camera."""
        response = request.getfixturevalue(who).get(url("room", started))
        assert response.status_code == status
        if status != 200:
            assert "camera=()" in response["Permissions-Policy"]
            assert "Sam Lee" not in text(response)

    def test_completing_closes_the_room_for_both(self, started, clinician_of, patient_of):
        """The clinician completes the visit: completed, its signals deleted, and both rooms say
        it has ended (the patient's next poll learns it)."""
        SignalMessage.objects.create(
            visit=started, sender=started.patient, kind="join", payload={"peer": "p"}
        )
        response = clinician_of.post(url("complete", started))
        assert response["Location"] == reverse("scheduling:visit_detail", args=[started.pk])
        assert "The visit is completed" in told(response)
        started.refresh_from_db()
        assert started.status == Status.COMPLETED
        assert not SignalMessage.objects.filter(visit=started).exists()
        poll = patient_of.get(url("signals", started) + "?after=0")
        assert poll.status_code == 403
        assert poll.json() == {
            "error": "This visit has ended.",
            "open": False,
            "status": "completed",
        }
        assert "This visit has ended." in text(patient_of.get(url("room", started)))
        assert "This visit has ended." in text(clinician_of.get(url("room", started)))

    def test_only_a_visit_in_progress_is_completed(self, checked_in, clinician_of, patient_of):
        """Not started: refused with the service's words; the patient may not complete it."""
        response = clinician_of.post(url("complete", checked_in))
        assert "This visit has not started yet." in told(
            response
        ) or "patient has already checked in" in told(response)
        assert patient_of.post(url("complete", checked_in)).status_code == 403
        checked_in.refresh_from_db()
        assert checked_in.status == Status.CHECKED_IN


class TestPhoneFallback:
    def test_the_patient_asks_to_be_called_and_the_clinician_sees_it(
        self, started, patient_of, clinician_of
    ):
        """ "Have the clinic call me": recorded once; the clinician's poll and room say so, with
        the patient's number as a tel: link; the visit can still be completed."""
        response = patient_of.post(url("call_me", started), headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert "The clinic will call you at <strong>(512) 555-0123</strong>" in text(response)
        patient_of.post(url("call_me", started))
        assert PhoneCallRequest.objects.filter(visit=started).count() == 1
        assert clinician_of.get(url("signals", started)).json()["phone_requested"] is True
        body = text(clinician_of.get(url("room", started)))
        assert 'id="phone-request" class="message message-warning" role="alert">' in body
        assert 'href="tel:+15125550123"' in body
        clinician_of.post(url("complete", started))
        started.refresh_from_db()
        assert started.status == Status.COMPLETED

    def test_without_javascript_it_comes_back_to_the_room(self, started, patient_of):
        response = patient_of.post(url("call_me", started))
        assert response["Location"] == url("room", started)
        assert "will call you" in told(response)

    def test_only_while_the_room_is_open(self, checked_in, soon, patient_of, clinician_of):
        move(checked_in, status=Status.COMPLETED)
        response = patient_of.post(url("call_me", checked_in))
        assert "This visit has ended." in told(response)
        assert not PhoneCallRequest.objects.exists()
        assert clinician_of.post(url("call_me", checked_in)).status_code == 403


class TestVisitPageAndDashboard:
    def test_the_patient_sees_check_in_on_the_visit_page_and_home(self, soon, patient_of):
        body = text(patient_of.get(reverse("scheduling:visit_detail", args=[soon.pk])))
        assert url("check_in", soon) in body
        assert "Sign in a few minutes" not in body
        assert url("check_in", soon) in text(patient_of.get(reverse("patient_dashboard")))

    def test_before_the_window_the_visit_page_says_when(self, soon, patient_of):
        later = timezone.now() + datetime.timedelta(days=1)
        move(
            soon,
            start=later,
            end=later + datetime.timedelta(minutes=15),
            blocked_until=later + datetime.timedelta(minutes=25),
        )
        body = text(patient_of.get(reverse("scheduling:visit_detail", args=[soon.pk])))
        assert "15 minutes before the start), check in here" in body
        assert url("check_in", soon) not in body

    def test_checked_in_patient_is_led_back_to_the_waiting_room(self, checked_in, patient_of):
        assert url("waiting_room", checked_in) in text(patient_of.get(reverse("patient_dashboard")))

    def test_staff_see_no_video_actions(self, checked_in, staff):
        body = text(staff.get(reverse("scheduling:visit_detail", args=[checked_in.pk])))
        assert "Start video visit" not in body
        assert url("check_in", checked_in) not in body
