"""Sign-in backends that load a person with their profile, in the one query for the user."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from accounts.models import User


class _LoadsProfiles(DjangoModelBackend):
    """The signed-in user arrives with their patient or provider profile already joined.

    Every page needs the profile (the viewer's time zone, their name, their state), so it
    comes with the user instead of costing each request a query of its own.
    """

    def get_user(self, user_id):
        # get() drops the model's ordering: no ORDER BY over the two joins for one row.
        try:
            user = User._default_manager.select_related("patient_profile", "provider_profile").get(
                pk=user_id
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_LoadsProfiles, DjangoModelBackend):
    """Django's email-and-password backend (used by the admin and by tests' force_login)."""


class AuthenticationBackend(_LoadsProfiles, AllauthBackend):
    """allauth's backend, which every sign-in page uses."""
