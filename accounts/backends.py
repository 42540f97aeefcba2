"""Sign-in backends that load a person with their profile, in the one query for the user."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from accounts.request_loads import SESSION_USER, USER_WITH_PROFILES


class _LoadsProfiles(DjangoModelBackend):
    """The signed-in user arrives with their patient or provider profile already joined.

    Every page needs the profile (the viewer's time zone, their name, their state), so it
    comes with the user instead of costing each request a query of its own.
    """

    def get_user(self, user_id):
        # The request's person came with its session (accounts/request_loads.py); anyone else
        # is read on their own.
        user = SESSION_USER.get()
        if user is None or str(user.pk) != str(user_id):
            user = USER_WITH_PROFILES.get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_LoadsProfiles, DjangoModelBackend):
    """Django's email-and-password backend (used by the admin and by tests' force_login)."""


class AuthenticationBackend(_LoadsProfiles, AllauthBackend):
    """allauth's backend, which every sign-in page uses."""
