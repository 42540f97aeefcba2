"""The access policy: every view declares who may use it, and the rule holds."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts import policy
from accounts.models import Role
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from visits.scheduling.models import Visit, VisitType


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
@pytest.mark.urls("tests.accounts.unguarded_urls")
class TestRefusedAtRunTime:
    """The running app refuses a view with no rule, as the URL walk would in CI."""

    def test_a_view_without_a_rule_is_forbidden(self, client):
        """A forgotten decorator fails closed: 403, and the view never runs."""
        response = client.get("/forgotten/")
        assert response.status_code == 403
        assert b"patient data" not in response.content

    def test_it_is_forbidden_to_signed_in_users_too(self, patient_client):
        """Signing in does not open a view that declares nobody."""
        response = patient_client.get("/forgotten/")
        assert response.status_code == 403
        assert b"patient data" not in response.content

    def test_a_declared_view_still_opens(self, client):
        """A view with a rule is served as before."""
        response = client.get("/declared/")
        assert response.status_code == 200
        assert response.content == b"hello"

    def test_external_views_keep_their_own_rules(self, client):
        """allauth's login page and the admin's are trusted by where they are mounted."""
        assert client.get("/accounts/login/").status_code == 200
        assert client.get("/admin/login/").status_code == 302


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


@pytest.mark.django_db
class TestObjectRules:
    """Each object rule, for the permitted and the refused case, role by role."""

    @pytest.fixture
    def world(self):
        provider = ProviderProfileFactory(states=["TX"])
        stranger = ProviderProfileFactory(states=["TX"])
        patient = PatientProfileFactory(intake=False).user
        other_patient = PatientProfileFactory(intake=False).user
        staff = UserFactory(role=Role.STAFF)
        visit_type = VisitType.objects.get(slug="urgent-care")
        start = timezone.now() + datetime.timedelta(days=2)
        visit = Visit.objects.create(
            patient=patient,
            provider=provider,
            visit_type=visit_type,
            start=start,
            end=start + visit_type.duration,
            blocked_until=start + visit_type.duration,
        )
        return {
            "provider": provider,
            "stranger": stranger,
            "patient": patient,
            "other_patient": other_patient,
            "staff": staff,
            "visit": visit,
        }

    @pytest.mark.parametrize(
        ("rule", "model"),
        [
            (policy.VISITS, "visits.Visit"),
            (policy.SCHEDULES, "accounts.ProviderProfile"),
            (policy.CLINICAL_PATIENTS, "accounts.User"),
            (policy.FRONT_DESK_PATIENTS, "accounts.User"),
        ],
    )
    def test_filter_and_predicate_agree(self, world, rule, model):
        """For every role and every row, the QuerySet filter and the yes/no answer are one rule."""
        from django.apps import apps

        queryset = apps.get_model(model)._default_manager.all()
        people = [
            world["patient"],
            world["other_patient"],
            world["provider"].user,
            world["stranger"].user,
            world["staff"],
            AnonymousUser(),
        ]
        for person in people:
            reachable = set(rule.filter(queryset, person).values_list("pk", flat=True))
            for obj in queryset:
                assert rule.allows(person, obj) == (obj.pk in reachable), (rule.name, person, obj)

    @pytest.mark.parametrize(
        ("rule", "model"),
        [
            (policy.VISITS, "visits.Visit"),
            (policy.DOCUMENTABLE_VISITS, "visits.Visit"),
            (policy.SCHEDULES, "accounts.ProviderProfile"),
            (policy.CLINICAL_PATIENTS, "accounts.User"),
        ],
    )
    def test_the_annotation_and_the_predicate_agree(self, world, rule, model):
        """A row's annotation says what the yes/no answer says, for every role and every row."""
        from django.apps import apps

        queryset = apps.get_model(model)._default_manager.all()
        people = [
            world["patient"],
            world["provider"].user,
            world["stranger"].user,
            world["staff"],
            AnonymousUser(),
        ]
        for person in people:
            for obj in rule.annotate(queryset, person, "reachable"):
                assert obj.reachable == rule.allows(person, obj), (rule.name, person, obj)

    def test_a_forgotten_role_reaches_nothing(self, world):
        """A user with no role the rules know (an admin account) reaches no patient's data."""
        admin = UserFactory(role="", is_staff=True)
        assert not policy.can_view_visit(admin, world["visit"])
        assert not policy.can_view_clinical(admin, world["patient"])
        assert policy.intake_access(admin, world["patient"]) is None
        assert not policy.VISITS.filter(Visit.objects.all(), admin).exists()

    def test_treating_clinicians_and_bookable_patients(self, world):
        """A clinician treats and may book only patients with visits with them; staff book anyone."""
        patient, provider = world["patient"], world["provider"]
        assert policy.treats(provider.user, patient)
        assert not policy.treats(world["stranger"].user, patient)
        assert not policy.treats(world["staff"], patient)
        assert list(policy.bookable_patients(provider.user, provider)) == [patient]
        assert not policy.bookable_patients(provider.user, world["stranger"]).exists()
        assert set(policy.bookable_patients(world["staff"], provider)) == {
            patient,
            world["other_patient"],
        }
        assert not policy.bookable_patients(patient, provider).exists()

    def test_schedules(self, world):
        """Staff manage every schedule; clinicians only their own; patients none."""
        assert policy.can_manage_schedule(world["staff"], world["provider"])
        assert policy.can_manage_schedule(world["provider"].user, world["provider"])
        assert not policy.can_manage_schedule(world["stranger"].user, world["provider"])
        assert not policy.can_manage_schedule(world["patient"], world["provider"])

    def test_visits(self, world):
        """The patient, their clinician and staff see a visit; another patient or clinician does not."""
        visit = world["visit"]
        assert policy.can_view_visit(world["patient"], visit)
        assert policy.can_view_visit(world["provider"].user, visit)
        assert policy.can_view_visit(world["staff"], visit)
        assert not policy.can_view_visit(world["other_patient"], visit)
        assert not policy.can_view_visit(world["stranger"].user, visit)
        assert not policy.can_view_visit(AnonymousUser(), visit)

    def test_clinical_data_is_never_for_staff(self, world):
        """Answers and records: the patient and treating clinicians only (minimum necessary)."""
        patient = world["patient"]
        assert policy.can_view_clinical(patient, patient)
        assert policy.can_view_clinical(world["provider"].user, patient)
        assert not policy.can_view_clinical(world["staff"], patient)
        assert not policy.can_view_clinical(world["stranger"].user, patient)
        assert not policy.can_view_clinical(world["other_patient"], patient)

    def test_intake_access_levels(self, world):
        """Full intake for the patient and treating clinicians, the front-desk part for staff."""
        patient = world["patient"]
        assert policy.intake_access(patient, patient) == policy.IntakeAccess.FULL
        assert policy.intake_access(world["provider"].user, patient) == policy.IntakeAccess.FULL
        assert policy.intake_access(world["staff"], patient) == policy.IntakeAccess.FRONT_DESK
        assert policy.intake_access(world["stranger"].user, patient) is None
        assert policy.intake_access(world["other_patient"], patient) is None
