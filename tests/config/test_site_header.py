"""The site's header is written as the template wrote it, character for character
(site_header_reference.html, base.html's header before it was written in Python), for every role,
signed in and out, on each page of their navigation and elsewhere."""

from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from accounts.context_processors import ACCOUNT_NAVIGATION, NAVIGATION
from accounts.models import Role
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from tests.markup import rendered, side_by_side

BOTH = side_by_side(
    Path(__file__).parent / "site_header_reference.html", "{% load site_chrome %}{% site_header %}"
)


def _headers(user, path: str) -> tuple[str, str]:
    """Both headers from one render, so they share the page's one CSRF token."""
    request = RequestFactory().get(path)
    request.user = user
    return rendered(BOTH, request=request)


def _people() -> dict:
    return {
        "patient": PatientProfileFactory().user,
        "clinician": ProviderProfileFactory().user,
        "staff": UserFactory(role=Role.STAFF),
        "admin": UserFactory(role=Role.STAFF, is_staff=True, is_superuser=True),
    }


@pytest.mark.django_db
def test_every_signed_in_header_is_the_templates():
    for who, user in _people().items():
        navigation = NAVIGATION.get(user.role, []) + ACCOUNT_NAVIGATION
        paths = [reverse(name) for _, name in navigation] + ["/elsewhere/?a=<b>&c=d"]
        for path in paths:
            reference, written = _headers(user, path)
            assert written == reference, (who, path)
            assert "Sign out" in written
            assert 'name="csrfmiddlewaretoken"' in written
            assert (' aria-current="page"' in written) is (path != paths[-1]), (who, path)
        assert ("Admin</a>" in written) is (who == "admin")


def test_the_signed_out_header_is_the_templates():
    for path in ["/", reverse("account_login"), "/elsewhere/"]:
        reference, written = _headers(AnonymousUser(), path)
        assert written == reference
        assert "Sign in" in written
        assert "Create account" in written
        assert "csrfmiddlewaretoken" not in written
