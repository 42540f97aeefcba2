"""The access policy: every view declares who may use it, and the rule holds."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from accounts import policy
from accounts.models import Role
from tests.accounts.factories import UserFactory


def walk(patterns, prefix=""):
    """Every (route, view) pair in the URL configuration."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


class TestEveryViewHasARule:
    def test_no_view_is_unguarded(self):
        """A view added without @allow or @public (or a known external rule) fails the suite."""
        unguarded = [
            route
            for route, view in walk(get_resolver().url_patterns)
            if policy.rule_for(view, route) is None
        ]
        assert unguarded == []

    def test_project_views_declare_their_own_rule(self):
        """Housecall's own views carry a rule on the view itself, not a blanket exemption."""
        own = [
            (route, view)
            for route, view in walk(get_resolver().url_patterns)
            if view.__module__.split(".")[0] in {"accounts", "visits", "config"}
        ]
        assert own, "expected Housecall views in the URL configuration"
        for route, view in own:
            assert getattr(view, policy.RULE_ATTRIBUTE, None) is not None, route

    def test_an_undecorated_view_has_no_rule(self):
        """The walker really notices a missing rule."""

        def naked(request):
            return HttpResponse()

        naked.__module__ = "visits.views"
        assert policy.rule_for(naked, "visits/") is None
        assert policy.rule_for(naked, "accounts/sneaky/") is None


@pytest.mark.django_db
class TestAllow:
    @staticmethod
    def view(request):
        return HttpResponse("secret")

    def request(self, user):
        request = RequestFactory().get("/somewhere/?tab=1")
        request.user = user
        request.htmx = False
        return request

    def test_anonymous_is_sent_to_sign_in(self):
        """Someone not signed in is redirected to the login page, coming back afterwards."""
        response = policy.allow(Role.PATIENT)(self.view)(self.request(AnonymousUser()))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")

    def test_anonymous_htmx_request_gets_client_redirect(self):
        """An htmx request from an expired session redirects the whole page."""
        request = self.request(AnonymousUser())
        request.htmx = True
        response = policy.allow(Role.PATIENT)(self.view)(request)
        assert response["HX-Redirect"].startswith("/accounts/login/")

    def test_wrong_role_is_forbidden(self):
        """A clinician cannot open a patient-only view."""
        with pytest.raises(PermissionDenied):
            policy.allow(Role.PATIENT)(self.view)(self.request(UserFactory(role=Role.CLINICIAN)))

    def test_right_role_passes(self):
        """A patient opens a patient view."""
        response = policy.allow(Role.PATIENT)(self.view)(
            self.request(UserFactory(role=Role.PATIENT))
        )
        assert response.content == b"secret"

    def test_rule_needs_a_role(self):
        """An empty allow() is a mistake, not a public page."""
        with pytest.raises(ValueError, match="at least one role"):
            policy.allow()

    def test_public_marks_the_view(self):
        """@public records the rule without wrapping."""
        view = policy.public(lambda request: HttpResponse())
        assert policy.rule_for(view) == policy.ANYONE
