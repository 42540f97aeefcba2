"""Sessions end after idle time by role and after 12 hours; polling never counts as activity."""

import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import User
from accounts.sessions import BACKGROUND_HEADER, LAST_ACTIVITY_KEY, STARTED_KEY
from tests.accounts.factories import PatientProfileFactory

pytestmark = pytest.mark.django_db


def age_session(client, *, idle_minutes=0.0, signed_in_hours=0.0):
    """Pretend the last activity and the sign-in happened this long ago."""
    session = client.session
    now = time.time()
    session[LAST_ACTIVITY_KEY] = now - idle_minutes * 60
    session[STARTED_KEY] = now - signed_in_hours * 3600
    session.save()


def signed_out_message(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


class TestIdleTimeout:
    def test_patient_is_signed_out_after_30_idle_minutes(self, patient_client):
        """Thirty minutes without activity ends a patient's session, and the login page says why."""
        age_session(patient_client, idle_minutes=31)
        response = patient_client.get(reverse("patient_dashboard"))
        assert response.status_code == 302
        assert response["Location"] == reverse("account_login") + "?next=%2Fpatient%2F"
        assert "_auth_user_id" not in patient_client.session
        login_page = patient_client.get(response["Location"])
        assert "signed out after 30 minutes without activity" in login_page.content.decode()

    def test_patient_stays_signed_in_at_29_minutes(self, patient_client):
        """Just under the limit, the session goes on."""
        age_session(patient_client, idle_minutes=29)
        assert patient_client.get(reverse("patient_dashboard")).status_code == 200

    def test_clinician_is_signed_out_after_15_idle_minutes(self, clinician_client):
        """Clinicians see many patients' data, so their idle limit is shorter."""
        age_session(clinician_client, idle_minutes=16)
        response = clinician_client.get(reverse("clinician_dashboard"), follow=True)
        assert "signed out after 15 minutes without activity" in response.content.decode()
        assert not response.wsgi_request.user.is_authenticated

    def test_staff_is_signed_out_after_15_idle_minutes(self, scheduler_client):
        """Clinic staff have the same 15-minute limit."""
        age_session(scheduler_client, idle_minutes=16)
        response = scheduler_client.get(reverse("staff_dashboard"))
        assert response.status_code == 302
        assert "_auth_user_id" not in scheduler_client.session

    def test_activity_keeps_the_session_alive(self, patient_client):
        """Each real request moves the idle clock forward."""
        age_session(patient_client, idle_minutes=20)
        patient_client.get(reverse("patient_dashboard"))
        assert time.time() - patient_client.session[LAST_ACTIVITY_KEY] < 5

    def test_background_requests_do_not_count_as_activity(self, patient_client):
        """A page polling on its own does not keep an abandoned session open."""
        age_session(patient_client, idle_minutes=20)
        before = patient_client.session[LAST_ACTIVITY_KEY]
        response = patient_client.get(
            reverse("patient_dashboard"), headers={BACKGROUND_HEADER: "1", "HX-Request": "true"}
        )
        assert response.status_code == 200
        assert patient_client.session[LAST_ACTIVITY_KEY] == before
        age_session(patient_client, idle_minutes=31)
        response = patient_client.get(
            reverse("patient_dashboard"), headers={BACKGROUND_HEADER: "1", "HX-Request": "true"}
        )
        assert response["HX-Redirect"] == reverse("account_login")

    def test_a_form_posted_after_timeout_is_kept_for_after_sign_in(self, patient_client, patient):
        """Nothing typed is lost: after signing in again the form comes back filled in, unsaved."""
        age_session(patient_client, idle_minutes=45)
        response = patient_client.post(
            reverse("profile_edit"), {"legal_first_name": "Changed", "phone": "(512) 555-0199"}
        )
        assert response["Location"] == reverse("account_login") + "?next=%2Fme%2Fdetails%2F"
        patient.patient_profile.refresh_from_db()
        assert patient.patient_profile.legal_first_name == "Jordan"
        signed_in = patient_client.post(
            response["Location"], {"login": patient.email, "password": "correct-Horse-battery-7"}
        )
        assert signed_in["Location"] == reverse("profile_edit")
        content = patient_client.get(reverse("profile_edit")).content.decode()
        assert 'value="Changed"' in content
        assert 'value="(512) 555-0199"' in content
        # Kept once: a later visit shows the saved details again.
        assert 'value="Jordan"' in patient_client.get(reverse("profile_edit")).content.decode()

    def test_kept_form_is_never_shown_to_someone_else(self, patient_client, patient):
        """If another person signs in on that browser, the kept form is thrown away."""
        age_session(patient_client, idle_minutes=45)
        patient_client.post(reverse("profile_edit"), {"legal_first_name": "Secret"})
        other = PatientProfileFactory().user
        patient_client.post(
            reverse("account_login"), {"login": other.email, "password": "correct-Horse-battery-7"}
        )
        assert "Secret" not in patient_client.get(reverse("profile_edit")).content.decode()


class TestThePersonIsLoadedOnce:
    def test_a_signed_in_page_sees_the_person_not_a_lazy_stand_in(self, patient_client, patient):
        """Views get the user itself, so no attribute read goes through Django's lazy proxy."""
        response = patient_client.get(reverse("patient_dashboard"))
        assert response.status_code == 200
        assert type(response.wsgi_request.user) is User
        assert response.wsgi_request.user.pk == patient.pk

    def test_a_signed_out_page_sees_the_anonymous_user(self, client):
        response = client.get(reverse("account_login"))
        assert type(response.wsgi_request.user) is AnonymousUser

    def test_a_timed_out_session_leaves_the_anonymous_user(self, patient_client):
        age_session(patient_client, idle_minutes=31)
        response = patient_client.get(reverse("patient_dashboard"))
        assert type(response.wsgi_request.user) is AnonymousUser


class TestAbsoluteTimeout:
    def test_everyone_is_signed_out_after_12_hours(self, patient_client):
        """However active, a session ends 12 hours after sign-in."""
        age_session(patient_client, idle_minutes=1, signed_in_hours=12.1)
        response = patient_client.get(reverse("patient_dashboard"), follow=True)
        assert "signed in for 12 hours" in response.content.decode()
        assert not response.wsgi_request.user.is_authenticated

    def test_eleven_hours_is_fine(self, patient_client):
        """Before 12 hours an active session continues."""
        age_session(patient_client, idle_minutes=1, signed_in_hours=11)
        assert patient_client.get(reverse("patient_dashboard")).status_code == 200


class TestSignInStartsTheClocks:
    def test_sign_in_records_the_start(self, client, patient):
        """Signing in starts the 12-hour clock."""
        client.post(
            reverse("account_login"),
            {"login": patient.email, "password": "correct-Horse-battery-7"},
        )
        assert time.time() - client.session[STARTED_KEY] < 5


class TestSecurityHeaders:
    def test_csp_has_no_unsafe_script_sources(self, client):
        """Scripts run only from our origin or with the page's nonce; nothing inline or eval'd."""
        response = client.get(reverse("account_login"))
        policy = response["Content-Security-Policy"]
        directives = {
            part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()
        }
        script_sources = directives["script-src"]
        assert "'unsafe-inline'" not in policy
        assert "'unsafe-eval'" not in policy
        assert script_sources[0] == "'self'"
        assert script_sources[1].startswith("'nonce-")
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["object-src"] == ["'none'"]

    def test_every_script_tag_carries_the_nonce(self, client):
        """The page's scripts (htmx and ours) carry the nonce the header names."""
        response = client.get(reverse("account_login"))
        nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
        content = response.content.decode()
        assert content.count("<script") == content.count(f'nonce="{nonce}"')
        assert "htmx" in content

    def test_htmx_keeps_nothing_and_runs_nothing(self, client):
        """htmx's history cache is off, eval is off and it only talks to our own origin."""
        content = client.get(reverse("home")).content.decode()
        assert "&quot;historyCacheSize&quot;: 0" in content
        assert "&quot;allowEval&quot;: false" in content
        assert "&quot;selfRequestsOnly&quot;: true" in content

    def test_csrf_token_rides_on_htmx_requests(self, client):
        """htmx sends the CSRF token through hx-headers on the body."""
        content = client.get(reverse("home")).content.decode()
        assert 'hx-headers=\'{"X-CSRFToken": "' in content
