"""A clinician types a result from a lab's report: the flag is computed, the report is released
and checked for critical values like any other, and bad input is kept with a message."""

import pytest
from django.urls import reverse

from tests.accounts.factories import ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.results.release_fixtures import clinician_treating, scene
from visits.audit import AuditEvent
from visits.records.models import LabOrder
from visits.results.flags import Flag
from visits.results.models import CriticalResultAlert, LabReport, Observation

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    return scene()


def entry(order: LabOrder) -> str:
    return reverse("results:result_entry", args=[order.pk])


POTASSIUM = {
    "name": "Potassium",
    "loinc_code": "2823-3",
    "value": "6.8",
    "unit": "mmol/L",
    "reference_low": "3.5",
    "reference_high": "5.1",
    "critical_low": "2.5",
    "critical_high": "6.5",
    "status": "final",
    "collected_at": "2026-11-30T09:30",
}


class TestEntering:
    def test_the_form_starts_from_the_order(self, client, s):
        """The order's test and LOINC code are filled in; the page is audited."""
        client.force_login(s.clinician)
        content = client.get(entry(s.order)).content.decode()
        assert 'value="Basic metabolic panel"' in content
        assert 'value="51990-0"' in content
        assert '<label for="id_value">Result' in content
        assert "Hold from the patient for my review" in content
        assert AuditEvent.objects.filter(patient=s.patient, what="lab order").exists()

    def test_a_critical_result_is_recorded_flagged_released_and_alerted(
        self, client, s, django_capture_on_commit_callbacks
    ):
        """A manual report with its observation, flag computed, released, alert raised."""
        client.force_login(s.clinician)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(entry(s.order), POTASSIUM)
        report = LabReport.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("results:report_detail", args=[report.pk])
        assert report.source == LabReport.Source.MANUAL
        assert report.entered_by == s.clinician
        assert report.ordering_clinician == s.clinician
        assert report.order == s.order
        assert report.released_at is not None
        obs = Observation.objects.get()
        assert obs.flag == Flag.CRITICAL_HIGH
        assert str(obs.value.normalize()) == "6.8"
        assert CriticalResultAlert.objects.get().observation == obs
        s.order.refresh_from_db()
        assert s.order.status == LabOrder.Status.RESULTED
        assert AuditEvent.objects.filter(
            patient=s.patient, what="lab report", action=AuditEvent.Action.CREATE
        ).exists()

    def test_a_typed_flag_is_ignored(self, client, s):
        """Nobody types a flag: one sent with the form changes nothing."""
        client.force_login(s.clinician)
        client.post(entry(s.order), POTASSIUM | {"value": "4.0", "flag": "critical_high"})
        assert Observation.objects.get().flag == Flag.NORMAL

    def test_a_text_result(self, client, s):
        """A result in words is kept as words, with no flag."""
        client.force_login(s.clinician)
        data = {"name": "Strep A antigen", "value": "Negative", "status": "final"}
        client.post(entry(s.order), data)
        obs = Observation.objects.get()
        assert obs.value is None
        assert obs.value_text == "Negative"
        assert obs.flag == Flag.NONE

    def test_held_on_entry(self, client, s):
        """The ordering clinician can hold it as they enter it: not released, pending review."""
        client.force_login(s.clinician)
        client.post(entry(s.order), POTASSIUM | {"hold": "on", "hold_reason": "Call her first"})
        report = LabReport.objects.get()
        assert report.released_at is None
        assert report.hold_reason == "Call her first"
        assert report.release_by is not None

    def test_a_preliminary_result_is_not_released(self, client, s):
        """Preliminary: recorded, the order partly resulted, not released."""
        client.force_login(s.clinician)
        client.post(entry(s.order), POTASSIUM | {"status": "preliminary", "value": "4.0"})
        assert LabReport.objects.get().released_at is None
        s.order.refresh_from_db()
        assert s.order.status == LabOrder.Status.PARTIAL

    def test_from_a_visit(self, client, s):
        """From the clinician's own visit, without an order: they are the ordering clinician."""
        client.force_login(s.clinician)
        visit = s.order.visit
        url = reverse("results:visit_result_entry", args=[visit.pk])
        assert client.get(url).status_code == 200
        client.post(url, POTASSIUM)
        report = LabReport.objects.get()
        assert report.order is None
        assert report.ordering_clinician == s.clinician

    def test_another_treating_clinician_enters_for_the_order(self, client, s):
        """Another treating clinician may enter it (no hold offered); the alert goes to the
        ordering clinician."""
        other = clinician_treating(s.patient)
        client.force_login(other)
        assert "Hold from the patient" not in client.get(entry(s.order)).content.decode()
        client.post(entry(s.order), POTASSIUM | {"hold": "on", "hold_reason": "x"})
        report = LabReport.objects.get()
        assert report.entered_by == other
        assert report.held_at is None
        assert CriticalResultAlert.objects.get().clinician == s.clinician


class TestValidation:
    def test_errors_next_to_fields_and_input_kept(self, client, s):
        """Bad numbers and a missing value: messages by the fields, what was typed kept."""
        client.force_login(s.clinician)
        data = POTASSIUM | {"value": "", "reference_low": "lots", "loinc_code": "K+"}
        response = client.post(entry(s.order), data)
        content = response.content.decode()
        assert response.status_code == 200
        assert 'id="id_value_error"' in content
        assert "Enter the result." in content
        assert "Enter a number, such as 3.5." in content
        assert 'value="lots"' in content
        assert "A LOINC code is digits" in content
        assert 'value="K+"' in content
        assert 'aria-describedby="id_value_helptext id_value_error"' in content
        assert not LabReport.objects.exists()

    def test_range_the_wrong_way_round(self, client, s):
        """Low above high is refused by the high field."""
        client.force_login(s.clinician)
        response = client.post(entry(s.order), POTASSIUM | {"reference_high": "3.0"})
        assert "The high end of the range is below its low end." in response.content.decode()
        assert not LabReport.objects.exists()

    def test_a_range_needs_a_number(self, client, s):
        """Words with a range: asked for a number."""
        client.force_login(s.clinician)
        response = client.post(entry(s.order), POTASSIUM | {"value": "haemolysed"})
        assert "A range needs a number" in response.content.decode()

    def test_a_hold_needs_a_reason(self, client, s):
        """Hold ticked without a reason: refused by the reason field."""
        client.force_login(s.clinician)
        response = client.post(entry(s.order), POTASSIUM | {"hold": "on"})
        assert "Say why releasing it now could harm the patient." in response.content.decode()
        assert not LabReport.objects.exists()

    def test_htmx_renders_only_the_form(self, client, s):
        """With htmx, an invalid form comes back as the form alone."""
        client.force_login(s.clinician)
        response = client.post(
            entry(s.order), POTASSIUM | {"value": ""}, headers={"HX-Request": "true"}
        )
        assert response.content.decode().lstrip().startswith('<form id="result-entry"')


class TestAccess:
    def test_a_clinician_who_does_not_treat_gets_404(self, client, s):
        """Not their patient: 404 and nothing written."""
        stranger = ProviderProfileFactory().user
        enrol_totp(stranger)
        client.force_login(stranger)
        assert client.get(entry(s.order)).status_code == 404
        assert client.post(entry(s.order), POTASSIUM).status_code == 404
        visit_url = reverse("results:visit_result_entry", args=[s.order.visit.pk])
        assert client.get(visit_url).status_code == 404
        assert not LabReport.objects.exists()

    def test_patient_and_staff_get_403(self, client, s, scheduler):
        """Patients and staff never enter results."""
        client.force_login(s.patient)
        assert client.get(entry(s.order)).status_code == 403
        client.force_login(scheduler)
        assert client.post(entry(s.order), POTASSIUM).status_code == 403
        assert not LabReport.objects.exists()
