"""Signing up never tells whether an email already has an account: same work, same kind of email."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.urls import reverse

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

HASHED: list[str] = []


class CountingHasher(MD5PasswordHasher):
    """A fast hasher that counts how often a password is hashed."""

    algorithm = "counting_md5"

    def encode(self, password, salt):
        HASHED.append("hashed")
        return super().encode(password, salt)


@pytest.fixture
def counting(settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_enumeration.CountingHasher"]
    HASHED.clear()
    return HASHED


def sign_up(client, email):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": "a-Long-new-password-9",
            "password2": "a-Long-new-password-9",
        },
    )


def test_a_taken_address_does_the_same_work_and_answers_the_same(client, counting, mailoutbox):
    """Both paths hash one password, send one email and land on the same page."""
    UserFactory(email="taken@example.com")
    counting.clear()
    taken = sign_up(client, "taken@example.com")
    taken_hashes, taken_mail = len(counting), len(mailoutbox)
    counting.clear()
    fresh = sign_up(client, "fresh@example.com")
    assert taken_hashes == len(counting) == 1
    assert taken_mail == 1
    assert len(mailoutbox) == 2
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
