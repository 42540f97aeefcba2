"""People and roles."""

import pytest

from accounts.models import ProviderLicense, Role, User
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory

pytestmark = pytest.mark.django_db


class TestUserManager:
    def test_email_is_the_login_and_is_normalised(self):
        """Emails are stored lower-case, so sign-in is case-insensitive."""
        user = User.objects.create_user("Someone@Example.COM", "long-Password-1")
        assert user.email == "someone@example.com"
        assert user.role == Role.PATIENT
        assert not user.is_staff
        assert user.check_password("long-Password-1")

    def test_an_email_is_required(self):
        """No account without an address."""
        with pytest.raises(ValueError, match="email address is required"):
            User.objects.create_user("", "x")

    def test_superusers_are_admins_on_the_staff_role_and_need_mfa(self):
        """An admin can open the Django admin and must use MFA."""
        admin = User.objects.create_superuser("root@example.com", "long-Password-1")
        assert (admin.is_staff, admin.is_superuser, admin.role) == (True, True, Role.STAFF)
        assert admin.must_use_mfa


class TestRoles:
    @pytest.mark.parametrize(
        ("role", "needs_mfa"), [(Role.PATIENT, False), (Role.CLINICIAN, True), (Role.STAFF, True)]
    )
    def test_who_must_use_mfa(self, role, needs_mfa):
        """Everyone who sees other people's data must use MFA; patients may choose."""
        assert User(email="a@example.com", role=role).must_use_mfa is needs_mfa

    def test_role_flags(self):
        """Each role answers to exactly one flag."""
        user = User(email="c@example.com", role=Role.CLINICIAN)
        assert (user.is_patient, user.is_clinician, user.is_clinic_staff) == (False, True, False)

    def test_names(self):
        """People are greeted by name, or by email when they gave none."""
        assert User(email="x@example.com", display_name="Rosa Parks").get_short_name() == "Rosa"
        assert User(email="x@example.com").get_full_name() == "x@example.com"
        assert str(User(email="x@example.com")) == "x@example.com"


class TestProfiles:
    def test_provider_is_named_with_credentials(self):
        """Providers appear with their credentials, e.g. on staff pages."""
        provider = ProviderProfileFactory(
            user__display_name="Dr. Lee", credentials="MD", states=["NY"]
        )
        assert str(provider) == "Dr. Lee, MD"
        assert str(ProviderLicense.objects.get(provider=provider)) == "Dr. Lee, MD (NY)"

    def test_patient_legal_name(self):
        """A patient's legal name is first and last."""
        profile = PatientProfileFactory(legal_first_name="Ana", legal_last_name="Silva")
        assert profile.legal_name == "Ana Silva"
        assert str(profile) == "Ana Silva"
