"""MFA secrets are sealed at rest and never shown, not even to the admin."""

import importlib

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, hotp_value
from django.apps import apps
from django.urls import reverse

from accounts.crypto import SEALED_PREFIX, unseal
from tests.accounts.factories import UserFactory
from tests.accounts.fixtures import enrol_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(role="staff", is_staff=True, is_superuser=True)
    enrol_totp(admin)
    client.force_login(admin)
    return client


class TestTotpSecrets:
    def test_the_secret_is_stored_sealed_and_still_works(self, clinician):
        """The database holds a sealed key; the authenticator still accepts the right code."""
        authenticator = Authenticator.objects.get(user=clinician, type=Authenticator.Type.TOTP)
        stored = authenticator.data["secret"]
        assert stored.startswith(SEALED_PREFIX)
        totp = TOTP(authenticator)
        secret = unseal(stored)
        import time

        code = hotp_value(secret, int(time.time()) // 30)
        assert totp.validate_code(f"{code:06d}")

    def test_the_admin_never_shows_the_secret(self, admin_client, clinician):
        """The authenticator's admin page lists who and when, not the key, sealed or plain."""
        authenticator = Authenticator.objects.get(user=clinician, type=Authenticator.Type.TOTP)
        secret = unseal(authenticator.data["secret"])
        page = admin_client.get(
            reverse("admin:mfa_authenticator_change", args=[authenticator.pk])
        ).content.decode()
        listing = admin_client.get(reverse("admin:mfa_authenticator_changelist")).content.decode()
        for content in (page, listing):
            assert secret not in content
            assert authenticator.data["secret"] not in content
        assert "<textarea" not in page

    def test_secrets_stored_before_sealing_are_sealed_by_the_migration(self, clinician):
        """A plain key from before is sealed in place, and reads back as the same key."""
        authenticator = Authenticator.objects.get(user=clinician, type=Authenticator.Type.TOTP)
        Authenticator.objects.filter(pk=authenticator.pk).update(
            data={"secret": "JBSWY3DPEHPK3PXP"}
        )
        migration = importlib.import_module("accounts.migrations.0004_seal_mfa_secrets")
        migration.seal_existing(apps, None)
        authenticator.refresh_from_db()
        assert authenticator.data["secret"].startswith(SEALED_PREFIX)
        assert unseal(authenticator.data["secret"]) == "JBSWY3DPEHPK3PXP"
        migration.seal_existing(apps, None)  # running it again seals nothing twice
        authenticator.refresh_from_db()
        assert unseal(authenticator.data["secret"]) == "JBSWY3DPEHPK3PXP"
