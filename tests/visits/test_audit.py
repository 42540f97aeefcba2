"""The audit log: one event per patient shown per page view, in one insert, and the admin's pages."""

import datetime
import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django_tasks_db.models import DBTaskResult

from accounts.models import Role
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.questionnaires.factories import raise_alert, therapy_visit
from tests.visits.scheduling.views.staff import at, next_monday, url, visit_at
from visits.audit import AuditEvent, audit_page, audit_read
from visits.scheduling.models import VisitType

pytestmark = pytest.mark.django_db


def audit_inserts(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if re.match(r'\s*INSERT INTO "?visits_auditevent', query["sql"])
    ]


def request_for(user, path: str = "/clinician/"):
    request = RequestFactory().get(path)
    request.user = user
    request.resolver_match = resolve(path)
    return request


class TestOneEventPerPatientShown:
    def test_rows_of_one_patient_are_one_event(self, clinician):
        """Five records of one patient and two of another are two events, in one insert."""
        first, second = PatientProfileFactory().user, PatientProfileFactory().user
        records = [(first.pk, n) for n in range(5)] + [(second.pk, 10), (second.pk, 11)]
        with CaptureQueriesContext(connection) as queries:
            audit_read(request_for(clinician), what="visit", records=records)
        assert len(audit_inserts(queries)) == 1
        assert len(queries.captured_queries) == 1
        events = {event.patient_id: event for event in AuditEvent.objects.all()}
        assert set(events) == {first.pk, second.pk}
        assert events[first.pk].object_id == "0,1,2,3,4"
        assert (events[first.pk].count, events[second.pk].count) == (5, 2)
        assert events[first.pk].page == "clinician_dashboard"
        assert events[first.pk].actor == clinician

    def test_a_page_showing_several_kinds_still_writes_one_event_per_patient(self, clinician):
        """Visits and an alert of the same patient on one page are one event naming both."""
        patient = PatientProfileFactory().user
        audit_page(
            request_for(clinician),
            {"visit": [(patient.pk, "v1")], "safety alert": [(patient.pk, 7)]},
        )
        (event,) = AuditEvent.objects.all()
        assert (event.what, event.object_id, event.count) == ("visit, safety alert", "v1,7", 2)
        assert event.summary == ("Viewed your visit and safety alert on the clinician's dashboard")

    def test_a_patients_own_reads_are_not_events(self, patient):
        """Reading one's own record writes nothing."""
        with CaptureQueriesContext(connection) as queries:
            audit_read(request_for(patient, "/patient/"), what="visit", records=[(patient.pk, 1)])
        assert queries.captured_queries == []
        assert not AuditEvent.objects.exists()

    def test_many_ids_are_cut_short_and_counted(self, clinician):
        """A page with hundreds of one patient's rows keeps a bounded list of ids and the count."""
        patient = PatientProfileFactory().user
        records = [(patient.pk, f"{n:036d}") for n in range(300)]
        audit_read(request_for(clinician), what="visit", records=records)
        (event,) = AuditEvent.objects.all()
        assert event.count == 300
        assert len(event.object_id) <= 255
        assert event.object_id.endswith(",…")

    @pytest.mark.parametrize("rows", [1, 30])
    def test_the_calendar_writes_one_event_in_one_insert_whatever_the_rows(
        self, scheduler_client, clinician, rows
    ):
        """A week of 1 or 30 visits of one patient: one event, one INSERT, the same query count."""
        provider = clinician.provider_profile
        follow_up = VisitType.objects.get(slug="follow-up")
        patient = PatientProfileFactory().user
        for n in range(rows):
            day = next_monday() + datetime.timedelta(days=n // 5)
            visit_at(provider, patient, follow_up, at(day, 8 + n % 5))
        page = url("scheduling:schedule_calendar", provider) + f"?week={next_monday()}"
        with CaptureQueriesContext(connection) as queries:
            assert scheduler_client.get(page).status_code == 200
        assert len(audit_inserts(queries)) == 1
        (event,) = AuditEvent.objects.all()
        assert (event.patient, event.count, event.what) == (patient, rows, "visit")
        assert event.page == "scheduling:schedule_calendar"
        TestOneEventPerPatientShown.queries_by_rows[rows] = len(queries.captured_queries)
        if len(TestOneEventPerPatientShown.queries_by_rows) == 2:
            assert len(set(TestOneEventPerPatientShown.queries_by_rows.values())) == 1

    queries_by_rows: dict[int, int] = {}


class TestTheAccessLogReads:
    def test_the_patient_reads_what_was_seen_and_where(self, patient_client, patient, scheduler):
        """ "Viewed 21 of your visits on the clinic's calendar", in the patient's log."""
        AuditEvent.objects.create(
            actor=scheduler,
            patient=patient,
            action="view",
            what="visit",
            count=21,
            page="scheduling:schedule_calendar",
        )
        AuditEvent.objects.create(
            actor=scheduler, patient=patient, action="view", what="details", page="admin:x"
        )
        content = patient_client.get(reverse("access_log")).content.decode()
        assert "Viewed 21 of your visits on the clinic&#x27;s calendar" in content
        assert "Viewed your details in the clinic&#x27;s administration pages" in content


@pytest.fixture
def therapist(db):
    provider = ProviderProfileFactory(kind="therapist", states=["TX"])
    enrol_totp(provider.user)
    return provider


class TestClinicianDashboard:
    def test_safety_alerts_on_the_dashboard_are_audited(self, client, patient, therapist):
        """An open alert shown on the dashboard is in the patient's log, once per view."""
        alert = raise_alert(patient, therapy_visit(patient, therapist))
        client.force_login(therapist.user)
        content = client.get(reverse("clinician_dashboard")).content.decode()
        assert patient.patient_profile.legal_first_name in content
        (event,) = AuditEvent.objects.filter(patient=patient, action="view")
        assert "safety alert" in event.what
        assert str(alert.pk) in event.object_id.split(",")
        assert event.page == "clinician_dashboard"


@pytest.fixture
def admin_user(db):
    admin = UserFactory(role=Role.STAFF, is_staff=True, is_superuser=True)
    enrol_totp(admin)
    return admin


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def viewed(patient, page: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(patient=patient, action="view", page=page))


class TestAdminPagesAreAudited:
    def test_a_patients_history_page(self, admin_client):
        """The history of a patient's account and details is in their log."""
        profile = PatientProfileFactory()
        user_history = reverse("admin:accounts_user_history", args=[profile.user.pk])
        profile_history = reverse("admin:accounts_patientprofile_history", args=[profile.pk])
        assert admin_client.get(user_history).status_code == 200
        assert admin_client.get(profile_history).status_code == 200
        assert len(viewed(profile.user, "admin:accounts_user_history")) == 1
        assert len(viewed(profile.user, "admin:accounts_patientprofile_history")) == 1

    def test_a_patients_password_page(self, admin_client):
        """The password page names the account, so it is in the patient's log."""
        patient = PatientProfileFactory().user
        response = admin_client.get(reverse("admin:auth_user_password_change", args=[patient.pk]))
        assert response.status_code == 200
        assert len(viewed(patient, "admin:auth_user_password_change")) == 1

    def test_a_clinicians_pages_are_not_patient_events(self, admin_client):
        """Only patients' records are audited; a clinician's account is not a patient's record."""
        clinician = ProviderProfileFactory().user
        admin_client.get(reverse("admin:accounts_user_history", args=[clinician.pk]))
        admin_client.get(reverse("admin:accounts_user_delete", args=[clinician.pk]))
        assert not AuditEvent.objects.exists()

    def test_the_email_address_list_and_search(self, admin_client):
        """Each patient whose address the list shows is in their log; a search only the matches."""
        found = PatientProfileFactory().user
        missed = PatientProfileFactory().user
        assert found.emailaddress_set.exists()
        assert missed.emailaddress_set.exists()
        changelist = reverse("admin:account_emailaddress_changelist")
        assert admin_client.get(changelist, {"q": found.email}).status_code == 200
        assert len(viewed(found, "admin:account_emailaddress_changelist")) == 1
        assert viewed(missed, "admin:account_emailaddress_changelist") == []

    def test_the_audit_logs_own_list(self, admin_client, scheduler):
        """Reading the audit log shows whose records were opened: that is itself in their log."""
        patient = PatientProfileFactory().user
        for _ in range(3):
            AuditEvent.objects.create(actor=scheduler, patient=patient, action="view", what="visit")
        assert admin_client.get(reverse("admin:visits_auditevent_changelist")).status_code == 200
        (event,) = viewed(patient, "admin:visits_auditevent_changelist")
        assert (event.what, event.count) == ("access log", 3)

    def test_the_patient_profile_page_offers_no_other_users(self, admin_client):
        """The change page names only its own patient: no list of every account's email."""
        profile, other = PatientProfileFactory(), PatientProfileFactory()
        add = admin_client.get(reverse("admin:accounts_patientprofile_add")).content.decode()
        change = admin_client.get(
            reverse("admin:accounts_patientprofile_change", args=[profile.pk])
        ).content.decode()
        assert other.user.email not in add
        assert other.user.email not in change
        assert len(viewed(profile.user, "admin:accounts_patientprofile_change")) == 1

    def test_the_autocomplete_never_offers_patients(self, admin_client):
        """A provider profile's user is chosen among clinicians; the autocomplete offers no patient."""
        patient = PatientProfileFactory().user
        clinician = ProviderProfileFactory().user
        response = admin_client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "accounts",
                "model_name": "providerprofile",
                "field_name": "user",
                "term": "",
            },
        )
        assert patient.email not in response.content.decode()
        assert ProviderProfileFactory().user.email not in response.content.decode()
        form = admin_client.get(reverse("admin:accounts_providerprofile_add")).content.decode()
        assert clinician.email in form
        assert patient.email not in form

    def test_task_results_show_no_arguments_output_or_traceback(self, admin_client):
        """A failed email's traceback names its recipient: the task admin never shows it."""
        task = DBTaskResult.objects.create(
            task_path="accounts.tasks.send_email",
            args_kwargs={"args": [], "kwargs": {"sealed": "SEALED-ARGUMENT"}},
            traceback="SMTPRecipientsRefused: jordan.rivera@example.com",
            return_value="RETURNED-VALUE",
            backend_name="default",
        )
        content = admin_client.get(
            reverse("admin:django_tasks_database_dbtaskresult_change", args=[task.pk])
        ).content.decode()
        assert "send_email" in content
        for secret in ("SEALED-ARGUMENT", "jordan.rivera@example.com", "RETURNED-VALUE"):
            assert secret not in content

    def test_a_patients_authenticator_in_the_list(self, admin_client):
        """The authenticator list names each account: a patient's is in their log."""
        patient = PatientProfileFactory().user
        enrol_totp(patient)
        response = admin_client.get(reverse("admin:mfa_authenticator_changelist"))
        assert patient.email in response.content.decode()
        assert len(viewed(patient, "admin:mfa_authenticator_changelist")) == 1

    def test_the_admin_index_names_no_patient_changed(self, admin_client):
        """Recent actions would name a patient whose details were changed, unaudited: not shown."""
        profile = PatientProfileFactory(legal_first_name="Marisol", legal_last_name="Okafor")
        change = reverse("admin:accounts_patientprofile_change", args=[profile.pk])
        form = admin_client.get(change).context["adminform"].form
        data = {name: value for name, value in form.initial.items() if value is not None}
        data |= {
            "legal_first_name": "Marisol",
            "date_of_birth": "1990-05-17",
            "user": profile.user_id,
        }
        assert admin_client.post(change, data, follow=True).status_code == 200
        assert "Marisol" not in admin_client.get(reverse("admin:index")).content.decode()
        history = reverse("admin:accounts_patientprofile_history", args=[profile.pk])
        assert "Marisol Okafor" in admin_client.get(history).content.decode()
