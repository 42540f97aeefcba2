"""Critical values alert the ordering clinician, stay until acknowledged with what was done, and
show on their dashboard; nobody else sees or answers them until they escalate
(test_critical_escalation.py)."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.visits.results.release_fixtures import (
    NOW,
    clinician_treating,
    correct,
    potassium,
    report_for,
    scene,
    sodium,
)
from visits.audit import AuditEvent
from visits.results.critical import critical_alert_acknowledge, open_critical_alerts_for
from visits.results.models import CriticalResultAlert, ResultStatus
from visits.results.notifications import CLINICIAN_SUBJECT
from visits.results.release import report_recorded

pytestmark = pytest.mark.django_db

CALLED = CriticalResultAlert.Outcome.CALLED_PATIENT


@pytest.fixture
def s():
    return scene()


@pytest.fixture
def alert(s) -> CriticalResultAlert:
    report_for(s, potassium("6.8"), sodium("141"))
    return CriticalResultAlert.objects.get()


def detail(alert):
    return reverse("results:critical_alert_detail", args=[alert.pk])


def acknowledge(alert):
    return reverse("results:critical_alert_acknowledge", args=[alert.pk])


class TestRaising:
    def test_one_alert_per_critical_value(self, s):
        """Critical potassium and critical sodium: two alerts, to the ordering clinician."""
        report_for(s, potassium("6.8"), sodium("118"), potassium("4.0", name="Other"))
        alerts = CriticalResultAlert.objects.order_by("observation__position")
        assert [a.observation.name for a in alerts] == ["Potassium", "Sodium"]
        assert {a.clinician for a in alerts} == {s.clinician}
        assert {a.patient for a in alerts} == {s.patient}

    def test_raised_once_whatever_the_retries(self, s):
        """report_recorded again (a retried import) raises no second alert."""
        report = report_for(s, potassium("6.8"))
        report_recorded(report, now=NOW)
        assert CriticalResultAlert.objects.count() == 1

    def test_not_for_a_superseded_value(self, s):
        """A critical value already corrected raises nothing; its correction is judged itself."""
        report = report_for(s, potassium("6.9"), record=False)
        correct(report.observations.get(), "4.4")
        report_recorded(report, now=NOW)
        assert not CriticalResultAlert.objects.exists()

    def test_a_critical_correction_raises_its_own(self, s):
        """A normal value corrected to a critical one alerts for the correction."""
        report = report_for(s, potassium("4.4"))
        corrected = correct(report.observations.get(), "2.1")
        report_recorded(report, now=NOW)
        assert CriticalResultAlert.objects.get().observation == corrected

    def test_not_for_high_or_low_values(self, s):
        """High is not critical: no alert."""
        report_for(s, potassium("5.6"))
        assert not CriticalResultAlert.objects.exists()

    def test_raised_for_preliminary_results(self, s):
        """A critical value matters before the final report: alerted while preliminary."""
        report_for(s, potassium("6.8"), status=ResultStatus.PRELIMINARY)
        assert CriticalResultAlert.objects.count() == 1

    def test_the_clinician_is_emailed_without_the_value(
        self, s, settings, django_capture_on_commit_callbacks
    ):
        """One email to the ordering clinician: a link to sign in, no test, value or patient."""
        with django_capture_on_commit_callbacks(execute=True):
            report_for(s, potassium("6.8"), sodium("118"))
        [message] = [m for m in mail.outbox if s.clinician.email in m.to]
        assert message.subject == CLINICIAN_SUBJECT
        assert "2 critical results" in message.body
        assert f"{settings.SITE_URL}/results/critical/" in message.body
        text = message.body.lower()
        for clinical in ("potassium", "sodium", "6.8", "118", "sam", "lee", "mmol"):
            assert clinical not in text


class TestAcknowledging:
    def test_records_who_when_and_outcome(self, alert, s):
        """Acknowledged: who, when, what was done, audited; it leaves the open list."""
        critical_alert_acknowledge(
            alert=alert, actor=s.clinician, outcome=CALLED, note="Sent to the ER"
        )
        alert.refresh_from_db()
        assert alert.acknowledged_by == s.clinician
        assert alert.acknowledged_at is not None
        assert alert.outcome == CALLED
        assert alert.note == "Sent to the ER"
        assert list(open_critical_alerts_for(s.clinician)) == []
        assert AuditEvent.objects.filter(patient=s.patient, what="critical result alert").exists()

    def test_the_first_acknowledgement_stays(self, alert, s):
        """A second acknowledgement changes nothing."""
        critical_alert_acknowledge(alert=alert, actor=s.clinician, outcome=CALLED)
        critical_alert_acknowledge(
            alert=alert, actor=s.clinician, outcome=CriticalResultAlert.Outcome.REPEAT_TEST
        )
        alert.refresh_from_db()
        assert alert.outcome == CALLED

    def test_other_needs_a_note(self, alert, s):
        """Other without saying what was done is refused."""
        with pytest.raises(ValueError, match="needs a note"):
            critical_alert_acknowledge(
                alert=alert, actor=s.clinician, outcome=CriticalResultAlert.Outcome.OTHER
            )

    def test_only_their_clinician_can(self, alert, s):
        """Another treating clinician cannot acknowledge it, in the service or on the page."""
        other = clinician_treating(s.patient)
        with pytest.raises(PermissionError):
            critical_alert_acknowledge(alert=alert, actor=other, outcome=CALLED)
        alert.refresh_from_db()
        assert alert.acknowledged_at is None

    def test_stays_until_acknowledged(self, alert, s):
        """Open on every look until acknowledged, whatever else happens to the report."""
        report_recorded(alert.observation.report, now=NOW)
        assert list(open_critical_alerts_for(s.clinician)) == [alert]


class TestPages:
    def test_the_dashboard_shows_it(self, client, alert, s):
        """My day lists the critical result with the value and a link to answer it, audited."""
        client.force_login(s.clinician)
        content = client.get(reverse("clinician_dashboard")).content.decode()
        assert "Critical results (1)" in content
        assert "Potassium 6.8 mmol/L" in content
        assert "critically high" in content
        assert detail(alert) in content
        event = AuditEvent.objects.get(patient=s.patient, page="clinician_dashboard")
        assert "critical result alert" in event.what

    def test_another_treating_clinician_sees_nothing(self, client, alert, s):
        """Not on the dashboard of another clinician who treats the patient; their detail is 404."""
        other = clinician_treating(s.patient)
        client.force_login(other)
        assert "Critical results" not in client.get(reverse("clinician_dashboard")).content.decode()
        assert client.get(detail(alert)).status_code == 404
        assert client.post(acknowledge(alert), {"outcome": CALLED}).status_code == 404

    def test_the_detail_page(self, client, alert, s):
        """The value, range, critical limits, patient with phone, the form; read audited."""
        client.force_login(s.clinician)
        response = client.get(detail(alert))
        content = response.content.decode()
        assert response.status_code == 200
        assert "Critical result: Sam Lee" in content
        assert "Potassium 6.8 mmol/L" in content
        assert "Critically high" in content
        assert "3.5 to 5.1" in content
        assert "at or above 6.5" in content
        assert 'href="tel:+15125550123"' in content
        assert "What did you do?" in content
        assert AuditEvent.objects.filter(
            patient=s.patient, page="results:critical_alert_detail"
        ).exists()

    def test_patient_and_staff_are_refused(self, client, alert, s, scheduler):
        """The patient and staff get 403."""
        client.force_login(s.patient)
        assert client.get(detail(alert)).status_code == 403
        client.force_login(scheduler)
        assert client.get(detail(alert)).status_code == 403
        assert client.get(reverse("results:critical_alerts")).status_code == 403

    def test_acknowledge_without_an_outcome_keeps_the_note(self, client, alert, s):
        """No outcome: the page again, the message next to it, the note kept."""
        client.force_login(s.clinician)
        response = client.post(acknowledge(alert), {"note": "Tried to call twice"})
        content = response.content.decode()
        assert response.status_code == 200
        assert "Choose what you did." in content
        assert "Tried to call twice" in content
        alert.refresh_from_db()
        assert alert.acknowledged_at is None

    def test_acknowledge_and_back_to_the_dashboard(self, client, alert, s):
        """Acknowledged: back to My day (plain redirect; htmx client redirect) and off it."""
        client.force_login(s.clinician)
        response = client.post(acknowledge(alert), {"outcome": CALLED, "note": "K repeat today"})
        assert response.status_code == 302
        assert response["Location"] == reverse("clinician_dashboard")
        content = client.get(reverse("clinician_dashboard")).content.decode()
        assert "Critical result acknowledged: Called the patient." in content
        assert "Critical results (" not in content
        alert.refresh_from_db()
        assert alert.acknowledged_by == s.clinician

    def test_htmx_acknowledge_redirects_the_client(self, client, alert, s):
        """With htmx, success is an HX-Redirect to My day."""
        client.force_login(s.clinician)
        response = client.post(
            acknowledge(alert), {"outcome": CALLED}, headers={"HX-Request": "true"}
        )
        assert response["HX-Redirect"] == reverse("clinician_dashboard")

    def test_the_list_shows_open_and_acknowledged(self, client, alert, s):
        """The list has the open alert, then after acknowledging it in the history with outcome."""
        client.force_login(s.clinician)
        content = client.get(reverse("results:critical_alerts")).content.decode()
        assert "Waiting for you (1)" in content
        critical_alert_acknowledge(alert=alert, actor=s.clinician, outcome=CALLED, note="ER")
        content = client.get(reverse("results:critical_alerts")).content.decode()
        assert "Waiting for you (0)" in content
        assert "Called the patient: ER" in content
        assert "Dr. Ines Park" in content

    def test_acknowledged_page_shows_the_record(self, client, alert, s):
        """After acknowledging, the page says who, when and what was done instead of the form."""
        critical_alert_acknowledge(alert=alert, actor=s.clinician, outcome=CALLED, note="ER")
        client.force_login(s.clinician)
        content = client.get(detail(alert)).content.decode()
        assert "Dr. Ines Park" in content
        assert "Called the patient. ER" in content
        assert "What did you do?" not in content

    def test_the_critical_results_page_queries_do_not_grow(
        self, client, s, django_assert_max_num_queries
    ):
        """The page costs the same for 1 and 21 open alerts and as many acknowledged (20 of
        them shown): each list reads what its rows show in its one query."""
        client.force_login(s.clinician)
        url = reverse("results:critical_alerts")

        def raise_and_acknowledge(count: int) -> None:
            report_for(s, *[potassium("7.0", position=n) for n in range(count)])
            report_for(s, *[potassium("6.9", position=n) for n in range(count)])
            for alert in CriticalResultAlert.objects.filter(acknowledged_at__isnull=True)[:count]:
                critical_alert_acknowledge(alert=alert, actor=s.clinician, outcome=CALLED)

        raise_and_acknowledge(1)
        with django_assert_max_num_queries(40) as few:
            client.get(url)
        raise_and_acknowledge(20)
        with django_assert_max_num_queries(len(few.captured_queries)):
            content = client.get(url).content.decode()
        assert "Waiting for you (21)" in content
        assert content.count("Called the patient") == 20  # the history shows the last 20

    @pytest.mark.parametrize("page", ["clinician_dashboard", "records:day"])
    def test_dashboard_queries_do_not_grow(self, client, s, page, django_assert_max_num_queries):
        """My day's (and the day view's) query count is the same for 1 and 21 open critical
        alerts."""
        client.force_login(s.clinician)
        report_for(s, potassium("6.8"))
        with django_assert_max_num_queries(40) as few:
            client.get(reverse(page))
        report_for(s, *[potassium("7.0", position=n) for n in range(20)])
        with django_assert_max_num_queries(len(few.captured_queries)):
            content = client.get(reverse(page)).content.decode()
        assert "Critical results (21)" in content
