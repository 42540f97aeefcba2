"""The admin: visit types are edited there; questionnaires and the audit log are read-only."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Role
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import ScheduleExceptionFactory, VisitFactory
from visits.audit import AuditEvent
from visits.scheduling.models import ScheduleException, VisitType

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


class TestAdminReadsAreAudited:
    """Every patient's record an admin page shows is in that patient's access log."""

    def events(self, patient, what: str) -> list[tuple[str, str]]:
        return list(
            AuditEvent.objects.filter(patient=patient, what=what).values_list("action", "object_id")
        )

    def test_each_patient_in_a_list_is_logged_once(self, admin_client):
        """The patient profiles list logs one view per patient shown, and nobody else's."""
        shown = [PatientProfileFactory() for _ in range(3)]
        response = admin_client.get(reverse("admin:accounts_patientprofile_changelist"))
        assert response.status_code == 200
        for profile in shown:
            assert self.events(profile.user, "details") == [("view", str(profile.pk))]
        assert AuditEvent.objects.count() == len(shown)

    def test_a_search_logs_only_the_patients_it_shows(self, admin_client):
        """Patients left out by the search are not in the log."""
        found = PatientProfileFactory(legal_last_name="Okonkwo")
        missed = PatientProfileFactory(legal_last_name="Lindqvist")
        admin_client.get(reverse("admin:accounts_patientprofile_changelist"), {"q": "Okonkwo"})
        assert self.events(found.user, "details") == [("view", str(found.pk))]
        assert self.events(missed.user, "details") == []

    def test_opening_and_changing_a_profile_is_logged(self, admin_client):
        """Opening a patient's details logs a view; saving them logs a change."""
        profile = PatientProfileFactory()
        url = reverse("admin:accounts_patientprofile_change", args=[profile.pk])
        response = admin_client.get(url)
        assert response.status_code == 200
        assert self.events(profile.user, "details") == [("view", str(profile.pk))]
        form = response.context["adminform"].form
        data = {
            name: field.widget.format_value(form.initial.get(name)) or ""
            for name, field in form.fields.items()
        }
        data["preferred_name"] = "Sam"
        response = admin_client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert ("update", str(profile.pk)) in self.events(profile.user, "details")

    def test_visits_and_patient_accounts_are_logged_but_staff_accounts_are_not(self, admin_client):
        """The visits list logs each visit's patient; the users list logs patients only."""
        visit = VisitFactory()
        admin_client.get(reverse("admin:visits_visit_changelist"))
        admin_client.get(reverse("admin:visits_visit_change", args=[visit.pk]))
        assert self.events(visit.patient, "visit") == [("view", str(visit.pk))] * 2
        admin_client.get(reverse("admin:accounts_user_changelist"))
        assert self.events(visit.patient, "account") == [("view", str(visit.patient.pk))]
        assert not AuditEvent.objects.filter(what="account").exclude(patient=visit.patient)

    def test_the_patient_sees_the_admin_read_in_their_access_log(self, admin_client, client):
        """The read shows up on the patient's own "Who opened your record" page."""
        profile = PatientProfileFactory()
        admin_client.get(reverse("admin:accounts_patientprofile_change", args=[profile.pk]))
        admin_client.logout()
        client.force_login(profile.user)
        page = client.get(reverse("access_log")).content.decode()
        assert "Viewed your details" in page


def test_extra_hours_without_times_are_refused_with_a_message(admin_client):
    """Extra hours need times: the admin says so and saves nothing; the database refuses them too."""
    provider = ProviderProfileFactory()
    response = admin_client.post(
        reverse("admin:visits_scheduleexception_add"),
        {
            "provider": provider.pk,
            "kind": ScheduleException.Kind.EXTRA_HOURS,
            "start_date": "2027-02-01",
            "end_date": "2027-02-01",
            "note": "Saturday clinic",
        },
    )
    assert response.status_code == 200
    assert "Extra hours need a start and an end time." in response.content.decode()
    assert 'value="Saturday clinic"' in response.content.decode()
    assert not ScheduleException.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduleExceptionFactory(provider=provider, kind=ScheduleException.Kind.EXTRA_HOURS)
