"""Sign-in backends that load a person with their profile, in the one query for the user."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from accounts.models import User
from accounts.request_loads import ModelWithOneToOnes

# A user with both profiles in one handwritten SELECT: the ORM's own query for it costs more to
# build than every other part of loading a signed-in request (accounts/request_loads.py).
USER_WITH_PROFILES: ModelWithOneToOnes[User] = ModelWithOneToOnes(
    User, "patient_profile", "provider_profile"
)


class _LoadsProfiles(DjangoModelBackend):
    """The signed-in user arrives with their patient or provider profile already joined.

    Every page needs the profile (the viewer's time zone, their name, their state), so it
    comes with the user instead of costing each request a query of its own.
    """

    def get_user(self, user_id):
        user = USER_WITH_PROFILES.get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_LoadsProfiles, DjangoModelBackend):
    """Django's email-and-password backend (used by the admin and by tests' force_login)."""


class AuthenticationBackend(_LoadsProfiles, AllauthBackend):
    """allauth's backend, which every sign-in page uses."""
