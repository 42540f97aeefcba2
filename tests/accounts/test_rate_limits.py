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
    """After five wrong passwords from one address, even the right one is refused for a while."""
    user = UserFactory()
    for number in range(5):
        attempt(client, f"guess{number}@example.com", "wrong-Password-1", "203.0.113.5")
    response = attempt(client, user.email, PASSWORD, "203.0.113.5")
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_spoofing_the_forwarded_header_does_not_escape_the_limit(client):
    """A client cannot reset its count by inventing addresses: only the router's entry counts."""
    for number in range(5):
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
    for number in range(5):
        attempt(client, f"guess{number}@example.com", "wrong-Password-1", "203.0.113.5")
    response = attempt(client, user.email, PASSWORD, "192.0.2.44")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_one_account_is_protected_from_many_addresses(client):
    """Guessing one person's password from many addresses is limited per account too."""
    user = UserFactory()
    for number in range(5):
        attempt(client, user.email, "wrong-Password-1", f"192.0.2.{number}")
    response = attempt(client, user.email, PASSWORD, "192.0.2.200")
    assert TOO_MANY in response.content.decode()
