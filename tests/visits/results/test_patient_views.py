"""The patient's results pages: what they read, what they may not, and what opening a report does."""

import re
from html import unescape
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import dateformat

from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.visits.results import patient_factories as make
from visits.audit import PAGE_WORDS, AuditEvent, page_words
from visits.results import selectors
from visits.results.models import LabReport

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")
RESULTS = reverse("results:my_results")


@pytest.fixture
def scene():
    return make.scene()


@pytest.fixture
def patient_browser(client, scene):
    client.force_login(scene.patient)
    return client


def text(response) -> str:
    """What a person reads: the body without tags, whitespace collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", unescape(body))


def local(moment, pattern: str) -> str:
    return dateformat.format(moment.astimezone(CHICAGO), pattern)


class TestResultsPage:
    def test_every_section_shows(self, patient_browser, scene):
        """Visits with summaries, active and past medications, lab orders, results."""
        response = patient_browser.get(RESULTS)
        assert response.status_code == 200
        page = text(response)
        for heading in (
            "Visits",
            "Medications",
            "Lab tests ordered",
            "Results",
            "Download my record",
        ):
            assert f" {heading} " in page
        assert (
            reverse("results:my_visit_summary", args=[scene.visit.pk]) in response.content.decode()
        )
        assert "Amoxicillin 500 mg" in page
        assert "Benzonatate 100 mg" in page
        assert "Stopped" in page
        assert "Cough gone" in page
        assert "Quest Diagnostics, 100 Main St, Austin" in page
        assert "Fast for 8 hours before the test" in page

    def test_flags_are_said_in_words_and_symbols(self, patient_browser):
        """The high potassium reads "High ↑"; the symbol is hidden from screen readers, the words not."""
        response = patient_browser.get(RESULTS)
        page = text(response)
        assert "5.6 mmol/L" in page
        assert "High ↑" in page
        assert '<span class="flag flag-high">High <span aria-hidden="true">↑</span></span>' in (
            response.content.decode()
        )
        assert "In range" in page

    def test_each_report_says_what_is_outside_the_range_and_links_to_its_values(
        self, patient_browser, scene
    ):
        """The list names each report with how many values are flagged; its page has them."""
        response = patient_browser.get(RESULTS)
        page = text(response)
        assert "2 results, 1 outside the normal range ; the lab corrected a value." in page
        assert "Open a report to see its values" in page
        report = reverse("results:my_report", args=[scene.released.pk])
        assert f'<a href="{report}">See the values' in response.content.decode()
        assert "Corrected: first reported as 150 mmol/L" not in page

    def test_the_list_says_how_many_reports_there_are(self, patient_browser, scene):
        """Past a page of reports, the list says how many it shows of how many, and the older
        ones are a plain link away."""
        make.large_record(scene.patient, scene.provider, reports=selectors.REPORTS_PAGE + 2)
        response = patient_browser.get(RESULTS)
        total = LabReport.objects.filter(patient=scene.patient).count()
        assert f"Showing the 10 most recent of your {total} reports." in text(response)
        assert 'href="?reports=20#results">Show older reports</a>' in response.content.decode()
        longer = patient_browser.get(RESULTS, {"reports": "20"}).content.decode()
        assert longer.count('<article class="lab-report') == total
        assert "Show older reports" not in longer

    def test_a_plain_language_line_for_each_common_test(self, patient_browser, scene):
        """Potassium comes with what it measures, on its report's page."""
        report = reverse("results:my_report", args=[scene.released.pk])
        assert "helps your nerves, muscles and heart work" in text(patient_browser.get(report))

    def test_a_corrected_value_shows_with_the_earlier_one(self, patient_browser, scene):
        """The sodium shows its corrected 140 and says it was first reported as 150."""
        page = text(patient_browser.get(reverse("results:my_report", args=[scene.released.pk])))
        assert "140 mmol/L" in page
        assert "Corrected: first reported as 150 mmol/L" in page

    def test_a_held_report_shows_pending_with_its_date_and_no_values(self, patient_browser, scene):
        """The held lipid panel says when it will be released at the latest, and not its LDL."""
        page = text(patient_browser.get(RESULTS))
        release_by = local(scene.held.release_by, "l, F j, Y, g:i A")
        assert f"Pending review — released by {release_by} Central time at the latest" in page
        assert "Lipid panel" in page
        assert "191 mg/dL" not in page

    def test_a_report_not_final_yet_is_waiting_for_the_lab(self, patient_browser):
        """The preliminary A1c says it waits for the lab, with no values."""
        assert "Hemoglobin A1c Collected" in text(patient_browser.get(RESULTS))
        assert "Waiting for the lab — the final results are not in yet." in text(
            patient_browser.get(RESULTS)
        )

    def test_a_trend_only_for_a_test_measured_more_than_once(self, patient_browser):
        """Potassium (twice) has its last results and a link to all of them; sodium (once) has
        none. The chart is on the test's own page."""
        content = patient_browser.get(RESULTS).content.decode()
        assert 'role="img"' not in content
        assert 'id="trend-2823-3mmol-L"' in content
        assert "Potassium: the last 2 results, newest first" in content
        assert "Sodium: the last" not in content
        history = reverse("results:my_test_history", args=["2823-3"]) + "?unit=mmol%2FL"
        assert f'<a href="{history}">Every Potassium result, as a chart and a table</a>' in content
        assert "<script>" not in content
        assert "style=" not in content

    def test_new_until_the_report_is_opened(self, patient_browser, scene):
        """A released report is "New" until opened; opening it records when."""
        assert text(patient_browser.get(RESULTS)).count(" New ") == 1
        response = patient_browser.get(reverse("results:my_report", args=[scene.released.pk]))
        assert response.status_code == 200
        scene.released.refresh_from_db()
        assert scene.released.first_opened_at is not None
        assert " New " not in text(patient_browser.get(RESULTS))

    def test_no_results_yet_says_so(self, client):
        """A new patient's page says where things will appear."""
        patient = PatientProfileFactory().user
        client.force_login(patient)
        page = text(client.get(RESULTS))
        assert "No results yet." in page
        assert "No visit summaries yet." in page

    def test_show_more_lengthens_a_list_without_javascript(self, patient_browser, scene):
        """Past a page of medications, a plain link shows the next page."""
        for number in range(selectors.PRESCRIPTIONS_PAGE):
            make.prescription(scene.visit, medication=f"Medicine {number}")
        content = patient_browser.get(RESULTS).content.decode()
        assert 'href="?medications=20#medications"' in content
        longer = text(patient_browser.get(RESULTS + "?medications=20"))
        assert "Amoxicillin" in longer
        assert "Show more active medications" not in longer

    def test_other_patients_see_none_of_it(self, client, scene):
        """Another patient's page holds nothing of this patient's."""
        other = PatientProfileFactory().user
        client.force_login(other)
        page = text(client.get(RESULTS))
        assert "Amoxicillin" not in page
        assert "Potassium" not in page

    def test_clinicians_and_staff_are_refused(self, client, scene):
        """The patient's page is for patients."""
        enrol_totp(scene.provider.user)
        client.force_login(scene.provider.user)
        assert client.get(RESULTS).status_code == 403
        assert client.get(reverse("results:my_record")).status_code == 403

    def test_a_patients_own_reads_write_no_audit_event(self, patient_browser, scene):
        """A patient reading their own results is not in their access log."""
        patient_browser.get(RESULTS)
        patient_browser.get(reverse("results:my_report", args=[scene.released.pk]))
        patient_browser.get(reverse("results:my_visit_summary", args=[scene.visit.pk]))
        assert not AuditEvent.objects.filter(patient=scene.patient).exists()

    @pytest.mark.parametrize("reports", [10, 500])
    def test_query_count_is_fixed(self, client, reports, django_assert_num_queries):
        """The page costs the same queries for 10 reports as for 500 with 5,000 observations."""
        patient = PatientProfileFactory().user
        make.large_record(patient, ProviderProfileFactory(states=["TX"]), reports=reports)
        client.force_login(patient)
        with django_assert_num_queries(10):  # the session with its person, then nine for the page
            response = client.get(RESULTS)
        assert response.status_code == 200
        assert (
            response.content.decode().count('<article class="lab-report') == selectors.REPORTS_PAGE
        )


class TestReportPage:
    def test_shows_the_report_with_its_trend_and_print_button(self, patient_browser, scene):
        """One report: its values, flags in words, the potassium's last results with a link to
        all of them, and a print button."""
        response = patient_browser.get(reverse("results:my_report", args=[scene.released.pk]))
        page = text(response)
        content = response.content.decode()
        assert "Lab report: Basic metabolic panel" in page
        assert "High ↑" in page
        assert "Potassium: the last 2 results, newest first" in page
        assert reverse("results:my_test_history", args=["2823-3"]) in content
        assert 'role="img"' not in content
        assert "data-print hidden" in content
        assert "css/patient-results.css" in content

    def test_a_long_record_shows_each_tests_last_results_only(
        self, client, django_assert_num_queries
    ):
        """However many reports came before, each test shows its last TREND_SHORT values, in
        the same queries."""
        patient = PatientProfileFactory().user
        make.large_record(patient, ProviderProfileFactory(states=["TX"]), reports=40)
        client.force_login(patient)
        report = LabReport.objects.filter(patient=patient).order_by("-collected_at").first()
        with django_assert_num_queries(7):  # the session with its person, then six for the page
            content = client.get(reverse("results:my_report", args=[report.pk])).content.decode()
        assert content.count("<caption>") == 10
        assert content.count(": the last 3 results, newest first") == 10


class TestHistoryPage:
    def url(self, code="2823-3", **query):
        return reverse("results:my_test_history", args=[code]) + "?" + urlencode(query)

    def test_every_released_value_as_a_chart_and_a_table(self, patient_browser, scene):
        """Potassium's two released values, drawn and listed; the held lipid panel's none."""
        response = patient_browser.get(self.url(unit="mmol/L"))
        assert response.status_code == 200
        page = text(response)
        content = response.content.decode()
        assert "Potassium (mmol/L) over time" in page
        assert "Every Potassium result of yours, 2 in all." in page
        assert 'role="img"' in content
        assert '<details class="trend-table" open>' in content
        assert "5.6 mmol/L" in page
        assert "Older results" not in page

    def test_twenty_a_page_with_older_ones_a_page_away(self, client):
        patient = PatientProfileFactory().user
        make.large_record(patient, ProviderProfileFactory(states=["TX"]), reports=45)
        client.force_login(patient)
        first = client.get(self.url(unit="mmol/L"))
        page = text(first)
        assert "The 20 most recent of your 45 Potassium results." in page
        assert first.content.decode().count('<tr><th scope="row">') == 20
        assert 'href="?unit=mmol%2FL&amp;page=2">Older results</a>' in first.content.decode()
        second = client.get(self.url(unit="mmol/L", page=2))
        assert "Older results: 21 to 40 of 45, counting from the most recent." in text(second)
        assert "Newer results" in text(second)
        third = client.get(self.url(unit="mmol/L", page=3)).content.decode()
        assert third.count('<tr><th scope="row">') == 5
        assert "Older results</a>" not in third
        past = client.get(self.url(unit="mmol/L", page=9))
        assert past.status_code == 200
        assert "No older results of this test." in text(past)

    @pytest.mark.parametrize("page", ["0", "-2", "x", ""])
    def test_a_bad_page_number_shows_the_most_recent(self, patient_browser, page):
        response = patient_browser.get(self.url(unit="mmol/L", page=page))
        assert response.status_code == 200
        assert "Every Potassium result of yours, 2 in all." in text(response)

    def test_another_test_or_unit_or_patient_shows_nothing(self, client, patient_browser, scene):
        assert "No results of this test yet." in text(patient_browser.get(self.url("nope")))
        assert "No results of this test yet." in text(patient_browser.get(self.url(unit="mg/dL")))
        client.force_login(PatientProfileFactory().user)
        assert "No results of this test yet." in text(client.get(self.url(unit="mmol/L")))

    def test_clinicians_are_refused(self, client, scene):
        enrol_totp(scene.provider.user)
        client.force_login(scene.provider.user)
        assert client.get(self.url(unit="mmol/L")).status_code == 403

    def test_another_patients_report_is_not_found(self, client, scene):
        """Another patient gets 404, and the report stays new for its patient."""
        client.force_login(PatientProfileFactory().user)
        response = client.get(reverse("results:my_report", args=[scene.released.pk]))
        assert response.status_code == 404
        scene.released.refresh_from_db()
        assert scene.released.first_opened_at is None

    def test_a_held_report_shows_pending_and_is_not_marked_opened(self, patient_browser, scene):
        """A held report's page says pending review with its date, shows no values, stays unopened."""
        response = patient_browser.get(reverse("results:my_report", args=[scene.held.pk]))
        page = text(response)
        assert response.status_code == 200
        assert "Pending review — released by" in page
        assert local(scene.held.release_by, "F j, Y") in page
        assert "191 mg/dL" not in page
        assert "LDL" not in page
        assert LabReport.objects.get(pk=scene.held.pk).first_opened_at is None

    def test_a_report_that_does_not_exist_is_not_found(self, patient_browser):
        """An unknown number is 404."""
        assert patient_browser.get(reverse("results:my_report", args=[999999])).status_code == 404


class TestSummaryPage:
    def test_shows_the_summary_with_diagnoses_in_plain_words(self, patient_browser, scene):
        """The summary's sections, the diagnosis without coding words, the visit's prescriptions."""
        url = reverse("results:my_visit_summary", args=[scene.visit.pk])
        response = patient_browser.get(url)
        page = text(response)
        assert response.status_code == 200
        assert "Your visit summary" in page
        assert "A cold: your lungs sounded clear." in page
        assert "Acute upper respiratory infection (ICD-10-CM code J06.9)" in page
        assert "unspecified" not in page
        assert "Rest and drink plenty of fluids." in page
        assert "In an emergency, call 911." in page
        assert "Amoxicillin 500 mg" in page
        assert "Fast for 8 hours before the test" in page
        # What the clinician wrote for themselves is not the patient's summary.
        assert "Viral infection, resolving." not in page

    def test_prints_with_its_own_stylesheet_and_a_print_button(self, patient_browser, scene):
        """The print stylesheet and the print script are linked; the button waits for JavaScript."""
        content = patient_browser.get(
            reverse("results:my_visit_summary", args=[scene.visit.pk])
        ).content.decode()
        assert "css/patient-results.css" in content
        assert "js/patient-results.js" in content
        assert '<button type="button" class="secondary print-button" data-print hidden>' in content

    def test_an_unreleased_summary_is_not_found(self, patient_browser, scene):
        """A summary not yet released (its note unsigned) is 404."""
        visit = make.completed_visit(scene.patient, scene.provider, days=1)
        make.summary(visit, released=False)
        response = patient_browser.get(reverse("results:my_visit_summary", args=[visit.pk]))
        assert response.status_code == 404

    def test_another_patients_summary_is_not_found(self, client, scene):
        """Another patient gets 404."""
        client.force_login(PatientProfileFactory().user)
        response = client.get(reverse("results:my_visit_summary", args=[scene.visit.pk]))
        assert response.status_code == 404


class TestWhereResultsAreLinked:
    def test_the_dashboard_says_how_many_results_are_new(self, patient_browser):
        """The dashboard names the new results and links to them."""
        content = patient_browser.get(reverse("patient_dashboard")).content.decode()
        assert "1 new result</strong></a> ready to read." in content
        assert f'href="{RESULTS}#results"' in content

    def test_the_navigation_has_results(self, patient_browser):
        """Patients reach their results from every page."""
        content = patient_browser.get(reverse("patient_dashboard")).content.decode()
        assert f'<a href="{RESULTS}">Results</a>' in content

    @pytest.mark.parametrize(
        ("page", "words"),
        [
            ("records:chart", "on your chart"),
            ("records:day", "on the clinician's day view"),
            ("records:visit_orders", "on the visit's prescriptions and lab orders page"),
            ("results:report_detail", "on the lab report's page"),
            ("results:critical_alert_detail", "on the critical result alert's page"),
            ("results:my_results", "on your results page"),
        ],
    )
    def test_the_access_log_names_the_record_pages(self, page, words):
        """Each record page reads in words in the patient's access log."""
        assert page_words(page) == words

    def test_the_access_log_reads_a_chart_view_in_words(self, client, scene):
        """A clinician's look at the chart reads "Viewed your ... on your chart"."""
        AuditEvent.objects.create(
            actor=scene.provider.user,
            patient=scene.patient,
            action=AuditEvent.Action.VIEW,
            what="lab report",
            object_id=str(scene.released.pk),
            page="records:chart",
        )
        client.force_login(scene.patient)
        page = text(client.get(reverse("access_log")))
        assert "Viewed your lab report on your chart" in page
        assert "results:my_record" in PAGE_WORDS
