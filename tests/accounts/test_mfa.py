"""Two-factor authentication: enrolment, sign-in with a code, and the rule for staff and clinicians."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.urls import reverse

from accounts.middleware import MFA_MESSAGE
from accounts.models import Role
from tests.accounts.factories import PASSWORD, ProviderProfileFactory, UserFactory
from tests.accounts.fixtures import enrol_totp

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    """The code an authenticator app shows right now for this secret."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def confirm_password(client):
    """Re-enter the password, as allauth asks before security changes."""
    return client.post(reverse("account_reauthenticate"), {"password": PASSWORD})


class TestEnrolment:
    def test_patient_can_turn_on_totp_and_gets_recovery_codes(self, client):
        """A patient scans the code, types the current value and has two-factor sign-in."""
        user = UserFactory()
        sign_in(client, user)
        confirm_password(client)
        page = client.get(reverse("mfa_activate_totp"))
        assert page.status_code == 200
        assert "QR code for your authenticator app" in page.content.decode()
        secret = client.session[SECRET_SESSION_KEY]
        response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
        assert response.status_code == 302
        types = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
        assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}

    def test_a_wrong_code_does_not_enrol(self, client):
        """A mistyped code is refused with a message and nothing is saved."""
        user = UserFactory()
        sign_in(client, user)
        confirm_password(client)
        client.get(reverse("mfa_activate_totp"))
        response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
        assert response.status_code == 200
        assert "Incorrect code." in response.content.decode()
        assert not Authenticator.objects.filter(user=user).exists()

    def test_enrolling_asks_for_the_password_again(self, client):
        """Turning on MFA needs the password again (reauthentication), then continues."""
        user = UserFactory()
        sign_in(client, user)
        response = client.get(reverse("mfa_activate_totp"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        wrong = client.post(reverse("account_reauthenticate"), {"password": "not-it-Really-9"})
        assert wrong.status_code == 200
        assert client.get(reverse("mfa_activate_totp")).status_code == 302
        confirm_password(client)
        assert client.get(reverse("mfa_activate_totp")).status_code == 200


class TestSignInWithTOTP:
    def test_sign_in_asks_for_the_code_then_opens_the_dashboard(self, client):
        """With MFA on, the password alone is not enough: the code completes the sign-in."""
        user = ProviderProfileFactory().user
        secret = enrol_totp(user)
        response = sign_in(client, user)
        assert response["Location"] == reverse("mfa_authenticate")
        assert "_auth_user_id" not in client.session
        response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
        assert response["Location"] == reverse("dashboard")
        assert client.get(reverse("clinician_dashboard")).status_code == 200

    def test_a_wrong_code_keeps_the_door_shut(self, client):
        """A wrong code is refused and the person stays signed out."""
        user = ProviderProfileFactory().user
        enrol_totp(user)
        sign_in(client, user)
        response = client.post(reverse("mfa_authenticate"), {"code": "123456"})
        assert response.status_code == 200
        assert "Incorrect code." in response.content.decode()
        assert "_auth_user_id" not in client.session


class TestStaffAndCliniciansMustEnrol:
    @pytest.mark.parametrize(
        ("role", "url_name"),
        [(Role.CLINICIAN, "clinician_dashboard"), (Role.STAFF, "staff_dashboard")],
    )
    def test_without_mfa_they_are_sent_to_enrol_with_an_explanation(self, client, role, url_name):
        """No patient data opens until a clinician or staff member has an authenticator."""
        user = UserFactory(role=role)
        sign_in(client, user)
        response = client.get(reverse(url_name), follow=True)
        assert response.redirect_chain[0][0] == reverse("mfa_activate_totp")
        assert MFA_MESSAGE in response.content.decode()

    def test_fresh_sign_in_goes_straight_to_set_up(self, client):
        """Right after signing in, a clinician sets up MFA without typing the password twice."""
        user = ProviderProfileFactory().user
        sign_in(client, user)
        response = client.get(reverse("clinician_dashboard"), follow=True)
        assert response.redirect_chain == [(reverse("mfa_activate_totp"), 302)]
        assert "QR code for your authenticator app" in response.content.decode()

    def test_admins_must_enrol_before_the_admin_opens(self, client):
        """The Django admin shows patient data, so it is behind MFA too."""
        user = UserFactory(role=Role.STAFF, is_staff=True, is_superuser=True)
        client.force_login(user)
        assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")
        enrol_totp(user)
        assert client.get("/admin/").status_code == 200

    def test_htmx_requests_are_redirected_as_a_whole_page(self, client):
        """An htmx fragment request without MFA redirects the page, not the fragment."""
        client.force_login(UserFactory(role=Role.STAFF))
        response = client.get(reverse("staff_dashboard"), headers={"HX-Request": "true"})
        assert response["HX-Redirect"] == reverse("mfa_activate_totp")

    def test_patients_are_not_forced(self, patient_client):
        """Patients choose whether to use MFA."""
        assert patient_client.get(reverse("patient_dashboard")).status_code == 200

    def test_enrolled_clinicians_pass(self, clinician_client):
        """Once enrolled, a clinician opens their day."""
        assert clinician_client.get(reverse("clinician_dashboard")).status_code == 200

    def test_clinicians_cannot_remove_their_authenticator(self, client):
        """MFA that the role requires cannot be switched off."""
        user = ProviderProfileFactory().user
        secret = enrol_totp(user)
        sign_in(client, user)
        client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
        confirm_password(client)
        response = client.post(reverse("mfa_deactivate_totp"))
        assert response.status_code == 200
        assert "You cannot deactivate two-factor authentication." in response.content.decode()
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    def test_patients_can_remove_theirs(self, client):
        """A patient who enrolled may turn MFA off again."""
        user = UserFactory()
        secret = enrol_totp(user)
        sign_in(client, user)
        client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
        confirm_password(client)
        client.post(reverse("mfa_deactivate_totp"))
        assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
