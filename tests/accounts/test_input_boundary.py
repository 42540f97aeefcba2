"""One boundary for hostile input, and headers on every response, early answers included."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.test_middleware import age_session

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


class TestControlCharacters:
    def test_a_nul_byte_never_reaches_a_form_and_the_patient_is_told(self, patient_client, patient):
        """A NUL in any field is removed before the form sees it; the rest is saved as typed."""
        response = patient_client.post(
            reverse("profile_edit"),
            {
                "legal_first_name": "Jo\x00rdan\x07",
                "legal_last_name": "Rivera",
                "date_of_birth": "1990-04-02",
                "phone": "(512) 555-0100",
                "current_state": "TX",
                "time_zone": "America/Chicago",
            },
            follow=True,
        )
        patient.patient_profile.refresh_from_db()
        assert patient.patient_profile.legal_first_name == "Jordan"
        assert "removed invisible control characters" in response.content.decode()

    def test_tabs_and_new_lines_are_kept(self, rf):
        """Ordinary white space is text, not a control character to remove."""
        from accounts.middleware import _without_controls

        cleaned, changed = _without_controls(rf.post("/", {"note": "one\ttwo\r\nthree"}).POST)
        assert cleaned["note"] == "one\ttwo\r\nthree"
        assert not changed

    def test_keys_and_query_strings_are_cleaned_too(self, rf):
        """A control character in a field's name or in the query string is removed as well."""
        from accounts.middleware import _without_controls

        cleaned, changed = _without_controls(rf.get("/", {"da\x00y": "2027-01-0\x001"}).GET)
        assert dict(cleaned) == {"day": ["2027-01-01"]}
        assert changed


class TestUnreadableBodies:
    def test_an_unknown_charset_gets_our_400_page_and_one_log_line(self, patient, caplog):
        """A form body in a charset Django refuses is a 400 with the product's page, not a 500."""
        client = Client(raise_request_exception=False)
        client.force_login(patient)
        with caplog.at_level(logging.INFO):
            response = client.generic(
                "POST",
                reverse("profile_edit"),
                "legal_first_name=Jos%E9",
                content_type="application/x-www-form-urlencoded; charset=latin-1",
            )
        assert response.status_code == 400
        assert "couldn't read what your browser sent" in response.content.decode()
        assert no_store(response)
        assert "Content-Security-Policy" in response
        ours = [record for record in caplog.records if record.name == "housecall.security"]
        assert len(ours) == 1
        assert "Jos" not in ours[0].getMessage()


class TestHeadersOnEarlyAnswers:
    def test_idle_sign_out_clears_the_browser_and_is_not_cached(self, patient_client):
        """The idle timeout's redirect carries no-store and Clear-Site-Data."""
        age_session(patient_client, idle_minutes=45)
        response = patient_client.get(reverse("patient_dashboard"))
        assert response.status_code == 302
        assert no_store(response)
        assert response["Clear-Site-Data"] == '"cache", "storage"'

    def test_absolute_sign_out_clears_the_browser_and_is_not_cached(self, patient_client):
        """The 12-hour limit's redirect carries the same headers."""
        age_session(patient_client, idle_minutes=1, signed_in_hours=13)
        response = patient_client.get(reverse("patient_dashboard"))
        assert no_store(response)
        assert response["Clear-Site-Data"] == '"cache", "storage"'

    def test_the_mfa_enrolment_redirect_is_not_cached(self, client):
        """A clinician without MFA is redirected to enrol, and that answer is not cached either."""
        from tests.accounts.factories import ProviderProfileFactory

        client.force_login(ProviderProfileFactory().user)
        response = client.get(reverse("clinician_dashboard"))
        assert response.status_code == 302
        assert no_store(response)
        assert "Content-Security-Policy" in response


class TestPermissionsPolicy:
    def test_every_feature_is_off_on_an_ordinary_page(self, client):
        """Camera, microphone and every other feature are off unless a view opens them (only the
        video visit's device check and room do: tests/visits/video)."""
        response = client.get(reverse("home"))
        features = dict(part.split("=", 1) for part in response["Permissions-Policy"].split(", "))
        assert features["camera"] == "()"
        assert features["microphone"] == "()"
        assert features["geolocation"] == "()"
        assert features["payment"] == "()"
        assert set(features.values()) == {"()"}

    def test_early_answers_carry_it_too(self, patient_client):
        """A timeout's redirect has the same policy."""
        age_session(patient_client, idle_minutes=45)
        response = patient_client.get(reverse("patient_dashboard"))
        assert "camera=()" in response["Permissions-Policy"]
