"""Nothing typed is lost: every form posted after the session ran out comes back after sign-in."""

import re
import uuid
from html import escape

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from accounts import policy
from accounts.models import Role
from accounts.sessions import PENDING_FORM_KEY
from tests.accounts.factories import PASSWORD
from tests.accounts.test_middleware import age_session

pytestmark = pytest.mark.django_db

MARKER = "Kept <after> timeout & sign-in"


def own_routes(patterns=None, prefix=""):
    """(route pattern, view) for every Housecall view in the URL configuration."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from own_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            rule = getattr(pattern.callback, policy.RULE_ATTRIBUTE, None)
            if isinstance(rule, frozenset):
                yield pattern, prefix, pattern.callback, rule


def sample_path(pattern: URLPattern, prefix: str) -> str:
    """A concrete path for the pattern: the kept form is shown before the view looks anything up."""
    samples = {IntConverter: "1", UUIDConverter: str(uuid.uuid4())}

    def sample(match: re.Match) -> str:
        converter = pattern.pattern.converters[match.group(1)]
        return samples.get(type(converter), "sample")

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", sample, prefix + str(pattern.pattern))


ROLE_FIXTURE = {Role.PATIENT: "patient", Role.CLINICIAN: "clinician", Role.STAFF: "scheduler"}


class TestEveryFormComesBack:
    def test_every_post_view_gets_its_form_back_after_sign_in(self, request):
        """Walk every view with a rule: post after a timeout, sign in, find every value kept."""
        walked = []
        for pattern, prefix, view, roles in own_routes():
            role = sorted(roles)[0]
            user = request.getfixturevalue(ROLE_FIXTURE[role])
            client = Client()
            client.force_login(user)
            age_session(client, idle_minutes=90)
            path = sample_path(pattern, prefix)
            posted = client.post(path, {"note": MARKER, "choice": ["a", "b"]})
            assert posted.status_code == 302, path
            assert posted["Location"].startswith(reverse("account_login")), path
            client.force_login(user)
            page = client.get(path)
            body = page.content.decode()
            if getattr(view, "restores_pending_form", False):
                continue  # checked by its own tests: it fills its own form
            assert page.status_code == 200, path
            assert f'action="{path}"' in body, path
            assert f'name="note" value="{escape(MARKER)}"' in body, path
            assert 'name="choice" value="a"' in body, path
            assert 'name="choice" value="b"' in body, path
            assert PENDING_FORM_KEY not in client.session, path
            walked.append(path)
        assert len(walked) > 20

    def test_the_kept_form_is_shown_once(self, patient_client, patient):
        """After it is offered once, the page is itself again."""
        path = reverse("symptom_start")
        age_session(patient_client, idle_minutes=45)
        patient_client.post(path, {"note": MARKER})
        patient_client.force_login(patient)
        assert "send what you were saving" in patient_client.get(path).content.decode()
        assert "send what you were saving" not in patient_client.get(path).content.decode()

    def test_another_person_never_sees_it(self, patient_client, patient):
        """If someone else signs in on that browser, the kept form is thrown away unseen."""
        from tests.accounts.factories import PatientProfileFactory

        path = reverse("symptom_start")
        age_session(patient_client, idle_minutes=45)
        patient_client.post(path, {"note": MARKER})
        other = PatientProfileFactory().user
        patient_client.post(reverse("account_login"), {"login": other.email, "password": PASSWORD})
        body = patient_client.get(path).content.decode()
        assert escape(MARKER) not in body
        assert PENDING_FORM_KEY not in patient_client.session

    def test_a_post_without_a_valid_csrf_token_is_not_kept(self, patient):
        """A foreign page cannot plant values that come back prefilled after the next sign-in."""
        client = Client(enforce_csrf_checks=True)
        client.force_login(patient)
        age_session(client, idle_minutes=45)
        response = client.post(reverse("profile_edit"), {"legal_first_name": "Planted"})
        assert response.status_code == 302
        client.force_login(patient)
        assert PENDING_FORM_KEY not in client.session
        assert "Planted" not in client.get(reverse("profile_edit")).content.decode()

    def test_a_post_with_its_csrf_token_is_kept(self, patient):
        """The person's own form, with its token, is kept as before."""
        client = Client(enforce_csrf_checks=True)
        client.force_login(patient)
        client.get(reverse("profile_edit"))
        token = client.cookies["csrftoken"].value
        age_session(client, idle_minutes=45)
        client.post(
            reverse("profile_edit"),
            {"legal_first_name": "Mine", "csrfmiddlewaretoken": token},
        )
        client.force_login(patient)
        assert 'value="Mine"' in client.get(reverse("profile_edit")).content.decode()


class TestSendingItAgain:
    def test_a_questionnaire_sent_without_javascript_is_submitted_after_sign_in(
        self, patient_client, patient
    ):
        """Every answer comes back and, sent again, is scored as if nothing had happened."""
        from visits.questionnaires.models import QuestionnaireResponse

        path = reverse("questionnaire_answer", args=["phq-9"])
        answers = {f"phq9_{n}": "1" for n in range(1, 10)}
        answers["phq9_9"] = "0"
        age_session(patient_client, idle_minutes=45)
        patient_client.post(path, answers)
        assert not QuestionnaireResponse.objects.filter(submitted_at__isnull=False).exists()
        patient_client.post(
            reverse("account_login"), {"login": patient.email, "password": PASSWORD}
        )
        page = patient_client.get(path).content.decode()
        kept = dict(re.findall(r'<input type="hidden" name="(phq9_\d)" value="(\d)">', page))
        assert kept == answers
        sent = patient_client.post(path, kept, follow=True)
        response = QuestionnaireResponse.objects.get(patient=patient, submitted_at__isnull=False)
        assert response.total == 8
        assert "8" in sent.content.decode()
