"""Signing up, verifying the email, signing in and out, and resetting a password."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.fixtures import enrol_totp

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://testserver(/accounts/[^\s]+/)")


def link_in(message) -> str:
    """The path of the first account link in an email."""
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def sign_up(client, email="new.patient@example.com"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


class TestSignup:
    def test_signup_creates_an_unverified_patient_and_sends_the_link(self, client):
        """A new account is a patient, unverified until the emailed link is opened."""
        response = sign_up(client)
        assert response.status_code == 302
        assert response["Location"] == reverse("account_email_verification_sent")
        user = User.objects.get(email="new.patient@example.com")
        assert user.role == Role.PATIENT
        assert not EmailAddress.objects.get(user=user).verified
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["new.patient@example.com"]
        assert mail.outbox[0].subject.startswith("Housecall: ")
        assert "/accounts/confirm-email/" in mail.outbox[0].body

    def test_signup_with_bad_input_keeps_the_email_and_explains(self, client):
        """Mismatched passwords come back with a message and the email still filled in."""
        response = client.post(
            reverse("account_signup"),
            {"email": "typed@example.com", "password1": PASSWORD, "password2": "different-Pass-99"},
        )
        assert response.status_code == 200
        content = response.content.decode()
        assert "You must type the same password each time." in content
        assert 'value="typed@example.com"' in content
        assert not User.objects.filter(email="typed@example.com").exists()

    def test_weak_password_is_refused(self, client):
        """A short, common password is refused with the reason."""
        response = client.post(
            reverse("account_signup"),
            {"email": "weak@example.com", "password1": "password", "password2": "password"},
        )
        assert "This password is too common." in response.content.decode()
        assert not User.objects.exists()

    def test_unverified_user_cannot_sign_in(self, client):
        """Signing in before verifying sends another link instead of opening the dashboard."""
        sign_up(client)
        client.logout()
        mail.outbox.clear()
        response = client.post(
            reverse("account_login"), {"login": "new.patient@example.com", "password": PASSWORD}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("account_email_verification_sent")
        assert "_auth_user_id" not in client.session


class TestVerificationAndLogin:
    def test_whole_path_from_signup_to_dashboard(self, client):
        """Sign up, open the link, confirm, sign in and land on the patient dashboard."""
        sign_up(client)
        confirm_path = link_in(mail.outbox[0])
        page = client.get(confirm_path)
        assert page.status_code == 200
        assert "new.patient@example.com" in page.content.decode()
        response = client.post(confirm_path)
        assert response.status_code == 302
        assert EmailAddress.objects.get(email="new.patient@example.com").verified

        response = client.post(
            reverse("account_login"),
            {"login": "new.patient@example.com", "password": PASSWORD},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == reverse("patient_dashboard")
        content = response.content.decode()
        assert "Before your first visit" in content
        assert "Tell us about yourself" in content

    def test_wrong_password_says_so_without_revealing_the_account(self, client):
        """A wrong password gets the same message whether or not the account exists."""
        user = UserFactory()
        wrong = client.post(
            reverse("account_login"), {"login": user.email, "password": "nope-Nope-1"}
        )
        unknown = client.post(
            reverse("account_login"), {"login": "nobody@example.com", "password": "nope-Nope-1"}
        )
        message = "The email address and/or password you specified are not correct."
        assert message in wrong.content.decode()
        assert message in unknown.content.decode()

    @pytest.mark.parametrize(
        ("role", "dashboard"),
        [
            (Role.PATIENT, "patient_dashboard"),
            (Role.CLINICIAN, "clinician_dashboard"),
            (Role.STAFF, "staff_dashboard"),
        ],
    )
    def test_each_role_lands_on_its_own_dashboard(self, client, role, dashboard):
        """/dashboard/ sends each role to its own home page."""
        user = UserFactory(role=role)
        if user.must_use_mfa:
            enrol_totp(user)
        client.force_login(user)
        response = client.get(reverse("dashboard"))
        assert response["Location"] == reverse(dashboard)

    def test_home_sends_signed_in_people_to_their_dashboard(self, patient_client):
        """The front page is for visitors; signed-in people go straight to work."""
        assert patient_client.get(reverse("home"))["Location"] == reverse("dashboard")

    def test_home_explains_housecall_to_visitors(self, client):
        """Visitors see what Housecall is and how to start."""
        content = client.get(reverse("home")).content.decode()
        assert "Create your account" in content
        assert "988" in content


class TestLogout:
    def test_logout_ends_the_session_and_clears_the_browser(self, patient_client):
        """After signing out the dashboard needs a new sign-in, and the browser is told to forget."""
        response = patient_client.post(reverse("account_logout"))
        assert response.status_code == 302
        assert response["Clear-Site-Data"] == '"cache", "storage"'
        after = patient_client.get(reverse("patient_dashboard"))
        assert after.status_code == 302
        assert after["Location"].startswith(reverse("account_login"))

    def test_pages_are_never_stored_by_the_browser(self, patient_client):
        """The back button cannot show a page after sign-out: nothing is cached."""
        response = patient_client.get(reverse("patient_dashboard"))
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


class TestPasswordReset:
    def test_reset_by_email_then_sign_in_with_the_new_password(self, client):
        """The emailed link sets a new password that works for the next sign-in."""
        user = UserFactory(email="forgetful@example.com")
        response = client.post(reverse("account_reset_password"), {"email": user.email})
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        reset_path = link_in(mail.outbox[0])
        form_page = client.get(reset_path, follow=True)
        action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_path
        new_password = "brand-New-secret-42"
        done = client.post(action, {"password1": new_password, "password2": new_password})
        assert done.status_code == 302
        user.refresh_from_db()
        assert user.check_password(new_password)
        signed_in = client.post(
            reverse("account_login"), {"login": user.email, "password": new_password}
        )
        assert signed_in["Location"] == reverse("dashboard")

    def test_reset_for_an_unknown_email_reveals_nothing(self, client):
        """Asking to reset an unknown address looks the same and tells the stranger nothing."""
        response = client.post(reverse("account_reset_password"), {"email": "ghost@example.com"})
        assert response.status_code == 302
        assert response["Location"] == reverse("account_reset_password_done")


class TestReauthentication:
    def test_changing_email_asks_for_the_password_again(self, client):
        """Adding a new sign-in email sends the person to re-enter their password first."""
        user = UserFactory()
        client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        response = client.post(
            reverse("account_email"), {"action_add": "", "email": "new@example.com"}
        )
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        assert not EmailAddress.objects.filter(email="new@example.com").exists()
        client.post(response["Location"], {"password": PASSWORD})
        client.post(reverse("account_email"), {"action_add": "", "email": "new@example.com"})
        assert EmailAddress.objects.filter(email="new@example.com", verified=False).exists()

    def test_changing_password_needs_the_current_one(self, client):
        """A new password is only set when the current password is typed correctly."""
        user = UserFactory()
        client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        new = "another-Secret-77"
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": "not-my-Password-1", "password1": new, "password2": new},
        )
        assert response.status_code == 200
        assert "Please type your current password." in response.content.decode()
        user.refresh_from_db()
        assert user.check_password(PASSWORD)
