"""The idle sign-out: the waiting room's and the room's polls never count as activity; the
heartbeat the page sends while visible does. Camera and microphone: only where declared."""

import time

import pytest
from django.urls import reverse

from accounts.middleware import allows_browser_features, permissions_policy
from accounts.sessions import BACKGROUND_HEADER, LAST_ACTIVITY_KEY

pytestmark = pytest.mark.django_db
POLL = {BACKGROUND_HEADER: "1", "HX-Request": "true"}


def idle_for(client, minutes: float) -> float:
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - minutes * 60
    session.save()
    return session[LAST_ACTIVITY_KEY]


class TestIdleTimeout:
    def test_waiting_room_polls_refresh_nothing(self, checked_in, patient_of):
        """htmx's poll of the status (a background request) leaves the idle clock alone."""
        before = idle_for(patient_of, 20)
        response = patient_of.get(reverse("video:waiting_room", args=[checked_in.pk]), headers=POLL)
        assert response.status_code in (200, 204)
        assert patient_of.session[LAST_ACTIVITY_KEY] == before

    def test_signalling_polls_refresh_nothing(self, started, patient_of):
        """The room's signalling poll and posts are background too."""
        before = idle_for(patient_of, 20)
        signals = reverse("video:signals", args=[started.pk])
        patient_of.get(signals, headers={BACKGROUND_HEADER: "1"})
        patient_of.post(
            signals,
            data='{"type": "join", "peer": "p"}',
            content_type="application/json",
            headers={BACKGROUND_HEADER: "1"},
        )
        assert patient_of.session[LAST_ACTIVITY_KEY] == before

    def test_the_heartbeat_counts(self, checked_in, patient_of):
        """The visible page's heartbeat (no background header) moves the idle clock."""
        before = idle_for(patient_of, 20)
        response = patient_of.post(reverse("video:still_here", args=[checked_in.pk]))
        assert response.status_code == 204
        assert patient_of.session[LAST_ACTIVITY_KEY] > before + 60

    def test_polls_alone_end_in_the_sign_out(self, checked_in, patient_of):
        """A hidden page keeps polling but sends no heartbeat: after 30 minutes the next poll
        signs the patient out (htmx is sent to the sign-in)."""
        idle_for(patient_of, 31)
        response = patient_of.get(reverse("video:waiting_room", args=[checked_in.pk]), headers=POLL)
        assert response["HX-Redirect"].startswith(reverse("account_login"))
        assert "_auth_user_id" not in patient_of.session

    def test_the_heartbeat_is_for_the_visits_people_only(self, checked_in, other_patient, staff):
        assert (
            other_patient.post(reverse("video:still_here", args=[checked_in.pk])).status_code == 404
        )
        assert staff.post(reverse("video:still_here", args=[checked_in.pk])).status_code == 403


class TestPermissionsPolicy:
    def test_declared_pages_allow_camera_and_microphone_for_our_origin(self, started, patient_of):
        """The room and the device check: camera=(self), microphone=(self), the rest off."""
        for name in ("room", "device_check"):
            header = patient_of.get(reverse(f"video:{name}", args=[started.pk]))[
                "Permissions-Policy"
            ]
            features = dict(part.split("=", 1) for part in header.split(", "))
            assert features.pop("camera") == "(self)"
            assert features.pop("microphone") == "(self)"
            assert set(features.values()) == {"()"}

    def test_every_other_page_has_them_off(self, checked_in, patient_of):
        """Check-in, the waiting room, the dashboard, the visit page: camera=() microphone=()."""
        for path in (
            reverse("video:check_in", args=[checked_in.pk]),
            reverse("video:waiting_room", args=[checked_in.pk]),
            reverse("patient_dashboard"),
            reverse("scheduling:visit_detail", args=[checked_in.pk]),
        ):
            header = patient_of.get(path)["Permissions-Policy"]
            assert header.startswith("camera=(), microphone=()"), path

    def test_the_decorator_refuses_an_unknown_feature(self):
        """A typo is caught when the view is defined, not silently ignored."""
        with pytest.raises(ValueError, match="Unknown browser features: camra"):
            allows_browser_features("camra")
        assert "camera=(self)" in permissions_policy(["camera"])
