"""The signalling endpoint: who may use it, when, what it takes, and that nothing gives a 500."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from visits.scheduling.models import Visit
from visits.video.models import SignalMessage
from visits.video.signalling import SDP_MAX

pytestmark = pytest.mark.django_db
SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


def signals(visit: Visit) -> str:
    return reverse("video:signals", args=[visit.pk])


def post(client, visit, message, **kwargs):
    kwargs.setdefault("content_type", "application/json")
    data = message if isinstance(message, (bytes, str)) else json.dumps(message)
    return client.post(signals(visit), data=data, **kwargs)


class TestExchange:
    def test_one_side_sends_the_other_reads(self, started, patient_of, clinician_of):
        """An offer posted by the clinician reaches the patient (once, after its id), never
        its own sender."""
        sent = post(
            clinician_of, started, {"type": "offer", "peer": "c1", "session": "s1", "sdp": SDP}
        )
        assert sent.status_code == 201
        message_id = sent.json()["id"]
        read = patient_of.get(signals(started) + "?after=0").json()
        assert read["open"] is True
        assert read["signals"] == [
            {"id": message_id, "type": "offer", "peer": "c1", "session": "s1", "sdp": SDP}
        ]
        assert read["phone_requested"] is False
        assert patient_of.get(signals(started) + f"?after={message_id}").json()["signals"] == []
        assert clinician_of.get(signals(started) + "?after=0").json()["signals"] == []

    def test_from_check_in_the_window_is_open(self, checked_in, patient_of):
        """The patient checked in may already announce themselves."""
        assert post(patient_of, checked_in, {"type": "join", "peer": "p1"}).status_code == 201

    def test_old_messages_are_pruned_on_send_and_by_the_command(
        self, started, patient_of, settings
    ):
        """Messages older than VIDEO_SIGNAL_KEEP go on the next send, and with the command."""
        settings.VIDEO_SIGNAL_KEEP = datetime.timedelta(minutes=10)
        old = SignalMessage.objects.create(
            visit=started, sender=started.patient, kind="join", payload={"peer": "a"}
        )
        SignalMessage.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - datetime.timedelta(minutes=11)
        )
        post(patient_of, started, {"type": "join", "peer": "b"})
        assert list(SignalMessage.objects.values_list("payload__peer", flat=True)) == ["b"]
        SignalMessage.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
        out = io.StringIO()
        call_command("prune_video_signals", stdout=out)
        assert out.getvalue().strip() == "Deleted 1 signalling message."
        assert not SignalMessage.objects.exists()


class TestRefusals:
    @pytest.mark.parametrize(
        ("body", "reason"),
        [
            (b"{nope", "not JSON"),
            (json.dumps({"type": "shout", "peer": "p"}), "'type' must be one of"),
            (json.dumps({"type": "offer", "peer": "p", "session": "s"}), "Missing fields"),
            (json.dumps({"type": "join", "peer": "p", "name": "Sam Lee"}), "Unknown fields"),
            (
                json.dumps(
                    {"type": "offer", "peer": "p", "session": "s", "sdp": "v=0" + "x" * SDP_MAX}
                ),
                "longer than",
            ),
            (
                json.dumps(
                    {"type": "candidate", "peer": "p", "session": "s", "candidate": "c" * 2049}
                ),
                "longer than 2048",
            ),
            (json.dumps({"type": "join", "peer": "p" * 20000}), "at most"),
            (json.dumps([]), "JSON object"),
        ],
    )
    def test_bad_messages_are_400(self, started, patient_of, body, reason):
        """Bad JSON, an unknown type, missing or unknown fields, oversized: 400 with why, none stored."""
        response = post(patient_of, started, body)
        assert response.status_code == 400
        assert reason in response.json()["error"]
        assert not SignalMessage.objects.exists()

    def test_a_form_or_multipart_body_is_400(self, started, patient_of):
        """Only JSON is a message; a form post (or a fuzzer's multipart) is refused, not a 500."""
        assert patient_of.post(signals(started), {"type": "join", "peer": "p"}).status_code == 400
        multipart = patient_of.post(signals(started), {"type": "join", "file": io.BytesIO(b"x")})
        assert multipart.status_code == 400
        assert post(patient_of, started, "{}", content_type="text/plain").status_code == 400

    @pytest.mark.parametrize("after", ["x", "-3", "1e3", "9" * 30])
    def test_a_bad_after_is_400(self, started, patient_of, after):
        assert patient_of.get(signals(started) + f"?after={after}").status_code == 400

    def test_without_csrf_the_post_is_refused(self, started):
        """The same CSRF as every form: a post without the token is 403."""
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(started.patient)
        assert post(client, started, {"type": "join", "peer": "p"}).status_code == 403
        assert not SignalMessage.objects.exists()

    @pytest.mark.parametrize(
        ("who", "status"),
        [("other_patient", 404), ("other_clinician", 404), ("staff", 403), ("client", 302)],
    )
    def test_only_the_visits_patient_and_clinician(self, request, started, who, status):
        """Another patient or clinician: 404; staff: 403; nobody signed in: the sign-in."""
        client = request.getfixturevalue(who)
        assert post(client, started, {"type": "join", "peer": "p"}).status_code == status
        assert client.get(signals(started)).status_code == status
        assert not SignalMessage.objects.exists()

    def test_before_check_in_and_after_the_window_is_403(self, soon, patient_of, settings):
        """Booked (not checked in): 403 saying why. In progress but past the end plus
        VIDEO_ROOM_OPEN_AFTER_END: 403 too."""
        response = post(patient_of, soon, {"type": "join", "peer": "p"})
        assert response.status_code == 403
        assert response.json()["error"] == "The video room opens when you check in."
        settings.VIDEO_ROOM_OPEN_AFTER_END = datetime.timedelta(minutes=30)
        past = timezone.now() - datetime.timedelta(minutes=50)
        Visit.objects.filter(pk=soon.pk).update(
            status=Visit.Status.IN_PROGRESS,
            start=past,
            end=past + datetime.timedelta(minutes=15),
            blocked_until=past + datetime.timedelta(minutes=25),
        )
        late = post(patient_of, soon, {"type": "join", "peer": "p"})
        assert late.status_code == 403
        assert late.json()["error"] == "This visit's time has passed."
        assert patient_of.get(signals(soon)).status_code == 403
        assert not SignalMessage.objects.exists()


class TestCost:
    @pytest.mark.parametrize("backlog", [10, 500])
    def test_a_poll_costs_the_same_whatever_the_backlog(
        self, started, patient_of, django_assert_max_num_queries, backlog
    ):
        """A poll is a fixed handful of queries and returns at most POLL_LIMIT messages."""
        SignalMessage.objects.bulk_create(
            SignalMessage(
                visit=started, sender=started.provider.user, kind="join", payload={"peer": f"p{n}"}
            )
            for n in range(backlog)
        )
        patient_of.get(signals(started))  # the session's first request writes its start
        with django_assert_max_num_queries(4):
            response = patient_of.get(
                signals(started) + "?after=0", headers={"X-Housecall-Background": "1"}
            )
        assert len(response.json()["signals"]) == min(backlog, 100)

    @pytest.mark.parametrize("backlog", [10, 500])
    def test_a_send_costs_the_same_whatever_the_backlog(
        self, started, patient_of, django_assert_max_num_queries, backlog
    ):
        """A send deletes what is old for the visit and inserts one row, whatever is stored."""
        SignalMessage.objects.bulk_create(
            SignalMessage(
                visit=started, sender=started.provider.user, kind="join", payload={"peer": f"p{n}"}
            )
            for n in range(backlog)
        )
        patient_of.get(signals(started))
        with django_assert_max_num_queries(7):
            response = post(
                patient_of,
                started,
                {"type": "join", "peer": "me"},
                headers={"X-Housecall-Background": "1"},
            )
        assert response.status_code == 201
