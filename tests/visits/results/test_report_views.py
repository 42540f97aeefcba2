"""The clinician's report page: who may read it, what it shows, holding and releasing from it."""

import pytest
from django.urls import reverse

from tests.accounts.factories import ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.results.release_fixtures import (
    clinician_treating,
    correct,
    potassium,
    report_for,
    scene,
    sodium,
)
from visits.audit import AuditEvent
from visits.results.models import LabReport, ResultStatus
from visits.results.release import report_hold

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    return scene()


def page(report: LabReport) -> str:
    return reverse("results:report_detail", args=[report.pk])


def hold_url(report: LabReport) -> str:
    return reverse("results:report_hold", args=[report.pk])


def release_url(report: LabReport) -> str:
    return reverse("results:report_release", args=[report.pk])


class TestAccess:
    def test_a_treating_clinician_reads_it(self, client, s):
        """Another clinician who treats the patient reads the report, without the hold form."""
        report = report_for(s, potassium("4.2"), status=ResultStatus.PRELIMINARY)
        client.force_login(clinician_treating(s.patient))
        response = client.get(page(report))
        content = response.content.decode()
        assert response.status_code == 200
        assert "Potassium" in content
        assert "Hold for my review" not in content

    def test_a_clinician_who_does_not_treat_gets_404(self, client, s):
        """No visit with the patient: 404, nothing of the report."""
        report = report_for(s, potassium("4.2"))
        stranger = ProviderProfileFactory().user
        enrol_totp(stranger)
        client.force_login(stranger)
        response = client.get(page(report))
        assert response.status_code == 404
        assert "Potassium" not in response.content.decode()
        assert client.post(hold_url(report), {"reason": "x"}).status_code == 404

    def test_the_patient_gets_403_here(self, client, s):
        """The patient reads their results on their own page, not this one."""
        report = report_for(s, potassium("4.2"))
        client.force_login(s.patient)
        assert client.get(page(report)).status_code == 403

    def test_staff_get_403(self, client, s, scheduler):
        """Clinic staff never see result values."""
        report = report_for(s, potassium("4.2"))
        client.force_login(scheduler)
        assert client.get(page(report)).status_code == 403
        assert client.post(release_url(report)).status_code == 403

    def test_signed_out_goes_to_sign_in(self, client, s):
        """Nobody signed in is sent to sign in."""
        report = report_for(s, potassium("4.2"))
        response = client.get(page(report))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


class TestContent:
    def test_values_ranges_and_flags_in_words_and_symbols(self, client, s):
        """Each value with unit, range, and flag in words beside its symbol; the read audited."""
        report = report_for(s, potassium("6.8"), sodium("133"), sodium("140", name="Sodium 2"))
        client.force_login(s.clinician)
        content = client.get(page(report)).content.decode()
        assert "Basic metabolic panel: Sam Lee" in content
        assert "<strong>6.8</strong> mmol/L" in content
        assert "3.5 to 5.1" in content
        assert '<span aria-hidden="true">↑↑</span> Critically high' in content
        assert '<span aria-hidden="true">↓</span> Low' in content
        assert "In range" in content
        event = AuditEvent.objects.get(patient=s.patient, page="results:report_detail")
        assert event.what == "lab report"
        assert event.actor == s.clinician

    def test_a_correction_shows_what_it_replaced(self, client, s):
        """The corrected value, "Corrected on … — was 5.9", and the earlier value struck out."""
        report = report_for(s, potassium("5.9"))
        correct(report.observations.get(), "4.1")
        client.force_login(s.clinician)
        content = client.get(page(report)).content.decode()
        assert "<strong>4.1</strong> mmol/L" in content
        assert "— was 5.9 mmol/L" in content
        assert "<del>5.9 mmol/L</del>" in content
        assert "by the corrected value 4.1" in content

    def test_a_correction_in_a_later_report_links_to_it(self, client, s):
        """Corrected by a later report: the earlier page links to the corrected one."""
        first = report_for(s, potassium("5.9"))
        later = report_for(s, status=ResultStatus.CORRECTED)
        correct(first.observations.get(), "4.1", report=later)
        client.force_login(s.clinician)
        assert page(later) in client.get(page(first)).content.decode()
        assert "— was 5.9" in client.get(page(later)).content.decode()

    def test_a_critical_value_shows_its_alert(self, client, s):
        """The ordering clinician sees the alert's state with a link; another clinician, no link."""
        report = report_for(s, potassium("6.8"))
        alert = report.observations.get().critical_alert
        link = reverse("results:critical_alert_detail", args=[alert.pk])
        client.force_login(s.clinician)
        content = client.get(page(report)).content.decode()
        assert "not acknowledged yet" in content
        assert link in content
        client.force_login(clinician_treating(s.patient))
        content = client.get(page(report)).content.decode()
        assert "not acknowledged yet" in content
        assert link not in content

    def test_release_state_released(self, client, s):
        """A released report says so."""
        report = report_for(s, potassium("4.2"))
        client.force_login(s.clinician)
        assert "Released to the patient on" in client.get(page(report)).content.decode()

    def test_release_state_held(self, client, s):
        """A held report shows who held it, why, and what the patient sees."""
        report = report_for(s, potassium("4.2"), status=ResultStatus.PRELIMINARY)
        report_hold(report=report, actor=s.clinician, reason="Tell her in person")
        client.force_login(s.clinician)
        content = client.get(page(report)).content.decode()
        assert "Held for review" in content
        assert "Tell her in person" in content
        assert "Pending review" in content
        assert "Release to the patient now" in content

    @pytest.mark.parametrize("rows", [10, 500])
    def test_queries_do_not_grow(self, client, s, rows, django_assert_num_queries):
        """The same number of queries for 10 and 500 observations (with corrections)."""
        report = report_for(s, *[potassium("4.2", position=n) for n in range(rows)])
        for earlier in list(report.observations.all()[:3]):
            correct(earlier, "4.0")
        client.force_login(s.clinician)
        with django_assert_num_queries(QUERIES):
            response = client.get(page(report))
        assert response.content.decode().count("— was 4.2") == 3


# The session with its person, the MFA check; the report, its observations, the values they
# corrected; the audit insert; the session's save (idle clock) in its savepoint.
QUERIES = 9


class TestHoldAndRelease:
    def test_hold_with_a_reason(self, client, s):
        """The ordering clinician holds a report not released yet; back to the page."""
        report = report_for(s, potassium("4.2"), status=ResultStatus.PRELIMINARY)
        client.force_login(s.clinician)
        response = client.post(hold_url(report), {"reason": "Tell her in person"})
        assert response.status_code == 302
        assert response["Location"] == page(report)
        report.refresh_from_db()
        assert report.held_by == s.clinician
        assert report.hold_reason == "Tell her in person"
        assert "Results held for your review" in client.get(page(report)).content.decode()

    def test_hold_without_a_reason_is_refused_next_to_the_field(self, client, s):
        """No reason: the page again with the message by the field; nothing held."""
        report = report_for(s, potassium("4.2"), status=ResultStatus.PRELIMINARY)
        client.force_login(s.clinician)
        response = client.post(hold_url(report), {"reason": "  "})
        content = response.content.decode()
        assert response.status_code == 200
        assert 'id="id_reason_error"' in content
        assert "could harm the patient" in content
        report.refresh_from_db()
        assert report.held_at is None

    def test_htmx_hold_refused_renders_the_partial(self, client, s):
        """With htmx, an invalid hold re-renders only the release section."""
        report = report_for(s, potassium("4.2"), status=ResultStatus.PRELIMINARY)
        client.force_login(s.clinician)
        response = client.post(hold_url(report), {"reason": ""}, headers={"HX-Request": "true"})
        content = response.content.decode()
        assert content.lstrip().startswith('<section id="report-release"')
        assert "<h1>" not in content

    def test_a_released_report_cannot_be_held(self, client, s):
        """Too late: the page says it was released already."""
        report = report_for(s, potassium("4.2"))
        client.force_login(s.clinician)
        response = client.post(hold_url(report), {"reason": "Worried"})
        assert "already released" in response.content.decode()

    def test_another_clinician_cannot_hold(self, client, s):
        """A treating clinician who did not order it is refused with the reason."""
        report = report_for(s, potassium("4.2"), status=ResultStatus.PRELIMINARY)
        client.force_login(clinician_treating(s.patient))
        response = client.post(hold_url(report), {"reason": "Worried"})
        assert "Only the clinician who ordered" in response.content.decode()
        report.refresh_from_db()
        assert report.held_at is None

    def test_release_now(self, client, s, django_capture_on_commit_callbacks):
        """Release now: released, the patient emailed; htmx gets a client redirect."""
        report = report_for(s, potassium("4.2"), status=ResultStatus.PRELIMINARY)
        report_hold(report=report, actor=s.clinician, reason="In person")
        client.force_login(s.clinician)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(release_url(report), headers={"HX-Request": "true"})
        assert response["HX-Redirect"] == page(report)
        report.refresh_from_db()
        assert report.released_at is not None
        assert report.patient_notified_at is not None
