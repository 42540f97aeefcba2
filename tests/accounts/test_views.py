"""Public pages, the security page, error pages and the admin's sign-in."""

import pytest
from django.urls import reverse

from tests.accounts.fixtures import enrol_totp

pytestmark = pytest.mark.django_db


def test_health_check_says_ok_and_nothing_else(client):
    """The router's health check needs no sign-in and reveals nothing."""
    response = client.get(reverse("healthz"))
    assert response.json() == {"status": "ok"}


def test_privacy_notice_explains_who_sees_what(client):
    """The privacy notice is public and names the minimum-necessary rule."""
    content = client.get(reverse("privacy")).content.decode()
    assert "Clinic staff see schedules and contact details" in content


class TestSecurityPage:
    def test_offers_mfa_when_off(self, patient_client):
        """A patient without MFA is invited to turn it on."""
        content = patient_client.get(reverse("account_security")).content.decode()
        assert "Turn on two-factor authentication" in content
        assert reverse("account_change_password") in content

    def test_shows_mfa_on(self, client, patient):
        """A patient with MFA sees it is on."""
        enrol_totp(patient)
        client.force_login(patient)
        content = client.get(reverse("account_security")).content.decode()
        assert "<strong>On.</strong>" in content

    def test_needs_sign_in(self, client):
        """Anonymous visitors are sent to sign in."""
        assert client.get(reverse("account_security"))["Location"].startswith(
            reverse("account_login")
        )


class TestNavigation:
    def test_patients_see_only_patient_links(self, patient_client):
        """The patient's navigation has their pages, not the clinic's."""
        content = patient_client.get(reverse("patient_dashboard")).content.decode()
        assert reverse("profile_edit") in content
        assert reverse("staff_dashboard") not in content
        assert reverse("clinician_dashboard") not in content

    def test_staff_see_schedules_not_patient_pages(self, scheduler_client):
        """Clinic staff navigation leads to schedules, not to patient pages."""
        content = scheduler_client.get(reverse("staff_dashboard")).content.decode()
        assert reverse("staff_dashboard") in content
        assert reverse("profile_edit") not in content
        assert 'aria-current="page"' in content


class TestErrorPages:
    def test_forbidden_page_is_friendly(self, scheduler_client):
        """A 403 explains, in plain words, without details."""
        response = scheduler_client.get(reverse("patient_dashboard"))
        assert response.status_code == 403
        assert "isn't available to you" in response.content.decode()

    def test_missing_page_is_friendly(self, client):
        """A 404 offers the way home."""
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert "We couldn't find that page" in response.content.decode()


def test_admin_sign_in_goes_through_allauth(client):
    """The admin has no password form of its own: sign-in, rate limits and MFA are allauth's."""
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
