"""The orders page, its forms and the printable prescription record: who may read and write,
what they see, and a fixed number of queries."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import PatientProfileFactory, UserFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.records.order_factories import (
    AMOXICILLIN,
    clinician_profile,
    placed_lab_order,
    visit_in_progress,
    written_prescription,
)
from visits.audit import AuditEvent
from visits.records.models import LabOrder, Prescription
from visits.scheduling.models import Visit

pytestmark = pytest.mark.django_db

REFUSAL = (
    "Oxycodone is a Schedule II controlled substance; "
    "Housecall cannot prescribe controlled substances."
)


@pytest.fixture
def visit():
    return visit_in_progress()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def own(visit) -> Client:
    """The visit's own clinician."""
    return signed_in(visit.provider.user)


@pytest.fixture
def colleague(visit) -> Client:
    """Another clinician who treats the same patient (a visit with them too)."""
    other = clinician_profile()
    visit_in_progress(provider=other, patient=visit.patient)
    return signed_in(other.user)


def orders_url(visit) -> str:
    return reverse("records:visit_orders", args=[visit.pk])


def form_data(**changes) -> dict:
    data = {key: value for key, value in AMOXICILLIN.items() if key != "substitution_allowed"}
    data["substitution_allowed"] = "on"
    return data | changes


def lab_data(**changes) -> dict:
    return {
        "loinc_code": "24331-1",
        "reason": "Cholesterol screening",
        "where_to_go": "Any Quest Diagnostics",
        "instructions": "",
    } | changes


class TestAccess:
    def test_the_visits_clinician_sees_the_page_with_both_forms(self, visit, own):
        response = own.get(orders_url(visit))
        body = response.content.decode()
        assert response.status_code == 200
        assert "Prescriptions and lab orders" in body
        assert "Jordan Rivera" in body
        assert f'action="{reverse("records:prescription_add", args=[visit.pk])}"' in body
        assert f'action="{reverse("records:lab_order_add", args=[visit.pk])}"' in body
        assert "not sent to pharmacies electronically" in body
        assert "Surescripts" in body

    def test_the_pharmacy_is_filled_in_from_the_intake_and_allergies_shown(self, visit, own):
        body = own.get(orders_url(visit)).content.decode()
        assert "CVS South Congress, 2 S Congress Ave, Austin, TX, (512) 555-0142" in body
        assert "Penicillin" in body

    def test_another_treating_clinician_reads_but_cannot_write(self, visit, colleague):
        prescription = written_prescription(visit)
        response = colleague.get(orders_url(visit))
        body = response.content.decode()
        assert response.status_code == 200
        assert "Amoxicillin" in body
        assert reverse("records:prescription_add", args=[visit.pk]) not in body
        assert "can prescribe or order tests from it" in body
        assert (
            colleague.post(
                reverse("records:prescription_add", args=[visit.pk]), form_data()
            ).status_code
            == 403
        )
        assert (
            colleague.post(
                reverse("records:lab_order_add", args=[visit.pk]), lab_data()
            ).status_code
            == 403
        )
        stop = reverse("records:prescription_stop", args=[prescription.pk])
        assert colleague.post(stop, {f"stop-{prescription.pk}-reason": "x"}).status_code == 403
        complete = reverse("records:prescription_complete", args=[prescription.pk])
        assert colleague.post(complete).status_code == 403
        assert Prescription.objects.count() == 1
        assert not LabOrder.objects.exists()
        prescription.refresh_from_db()
        assert prescription.status == Prescription.Status.ACTIVE
        print_url = reverse("records:prescription_print", args=[prescription.pk])
        assert colleague.get(print_url).status_code == 200

    def test_a_clinician_who_does_not_treat_the_patient_finds_nothing(self, visit):
        prescription = written_prescription(visit)
        stranger = signed_in(clinician_profile().user)
        for url in [
            orders_url(visit),
            reverse("records:prescription_print", args=[prescription.pk]),
        ]:
            response = stranger.get(url)
            assert response.status_code == 404
            assert "Amoxicillin" not in response.content.decode()
        assert (
            stranger.post(reverse("records:prescription_add", args=[visit.pk]), form_data())
        ).status_code == 404
        assert (
            stranger.post(reverse("records:prescription_complete", args=[prescription.pk]))
        ).status_code == 404
        assert not AuditEvent.objects.exists()

    def test_patients_and_staff_are_refused(self, visit):
        prescription = written_prescription(visit)
        staff = UserFactory(role="staff")
        enrol_totp(staff)
        for user in [visit.patient, PatientProfileFactory().user, staff]:
            client = signed_in(user)
            for url in [
                orders_url(visit),
                reverse("records:prescription_print", args=[prescription.pk]),
            ]:
                assert client.get(url).status_code == 403, (user.role, url)
            post = client.post(reverse("records:prescription_add", args=[visit.pk]), form_data())
            assert post.status_code == 403
        assert Prescription.objects.count() == 1

    def test_signed_out_people_are_sent_to_sign_in(self, visit):
        response = Client().get(orders_url(visit))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    def test_reading_the_page_is_audited_once_for_the_patient(self, visit, own):
        prescription = written_prescription(visit)
        order = placed_lab_order(visit)
        own.get(orders_url(visit))
        event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
        assert event.patient == visit.patient
        assert event.page == "records:visit_orders"
        assert "prescription" in event.what
        assert "lab order" in event.what
        assert str(prescription.pk) in event.object_id.split(",")
        assert str(order.pk) in event.object_id.split(",")
        assert "on the visit's prescriptions and lab orders page" in event.summary


class TestPrescribing:
    def test_a_prescription_is_written_and_the_page_shows_it(self, visit, own):
        url = reverse("records:prescription_add", args=[visit.pk])
        response = own.post(url, form_data())
        assert response.status_code == 302
        assert response["Location"] == orders_url(visit)
        prescription = Prescription.objects.get()
        assert prescription.prescriber == visit.provider.user
        assert prescription.substitution_allowed is True
        page = own.get(orders_url(visit)).content.decode()
        assert "Prescribed Amoxicillin 500 mg." in page
        assert "Take 1 capsule by mouth 3 times daily for 10 days" in page

    def test_htmx_success_redirects_the_client(self, visit, own):
        url = reverse("records:prescription_add", args=[visit.pk])
        response = own.post(url, form_data(), headers={"HX-Request": "true"})
        assert response["HX-Redirect"] == orders_url(visit)

    def test_no_substitution_when_the_box_is_cleared(self, visit, own):
        data = form_data()
        del data["substitution_allowed"]
        own.post(reverse("records:prescription_add", args=[visit.pk]), data)
        assert Prescription.objects.get().substitution_allowed is False

    def test_oxycodone_is_refused_next_to_the_medication_with_everything_kept(self, visit, own):
        url = reverse("records:prescription_add", args=[visit.pk])
        response = own.post(url, form_data(medication="Oxycodone", strength="5 mg"))
        body = response.content.decode()
        assert response.status_code == 200
        assert REFUSAL in body
        assert 'id="id_medication_error"' in body
        assert 'aria-describedby="id_medication_helptext id_medication_error"' in body
        assert 'value="Oxycodone"' in body
        assert 'value="5 mg"' in body
        assert "Take 1 capsule by mouth 3 times daily" in body
        assert not Prescription.objects.exists()

    def test_htmx_gets_only_the_form_back_with_the_refusal(self, visit, own):
        url = reverse("records:prescription_add", args=[visit.pk])
        response = own.post(
            url, form_data(medication="Adderall XR 20mg"), headers={"HX-Request": "true"}
        )
        body = response.content.decode()
        assert body.lstrip().startswith('<section id="prescription-form"')
        assert "Adderall (amphetamine) is a Schedule II controlled substance" in body

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"quantity": "0"}, "Enter a quantity of at least 1."),
            ({"quantity": "ten"}, "Enter the quantity as a whole number."),
            ({"refills": "12"}, "Refills must be a whole number from 0 to 11."),
            ({"medication": ""}, "Enter the medication."),
            ({"form": ""}, "Choose the form."),
            ({"directions": ""}, "Enter the directions"),
        ],
    )
    def test_bad_values_are_explained_next_to_their_field(self, visit, own, changes, message):
        response = own.post(
            reverse("records:prescription_add", args=[visit.pk]), form_data(**changes)
        )
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Prescription.objects.exists()

    def test_a_visit_not_yet_started_shows_no_form_and_refuses_a_post(self, own):
        booked = visit_in_progress(status=Visit.Status.BOOKED)
        client = signed_in(booked.provider.user)
        page = client.get(orders_url(booked)).content.decode()
        assert "written once the visit has started" in page
        assert reverse("records:prescription_add", args=[booked.pk]) not in page
        client.post(reverse("records:prescription_add", args=[booked.pk]), form_data())
        assert not Prescription.objects.exists()


class TestLabOrders:
    def test_a_lipid_panel_is_ordered_and_shown_with_its_code(self, visit, own):
        response = own.post(reverse("records:lab_order_add", args=[visit.pk]), lab_data())
        assert response.status_code == 302
        order = LabOrder.objects.get()
        assert (order.test_name, order.loinc_code) == ("Lipid panel", "24331-1")
        page = own.get(orders_url(visit)).content.decode()
        assert "Ordered Lipid panel." in page
        assert "LOINC 24331-1" in page
        assert order.number in page
        assert "Fast for 9 to 12 hours" in page

    def test_missing_values_are_explained_with_the_rest_kept(self, visit, own):
        response = own.post(
            reverse("records:lab_order_add", args=[visit.pk]),
            lab_data(reason="", where_to_go="Labcorp on Main St"),
        )
        body = response.content.decode()
        assert "Say why the test is needed." in body
        assert 'value="Labcorp on Main St"' in body
        assert '<option value="24331-1" selected>' in body
        assert not LabOrder.objects.exists()

    def test_a_test_not_on_the_list_is_refused(self, visit, own):
        response = own.post(
            reverse("records:lab_order_add", args=[visit.pk]), lab_data(loinc_code="1234-5")
        )
        assert "Choose a test from the list." in response.content.decode()
        assert not LabOrder.objects.exists()


class TestStatusChanges:
    def test_stopping_without_a_reason_says_so_next_to_the_field(self, visit, own):
        prescription = written_prescription(visit)
        url = reverse("records:prescription_stop", args=[prescription.pk])
        response = own.post(url, {f"stop-{prescription.pk}-reason": ""})
        body = response.content.decode()
        assert response.status_code == 200
        assert "Say why the prescription is stopped." in body
        assert f'id="id_stop-{prescription.pk}-reason_error"' in body
        prescription.refresh_from_db()
        assert prescription.status == Prescription.Status.ACTIVE

    def test_stopping_with_a_reason_shows_who_and_why(self, visit, own):
        prescription = written_prescription(visit)
        url = reverse("records:prescription_stop", args=[prescription.pk])
        response = own.post(url, {f"stop-{prescription.pk}-reason": "Rash on day 2"})
        assert response.status_code == 302
        page = own.get(orders_url(visit)).content.decode()
        assert "Amoxicillin stopped." in page
        assert "Reason: Rash on day 2" in page
        assert visit.provider.user.display_name in page

    def test_completing_moves_it_to_completed(self, visit, own):
        prescription = written_prescription(visit)
        own.post(reverse("records:prescription_complete", args=[prescription.pk]))
        prescription.refresh_from_db()
        assert prescription.status == Prescription.Status.COMPLETED
        own.post(reverse("records:prescription_complete", args=[prescription.pk]))
        page = own.get(orders_url(visit)).content.decode()
        assert "This prescription is already completed." in page


class TestTimes:
    INSTANT = datetime.datetime(2027, 12, 2, 6, 30, tzinfo=datetime.UTC)

    @pytest.mark.parametrize(
        ("zone", "shown"),
        [
            ("America/Los_Angeles", "Dec 1, 2027, 10:30 PM (Pacific time)"),
            ("America/New_York", "Dec 2, 2027, 1:30 AM (Eastern time)"),
        ],
    )
    def test_status_changes_show_in_the_viewers_zone_named(self, zone, shown):
        """The same instant reads on its own day for a clinician either side of midnight."""
        visit = visit_in_progress(provider=clinician_profile(time_zone=zone))
        written_prescription(
            visit,
            status=Prescription.Status.STOPPED,
            stop_reason="Rash",
            status_changed_at=self.INSTANT,
            status_changed_by=visit.provider.user,
        )
        body = signed_in(visit.provider.user).get(orders_url(visit)).content.decode()
        assert shown in body


class TestStoppedTwice:
    def test_stopping_a_stopped_prescription_says_so(self, visit, own):
        prescription = written_prescription(visit)
        url = reverse("records:prescription_stop", args=[prescription.pk])
        own.post(url, {f"stop-{prescription.pk}-reason": "Rash"})
        response = own.post(url, {f"stop-{prescription.pk}-reason": "Again"}, follow=True)
        body = response.content.decode()
        assert "This prescription is already stopped." in body
        prescription.refresh_from_db()
        assert prescription.stop_reason == "Rash"


class TestPrint:
    def test_the_record_shows_prescriber_patient_date_and_what_to_dispense(self, visit, own):
        prescription = written_prescription(visit, refills=2, substitution_allowed=False)
        response = own.get(reverse("records:prescription_print", args=[prescription.pk]))
        body = response.content.decode()
        assert response.status_code == 200
        for text in [
            "Prescription record",
            str(visit.provider),
            "Jordan Rivera",
            "May 17, 1990",
            prescription.created_at.strftime("%B"),
            "Amoxicillin 500 mg",
            "Take 1 capsule by mouth 3 times daily for 10 days",
            "30 capsules",
            "Not allowed: dispense as written",
            "css/orders.css",
            "Surescripts",
        ]:
            assert text in body, text
        event = AuditEvent.objects.get(page="records:prescription_print")
        assert (event.patient, event.what) == (visit.patient, "prescription")


class TestQueryCount:
    @pytest.mark.parametrize("rows", [10, 500])
    def test_the_page_costs_the_same_whatever_the_number_of_orders(
        self, visit, own, rows, django_assert_max_num_queries
    ):
        """Pinned at 10 and at 500 prescriptions and lab orders, and as many active ones from
        other visits."""
        other_visit = visit_in_progress(provider=visit.provider, patient=visit.patient)
        base = {
            "visit": visit,
            "patient": visit.patient,
            "prescriber": visit.provider.user,
        } | AMOXICILLIN
        Prescription.objects.bulk_create(Prescription(**base) for _ in range(rows))
        Prescription.objects.bulk_create(
            Prescription(**(base | {"visit": other_visit})) for _ in range(rows)
        )
        LabOrder.objects.bulk_create(
            LabOrder(
                visit=visit,
                patient=visit.patient,
                ordering_clinician=visit.provider.user,
                test_name="Lipid panel",
                loinc_code="24331-1",
                number=f"HCT{n:08d}",
            )
            for n in range(rows)
        )
        with django_assert_max_num_queries(QUERIES):
            response = own.get(orders_url(visit))
        assert response.status_code == 200
        assert response.content.decode().count("Printable record") == rows


# Session, user, MFA, the visit (with whether the viewer writes its orders), its prescriptions
# with the patient's active ones from other visits, lab orders, intake, the audit insert (in a
# savepoint) and the session's save.
QUERIES = 11
