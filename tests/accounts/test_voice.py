"""Every allauth page and email Housecall uses speaks in the clinic's voice and names it from settings."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from tests.accounts.factories import PASSWORD, PatientProfileFactory, UserFactory
from tests.accounts.fixtures import enrol_totp

pytestmark = pytest.mark.django_db

SITE_NAME = "Northside Clinic"
SITE_URL = "https://care.northside.test"
HOST = "evil.example"
URL = re.compile(r"https?://[^\s>)\"']+")
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
# allauth's own copy, which must not reach anyone.
DEFAULT_PHRASES = [
    "Sign Up",
    "Sign In",
    "Sign Out",
    "Confirm Access",
    "example.com",
    "Thank you for using",
    "receiving this",
    "register an account",
    "Please reauthenticate",
    "Two-Factor",
]


@pytest.fixture(autouse=True)
def _site(settings):
    """A clinic whose name and address differ from anything a request could say."""
    settings.SITE_NAME = SITE_NAME
    settings.SITE_URL = SITE_URL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST, "127.0.0.1"]


@pytest.fixture
def client():
    """A browser that reached the app under another name than the clinic's own."""
    return Client(HTTP_HOST=HOST)


def person(**kwargs):
    kwargs.setdefault("email", f"person{time.monotonic_ns()}@patients.test")
    return UserFactory(**kwargs)


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(client, user):
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def confirm_password(client):
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})


def assert_our_voice(text: str, *, host: str = HOST) -> None:
    """None of allauth's default copy, nor the request's host, is in the text."""
    for phrase in [*DEFAULT_PHRASES, host]:
        assert phrase not in text, f"{phrase!r} found in:\n{text}"


def sent(subject_part: str):
    """The one email whose subject says this."""
    matching = [message for message in mail.outbox if subject_part in message.subject]
    assert len(matching) == 1, [message.subject for message in mail.outbox]
    return matching[0]


def assert_email(message, *, greeting: str, host: str = HOST) -> list[str]:
    """Greets by name (or neutrally), signs off as the clinic, links only to SITE_URL."""
    body = message.body
    assert message.subject.startswith(f"{SITE_NAME}: ")
    assert body.startswith(f"{greeting},\n"), body
    assert f"The {SITE_NAME} team\n{SITE_URL}" in body
    links = URL.findall(message.subject + body)
    assert links
    for link in links:
        assert link.startswith(SITE_URL + "/") or link == SITE_URL, link
    assert_our_voice(message.subject + "\n" + body, host=host)
    return links


def path_of(link: str) -> str:
    return link.removeprefix(SITE_URL)


class TestAccountEmails:
    @pytest.mark.parametrize("host", [HOST, "127.0.0.1:8101"])
    def test_sign_up_confirmation(self, host):
        """The sign-up email links to the clinic's address whatever Host the request named."""
        client = Client(HTTP_HOST=host)
        client.post(
            reverse("account_signup"),
            {"email": "new@patients.test", "password1": PASSWORD, "password2": PASSWORD},
        )
        message = sent("Confirm your email address")
        links = assert_email(message, greeting="Hello", host=host)
        assert f"Thank you for creating your {SITE_NAME} account" in message.body
        assert any("/accounts/confirm-email/" in link for link in links)

    def test_account_already_exists(self, client):
        """Signing up again with a known address tells its owner, by name, how to get back in."""
        owner = person(display_name="Maya Patel")
        client.post(
            reverse("account_signup"),
            {"email": owner.email, "password1": PASSWORD, "password2": PASSWORD},
        )
        links = assert_email(sent("tried to create an account"), greeting="Hello Maya Patel")
        assert SITE_URL + reverse("account_reset_password") in links

    def test_password_reset_key_and_reset_notice(self, client):
        """The reset link is on SITE_URL; using it sends a notice, both greeting the patient."""
        user = PatientProfileFactory(
            user=person(display_name=""), legal_first_name="Jordan", intake=False
        ).user
        client.post(reverse("account_reset_password"), {"email": user.email})
        links = assert_email(sent("Choose a new password"), greeting="Hello Jordan")
        reset = client.get(path_of(links[0]), follow=True)
        new = "brand-New-secret-42"
        client.post(reset.redirect_chain[-1][0], {"password1": new, "password2": new})
        notice = sent("Your password was reset")
        assert_email(notice, greeting="Hello Jordan")
        # The time is given in the patient's own zone, never only in UTC.
        assert re.search(r"at \d{1,2}:\d\d [AP]M Central time\.", notice.body), notice.body

    def test_unknown_account(self, client):
        """A reset for an unknown address greets neutrally and offers sign-up on SITE_URL."""
        client.post(reverse("account_reset_password"), {"email": "ghost@patients.test"})
        links = assert_email(sent("could not find an account"), greeting="Hello")
        assert SITE_URL + reverse("account_signup") in links

    def test_password_changed(self, client):
        """Changing the password sends a notice by name."""
        user = person(display_name="Ava Thompson")
        sign_in(client, user)
        new = "another-Secret-77"
        client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
        assert_email(sent("Your password changed"), greeting="Hello Ava Thompson")

    def test_password_set(self, client):
        """Setting a first password sends a notice by name."""
        user = person(display_name="Sam Lee")
        user.set_unusable_password()
        user.save()
        client.force_login(user)
        new = "first-Secret-password-9"
        client.post(reverse("account_set_password"), {"password1": new, "password2": new})
        assert_email(sent("A password was set"), greeting="Hello Sam Lee")

    def test_adding_confirming_switching_and_removing_an_email(self, client):
        """Each step of changing the sign-in email sends its own email, all by name."""
        user = person(display_name="Dee Okafor")
        old = user.email
        sign_in(client, user)
        confirm_password(client)
        client.post(reverse("account_email"), {"action_add": "", "email": "dee@patients.test"})
        message = sent("Confirm your new email address")
        assert message.to == ["dee@patients.test"]
        links = assert_email(message, greeting="Hello Dee Okafor")
        client.post(path_of(links[0]))
        assert EmailAddress.objects.get(email="dee@patients.test").verified
        client.post(reverse("account_email"), {"action_primary": "", "email": "dee@patients.test"})
        changed = sent("sign-in email address changed")
        assert_email(changed, greeting="Hello Dee Okafor")
        assert f"from {old} to dee@patients.test" in changed.body
        client.post(reverse("account_email"), {"action_remove": "", "email": old})
        assert not EmailAddress.objects.filter(email=old).exists()
        assert_email(sent("was removed"), greeting="Hello Dee Okafor")


class TestMFAEmails:
    def test_turning_on_new_codes_and_turning_off(self, client, django_capture_on_commit_callbacks):
        """Each change to two-factor authentication sends a notice by name."""
        user = person(display_name="Priya Shah")
        sign_in(client, user)
        confirm_password(client)
        client.get(reverse("mfa_activate_totp"))
        secret = client.session[SECRET_SESSION_KEY]
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
        assert_email(sent("Two-factor authentication is on"), greeting="Hello Priya Shah")
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("mfa_generate_recovery_codes"))
        assert_email(sent("new recovery codes"), greeting="Hello Priya Shah")
        client.post(reverse("mfa_deactivate_totp"))
        assert_email(sent("Two-factor authentication is off"), greeting="Hello Priya Shah")


def page_text(response) -> str:
    assert response.status_code == 200, response
    return response.content.decode()


def assert_page(response, heading: str) -> None:
    """One h1 with Housecall's heading, the clinic named from settings, no default copy."""
    content = page_text(response)
    headings = H1.findall(content)
    assert headings == [heading], headings
    assert f"· {SITE_NAME}</title>" in content
    assert_our_voice(content)


class TestEntrancePages:
    @pytest.mark.parametrize(
        ("url_name", "heading"),
        [
            ("account_login", f"Sign in to {SITE_NAME}"),
            ("account_signup", "Create your account"),
            ("account_reset_password", "Reset your password"),
            ("account_reset_password_done", "Check your email"),
            ("account_reset_password_from_key_done", "Your password is changed"),
            ("account_email_verification_sent", "Check your email"),
        ],
    )
    def test_page(self, client, url_name, heading):
        """Each sign-in page greets visitors in Housecall's words."""
        assert_page(client.get(reverse(url_name)), heading)

    def test_reset_from_key(self, client):
        """The page the reset link opens asks for a new password; a bad link says so."""
        user = person()
        client.post(reverse("account_reset_password"), {"email": user.email})
        link = URL.findall(sent("Choose a new password").body)[0]
        assert_page(client.get(path_of(link), follow=True), "Choose a new password")
        bad = reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "x-y"})
        assert_page(client.get(bad), "This link no longer works")

    def test_email_confirm(self, client):
        """The confirmation link opens a page naming the address; a bad link says so."""
        client.post(
            reverse("account_signup"),
            {"email": "new@patients.test", "password1": PASSWORD, "password2": PASSWORD},
        )
        link = URL.findall(sent("Confirm your email address").body)[0]
        response = client.get(path_of(link))
        assert_page(response, "Confirm your email address")
        assert "new@patients.test" in page_text(response)
        assert_page(
            client.get(reverse("account_confirm_email", args=["nope"])), "This link no longer works"
        )

    def test_mfa_authenticate(self, client):
        """After the password, an enrolled person is asked for their code."""
        user = person(role=Role.CLINICIAN)
        enrol_totp(user)
        sign_in(client, user)
        assert_page(client.get(reverse("mfa_authenticate")), "Enter your code")


class TestSignedInPages:
    @pytest.fixture
    def user(self):
        return person(display_name="Jo March")

    @pytest.fixture
    def signed_in(self, client, user):
        sign_in(client, user)
        return client

    @pytest.mark.parametrize(
        ("url_name", "heading"),
        [
            ("account_logout", f"Sign out of {SITE_NAME}?"),
            ("account_email", "Your email addresses"),
            ("account_change_password", "Change your password"),
            ("account_reauthenticate", "Confirm it's you"),
            ("mfa_index", "Two-factor authentication"),
        ],
    )
    def test_page(self, signed_in, url_name, heading):
        """Each account page speaks Housecall's voice."""
        confirm_password(signed_in)
        assert_page(signed_in.get(reverse(url_name)), heading)

    def test_reauthentication_is_asked_as_confirm_its_you(self, signed_in):
        """A change that needs the password again asks "Confirm it's you"."""
        response = signed_in.get(reverse("mfa_activate_totp"), follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
        assert_page(response, "Confirm it's you")

    def test_set_password(self, client, user):
        """Someone without a password is asked to set one."""
        user.set_unusable_password()
        user.save()
        client.force_login(user)
        assert_page(client.get(reverse("account_set_password")), "Set a password")

    def test_totp_activate(self, signed_in):
        """Turning on two-factor explains the steps, with the QR code described."""
        confirm_password(signed_in)
        response = signed_in.get(reverse("mfa_activate_totp"))
        assert_page(response, "Turn on two-factor authentication")
        assert "QR code for your authenticator app" in page_text(response)

    @pytest.mark.parametrize(
        ("url_name", "heading"),
        [
            ("mfa_deactivate_totp", "Turn off two-factor authentication?"),
            ("mfa_view_recovery_codes", "Your recovery codes"),
            ("mfa_generate_recovery_codes", "Make new recovery codes?"),
            ("mfa_index", "Two-factor authentication"),
        ],
    )
    def test_mfa_management(self, client, url_name, heading):
        """Managing an authenticator and recovery codes is in Housecall's words."""
        user = person()
        secret = enrol_totp(user)
        sign_in(client, user)
        client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
        # Generate recovery codes so they can be viewed.
        confirm_password(client)
        client.post(reverse("mfa_generate_recovery_codes"))
        assert_page(client.get(reverse(url_name)), heading)

    def test_mfa_reauthenticate(self, client):
        """Someone with an authenticator may confirm it's them with a code instead."""
        user = person()
        secret = enrol_totp(user)
        sign_in(client, user)
        client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
        response = client.get(reverse("mfa_reauthenticate"))
        assert_page(response, "Confirm it's you")
        assert "authenticator app" in page_text(response)


class TestMessages:
    def test_signing_in_welcomes_the_person_back_by_name(self, client):
        """The note after signing in uses the person's name, not allauth's "Successfully"."""
        user = person(display_name="Jo March")
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
        )
        content = page_text(response)
        assert "Welcome back, Jo March." in content
        assert "Successfully signed in" not in content

    def test_signing_out_says_goodbye(self, patient_client):
        """Signing out leaves a plain note on the next page."""
        response = patient_client.post(reverse("account_logout"), follow=True)
        assert "You have signed out. See you next time." in page_text(response)
