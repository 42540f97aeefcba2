"""The admin: visit types are edited there; questionnaires and the audit log are read-only."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.accounts.factories import UserFactory
from tests.accounts.fixtures import enrol_totp
from visits.scheduling.models import VisitType

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(role=Role.STAFF, is_staff=True, is_superuser=True)
    enrol_totp(admin)
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "name",
    [
        "admin:visits_visittype_changelist",
        "admin:visits_questionnaire_changelist",
        "admin:visits_auditevent_changelist",
        "admin:visits_visit_changelist",
        "admin:visits_safetyalert_changelist",
        "admin:visits_weeklyhours_changelist",
        "admin:visits_scheduleexception_changelist",
    ],
)
def test_admin_lists_open(admin_client, name):
    """Each admin list opens for an administrator with MFA."""
    assert admin_client.get(reverse(name)).status_code == 200


def test_visit_types_are_editable_data(admin_client):
    """The clinic changes a visit type's rules in the admin."""
    therapy = VisitType.objects.get(slug="therapy")
    response = admin_client.get(reverse("admin:visits_visittype_change", args=[therapy.pk]))
    assert 'name="cancellation_window_hours"' in response.content.decode()


def test_questionnaires_and_audit_log_cannot_be_changed(admin_client):
    """Questionnaire versions come from files and the audit log is append-only."""
    assert admin_client.get(reverse("admin:visits_questionnaire_add")).status_code == 403
    assert admin_client.get(reverse("admin:visits_auditevent_add")).status_code == 403
