"""The admin: visit types are edited there; questionnaires and the audit log are read-only."""

import datetime
import json

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Role
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.factories import ScheduleExceptionFactory, VisitFactory
from visits.audit import AuditEvent
from visits.scheduling.models import ScheduleException, Visit, VisitType, WeeklyHours

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


def test_extra_hours_without_times_are_refused_by_the_database(admin_client):
    """Hours are changed in the schedule editor, not the admin; the database refuses bad ones too."""
    provider = ProviderProfileFactory()
    response = admin_client.post(
        reverse("admin:visits_scheduleexception_add"),
        {"provider": provider.pk, "kind": ScheduleException.Kind.EXTRA_HOURS},
    )
    assert response.status_code == 403
    assert not ScheduleException.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduleExceptionFactory(provider=provider, kind=ScheduleException.Kind.EXTRA_HOURS)


class TestNothingClinicalIsDestroyed:
    def test_visits_cannot_be_deleted_or_edited_one_by_one(self, admin_client):
        """A visit's delete page is refused, and its change page shows it read-only."""
        visit = VisitFactory()
        delete = admin_client.post(
            reverse("admin:visits_visit_delete", args=[visit.pk]), {"post": "yes"}
        )
        assert delete.status_code == 403
        assert Visit.objects.filter(pk=visit.pk).exists()
        change = admin_client.get(reverse("admin:visits_visit_change", args=[visit.pk]))
        assert 'name="status"' not in change.content.decode()

    def test_visits_cannot_be_deleted_in_bulk(self, admin_client):
        """The list offers no "delete selected" action, and posting it deletes nothing."""
        visit = VisitFactory()
        listing = admin_client.get(reverse("admin:visits_visit_changelist")).content.decode()
        assert "delete_selected" not in listing
        admin_client.post(
            reverse("admin:visits_visit_changelist"),
            {"action": "delete_selected", "_selected_action": [visit.pk], "post": "yes"},
        )
        assert Visit.objects.filter(pk=visit.pk).exists()

    def test_hours_are_read_here_and_changed_in_the_editor(self, admin_client):
        """Weekly hours in the admin link to the schedule editor and cannot be changed there."""
        provider = ProviderProfileFactory()
        hours = WeeklyHours.objects.create(
            provider=provider, weekday=0, start_time=datetime.time(9), end_time=datetime.time(12)
        )
        listing = admin_client.get(reverse("admin:visits_weeklyhours_changelist")).content.decode()
        assert reverse("scheduling:schedule_edit", args=[provider.pk]) in listing
        change = admin_client.post(
            reverse("admin:visits_weeklyhours_change", args=[hours.pk]),
            {"provider": provider.pk, "weekday": 0, "start_time": "08:00", "end_time": "13:00"},
        )
        assert change.status_code == 403
        hours.refresh_from_db()
        assert hours.start_time == datetime.time(9)


class TestVisitTypesAreChecked:
    def post(self, admin_client, visit_type, **changes):
        data = {
            "slug": visit_type.slug,
            "name": visit_type.name,
            "description": visit_type.description,
            "duration_minutes": visit_type.duration_minutes,
            "buffer_after_minutes": visit_type.buffer_after_minutes,
            "minimum_notice_minutes": visit_type.minimum_notice_minutes,
            "booking_horizon_days": visit_type.booking_horizon_days,
            "cancellation_window_hours": visit_type.cancellation_window_hours,
            "slot_interval_minutes": visit_type.slot_interval_minutes,
            "provider_kinds": json.dumps(visit_type.provider_kinds),
            "questionnaires": json.dumps(visit_type.questionnaires),
            "is_active": "on",
            "sort_order": visit_type.sort_order,
            **changes,
        }
        return admin_client.post(
            reverse("admin:visits_visittype_change", args=[visit_type.pk]), data
        )

    def test_a_missing_questionnaire_is_refused_with_the_choices(self, admin_client):
        """Naming a questionnaire that does not exist is refused, saying which ones do."""
        therapy = VisitType.objects.get(slug="therapy")
        response = self.post(admin_client, therapy, questionnaires='["phq-9", "phq-99"]')
        content = response.content.decode()
        assert response.status_code == 200
        assert "There is no questionnaire called phq-99" in content
        assert "gad-7" in content
        therapy.refresh_from_db()
        assert "phq-99" not in therapy.questionnaires

    def test_a_zero_duration_is_refused_in_words(self, admin_client):
        """A duration of 0 gets a message for staff, not a database constraint's name."""
        therapy = VisitType.objects.get(slug="therapy")
        response = self.post(admin_client, therapy, duration_minutes="0")
        content = response.content.decode()
        assert "The duration must be at least 1 minute" in content
        assert "visit_type_has_duration" not in content
        therapy.refresh_from_db()
        assert therapy.duration_minutes > 0

    def test_a_good_change_saves(self, admin_client):
        """A valid edit is saved as before."""
        therapy = VisitType.objects.get(slug="therapy")
        response = self.post(admin_client, therapy, cancellation_window_hours="48")
        assert response.status_code == 302
        therapy.refresh_from_db()
        assert therapy.cancellation_window_hours == 48


def test_patients_accounts_and_details_cannot_be_deleted(admin_client):
    """A patient's account and details are part of their record: no delete page, no bulk delete."""
    profile = PatientProfileFactory()
    assert (
        admin_client.get(reverse("admin:accounts_user_delete", args=[profile.user.pk])).status_code
        == 403
    )
    assert (
        admin_client.get(
            reverse("admin:accounts_patientprofile_delete", args=[profile.pk])
        ).status_code
        == 403
    )
    listing = admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "delete_selected" not in listing
