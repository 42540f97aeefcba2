"""Sign-in attempts are rate-limited per client, as seen through Heroku's router."""

import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts"


def attempt(client, email, password, forwarded_for):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
        REMOTE_ADDR="10.1.2.3",  # the router's address, the same for every client
    )


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def test_repeated_failures_from_one_client_are_blocked(client):
    """After ten wrong passwords from one address, even a right one is refused there for a while."""
    user = UserFactory()
    for number in range(10):
        attempt(client, f"guess{number}@example.com", "wrong-Password-1", "203.0.113.5")
    response = attempt(client, user.email, PASSWORD, "203.0.113.5")
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_spoofing_the_forwarded_header_does_not_escape_the_limit(client):
    """A client cannot reset its count by inventing addresses: only the router's entry counts."""
    for number in range(10):
        attempt(
            client,
            f"guess{number}@example.com",
            "wrong-Password-1",
            f"198.51.100.{number}, 203.0.113.5",
        )
    response = attempt(
        client, "guess9@example.com", "wrong-Password-1", "198.51.100.99, 203.0.113.5"
    )
    assert TOO_MANY in response.content.decode()


def test_other_clients_behind_the_same_router_are_not_blocked(client):
    """The limit is keyed on the client, never on the router they all share."""
    user = UserFactory()
    for number in range(10):
        attempt(client, f"guess{number}@example.com", "wrong-Password-1", "203.0.113.5")
    response = attempt(client, user.email, PASSWORD, "192.0.2.44")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_one_address_guessing_one_account_is_slowed(client):
    """Five wrong passwords for one account from one address stop that address for a while."""
    user = UserFactory()
    for _ in range(5):
        attempt(client, user.email, "wrong-Password-1", "203.0.113.5")
    response = attempt(client, user.email, PASSWORD, "203.0.113.5")
    assert TOO_MANY in response.content.decode()


def test_a_guesser_elsewhere_never_locks_the_owner_out(client):
    """However many wrong passwords come from other addresses, the owner still signs in."""
    user = UserFactory()
    for number in range(12):
        attempt(client, user.email, "wrong-Password-1", f"192.0.2.{number % 3}")
    response = attempt(client, user.email, PASSWORD, "198.51.100.7")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_the_owner_is_told_once_when_their_account_is_guessed_at(client, mailoutbox):
    """Five wrong passwords for one account email its owner, once, with no address or code."""
    user = UserFactory(display_name="Maya Patel")
    for number in range(8):
        attempt(client, user.email, "wrong-Password-1", f"192.0.2.{number}")
    warnings = [m for m in mailoutbox if "trying to sign in" in m.subject]
    assert len(warnings) == 1
    assert warnings[0].to == [user.email]
    assert "wrong password 5 times" in warnings[0].body
    assert "192.0.2" not in warnings[0].body


def test_unknown_accounts_email_nobody(client, mailoutbox):
    """Guessing at an address with no account sends no email."""
    for number in range(6):
        attempt(client, "nobody@example.com", "wrong-Password-1", f"192.0.2.{number}")
    assert not [m for m in mailoutbox if "trying to sign in" in m.subject]
