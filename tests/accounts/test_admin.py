"""The accounts admin: refused input comes back as a form, never a server error."""

import pytest
from django.urls import reverse

from accounts.models import ProviderProfile, Role
from tests.accounts.factories import UserFactory
from tests.accounts.fixtures import enrol_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(role=Role.STAFF, is_staff=True, is_superuser=True)
    enrol_totp(admin)
    client.force_login(admin)
    return client


@pytest.mark.parametrize("user", ["9999-12-31", "x", "1e308", "-1", "99999999999"])
def test_a_provider_profile_with_a_user_that_is_no_id_is_refused_with_a_message(admin_client, user):
    """The autocomplete field re-renders a value that is no account's id, with the message."""
    response = admin_client.post(
        reverse("admin:accounts_providerprofile_add"),
        {"user": user, "kind": "physician", "licenses-TOTAL_FORMS": "0"}
        | {"licenses-INITIAL_FORMS": "0", "time_zone": "America/Chicago"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ProviderProfile.objects.exists()
