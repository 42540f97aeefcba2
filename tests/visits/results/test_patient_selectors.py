"""The patient side's selectors: what a patient may see of their record, in a fixed number of
queries, and how each result reads (flags, ranges, corrections, trends)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory
from tests.visits.results import patient_factories as make
from visits.results import selectors
from visits.results import trends as trend_reads
from visits.results.charts import TrendPoint, nice_step, trend_chart, value_axis
from visits.results.descriptions import described_codes, description_of
from visits.results.display import flag_label, number, range_words
from visits.results.flags import Flag
from visits.results.lines import written
from visits.results.models import LabReport
from visits.results.opening import report_open
from visits.results.shown import ReportState

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def scene():
    return make.scene()


def report_states(patient) -> dict[str, str]:
    reports, _ = selectors.report_lines(patient, patient)
    return {line.name: line.state for line in reports}


class TestReports:
    def test_released_reports_show_values_held_ones_pending_and_preliminary_waiting(self, scene):
        """Released reports carry values; the held one is pending review, the preliminary waiting."""
        reports, groups = selectors.report_lines(scene.patient, scene.patient)
        by_pk = {line.pk: line for line in reports}
        assert by_pk[scene.released.pk].state == ReportState.RELEASED
        assert by_pk[scene.released.pk].counts.startswith("2 results, <strong>1 outside")
        assert by_pk[scene.held.pk].state == ReportState.PENDING_REVIEW
        assert by_pk[scene.held.pk].counts == ""
        assert by_pk[scene.held.pk].release_by == written(scene.held.release_by, "l, F j, Y, g:i A")
        assert by_pk[scene.waiting.pk].state == ReportState.WAITING
        assert by_pk[scene.waiting.pk].release_by == ""
        assert len(groups) == 1
        assert groups[0].order_id == scene.order.pk
        assert groups[0].heading == scene.order.test_name
        assert len(groups[0].reports) == 4

    def test_current_values_only_with_the_corrected_value_kept(self, scene):
        """A corrected sodium shows once, its current value, with the earlier value it corrected."""
        shown = selectors.one_report(scene.patient, scene.patient, scene.released.pk)
        assert shown is not None
        values = {item.observation.name: item for item in shown.observations}
        assert set(values) == {"Potassium", "Sodium"}
        sodium = values["Sodium"]
        assert sodium.value == "140"
        assert [earlier.display_value for earlier in sodium.corrected] == ["150"]
        assert sodium.is_correction
        assert values["Potassium"].flag_label == "High ↑"
        assert values["Potassium"].range == "3.5 to 5.1 mmol/L"
        assert "heart" in values["Potassium"].description

    def test_a_correction_in_a_later_report_is_pointed_to_from_the_earlier(self, scene):
        """When a later report corrects a value, the earlier report says so and links to it."""
        later = make.report(scene.patient, order=scene.order, days=1)
        corrected = make.correct(scene.high_potassium, "4.9", report=later)
        earlier = selectors.one_report(scene.patient, scene.patient, scene.released.pk)
        assert [o.name for o in (item.observation for item in earlier.observations)] == ["Sodium"]
        assert earlier.replaced == [(scene.high_potassium, later.pk)]
        current = selectors.one_report(scene.patient, scene.patient, later.pk)
        assert current.observations[0].observation == corrected
        assert current.observations[0].corrected == [scene.high_potassium]

    def test_another_patients_report_is_not_there(self, scene):
        """Another patient gets nothing of this patient's reports."""
        other = PatientProfileFactory().user
        assert selectors.one_report(other, other, scene.released.pk) is None
        assert selectors.one_report(other, scene.patient, scene.released.pk) is None
        assert selectors.report_lines(other, other)[0].items == []

    def test_new_until_opened(self, scene):
        """Released reports not yet opened count as new; held and opened ones do not."""
        assert selectors.new_results_count(scene.patient, scene.patient) == 1
        reports, _ = selectors.report_lines(scene.patient, scene.patient)
        assert [line.pk for line in reports if line.is_new] == [scene.released.pk]

    def test_reports_without_an_order_are_grouped_on_their_own(self, scene):
        """A report that answers no order is shown under "Other results"."""
        loose = make.report(scene.patient, name="Vitamin D", days=0.5)
        _, groups = selectors.report_lines(scene.patient, scene.patient)
        assert [group.order_id for group in groups] == [None, scene.order.pk]
        assert groups[0].reports[0].pk == loose.pk
        assert groups[0].anchor == "results-without-order"

    def test_a_clinician_treating_the_patient_sees_values_of_held_reports(self, scene):
        """The rule decides: the treating clinician reads the held report's values."""
        shown = selectors.one_report(scene.provider.user, scene.patient, scene.held.pk)
        assert shown.state == ReportState.RELEASED
        assert shown.observations[0].value == "191"


class TestTrends:
    def test_a_test_measured_twice_has_a_trend_once_only_does_not(self, scene):
        """Potassium (measured twice) has a trend; sodium, measured once, has none."""
        found = trend_reads.trends(scene.patient, scene.patient, zone=CHICAGO)
        assert list(found) == [("2823-3", "mmol/L")]
        trend = found[("2823-3", "mmol/L")]
        assert [point.value for point in trend.points] == [Decimal("4.4"), Decimal("5.6")]
        assert trend.total == 2
        assert trend.chart is not None
        assert trend.rows[0]["flag_words"] == "High"
        assert trend.range == "3.5 to 5.1 mmol/L"

    def test_held_values_are_not_part_of_a_trend(self, scene):
        """A held LDL next to a released one makes no trend for the patient."""
        make.observe(scene.released, make.LDL, "120", position=3)
        found = trend_reads.trends(scene.patient, scene.patient, zone=CHICAGO)
        assert ("13457-7", "mg/dL") not in found

    def test_a_trend_keeps_the_latest_points(self, scene):
        """Past TREND_POINTS measurements, the trend keeps the most recent ones and says how many."""
        for days in range(10, 10 + trend_reads.TREND_POINTS + 3):
            extra = make.report(scene.patient, order=scene.order, days=days, opened=True)
            make.observe(extra, make.POTASSIUM, "4.0")
        trend = trend_reads.trends(scene.patient, scene.patient, zone=CHICAGO)[("2823-3", "mmol/L")]
        assert len(trend.points) == trend_reads.TREND_POINTS
        assert trend.total == trend_reads.TREND_POINTS + 5
        assert trend.points[-1].value == Decimal("5.6")

    def test_trends_read_only_the_latest_reports(self, scene, monkeypatch):
        """However long the record, trends come from the latest TREND_REPORTS reports: a test
        measured only in older ones has no trend, and the counts are of those reports."""
        monkeypatch.setattr(trend_reads, "TREND_REPORTS", 3)
        for days in (400, 401):
            old = make.report(scene.patient, order=scene.order, days=days, opened=True)
            make.observe(old, make.LDL, "150")
        found = trend_reads.trends(scene.patient, scene.patient, zone=CHICAGO)
        assert ("13457-7", "mg/dL") not in found
        assert found[("2823-3", "mmol/L")].total == 2

    def test_chart_draws_the_range_band_inside_the_plot(self):
        """The band spans the range's values; points sit inside the drawing."""
        start = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
        points = [
            TrendPoint(start, Decimal("4.0"), Flag.NORMAL),
            TrendPoint(start + datetime.timedelta(days=30), Decimal("5.6"), Flag.HIGH),
        ]
        chart = trend_chart(points, low=Decimal("3.5"), high=Decimal("5.1"), zone=CHICAGO)
        band = chart["band"]
        assert chart["top"] <= band["y"] < band["y"] + band["height"] <= chart["bottom"]
        for marker in chart["markers"]:
            assert chart["left"] <= marker["x"] <= chart["right"]
            assert chart["top"] <= marker["y"] <= chart["bottom"]
        high = chart["markers"][1]
        assert high["y"] < band["y"]  # above the band: higher than the range
        assert high["flagged"]
        assert trend_chart(points[:1]) is None

    def test_value_axis_has_round_ticks_around_the_values(self):
        """Ticks are round numbers that cover every value and bound."""
        start, end, ticks = value_axis([3.5, 5.1, 5.6, 4.0])
        assert start <= 3.5
        assert end >= 5.6
        assert all(round(tick * 4) == tick * 4 for tick in ticks)
        assert nice_step(0) == 1.0
        assert nice_step(7) == 2
        assert nice_step(9) == 2.5
        assert nice_step(180) == 50


class TestLists:
    def test_visits_with_released_summaries_only(self, scene):
        """A summary not yet released is not listed."""
        draft_visit = make.completed_visit(scene.patient, scene.provider, days=2)
        make.summary(draft_visit, released=False)
        listed = selectors.released_summaries(scene.patient, scene.patient)
        assert [s.visit_id for s in listed] == [scene.visit.pk]

    def test_prescriptions_active_and_past(self, scene):
        """Active and past prescriptions are two lists."""
        active = selectors.prescriptions(scene.patient, scene.patient, active=True)
        past = selectors.prescriptions(scene.patient, scene.patient, active=False)
        assert [rx.medication for rx in active] == ["Amoxicillin"]
        assert [rx.medication for rx in past] == ["Benzonatate"]

    def test_orders_carry_instructions_and_their_status_in_words(self, scene):
        """Lab orders come with where to go, what to do and a status the patient reads."""
        orders = selectors.lab_orders(scene.patient, scene.patient)
        assert orders.items[0].where_to_go.startswith("Quest")
        assert orders.items[0].status_words == "Waiting for the lab"

    def test_lists_are_bounded_with_more(self, scene):
        """Past a page, a list says there is more and how many the next link asks for."""
        for _ in range(selectors.PRESCRIPTIONS_PAGE + 1):
            make.prescription(scene.visit)
        active = selectors.prescriptions(scene.patient, scene.patient, active=True)
        assert len(active) == selectors.PRESCRIPTIONS_PAGE
        assert active.more
        assert active.next_shown == 2 * selectors.PRESCRIPTIONS_PAGE

    @pytest.mark.parametrize(
        ("asked", "shown"),
        [(None, 10), ("", 10), ("x", 10), ("-5", 10), ("11", 20), ("20", 20), ("999999", 200)],
    )
    def test_show_more_counts_are_whole_pages_and_capped(self, asked, shown):
        """Whatever a link asks for, a list shows whole pages, at most MOST_SHOWN rows."""
        assert selectors.shown_count(asked, page=10) == shown

    def test_visit_summary_has_diagnoses_of_the_signed_note_only(self, scene):
        """The summary page lists the signed note's diagnoses in plain words."""
        page = selectors.visit_summary(scene.patient, scene.patient, scene.visit.pk)
        assert [selectors.plain_diagnosis(d.description) for d in page.diagnoses] == [
            "Acute upper respiratory infection"
        ]
        draft_visit = make.completed_visit(scene.patient, scene.provider, days=1)
        make.note(draft_visit, signed=False, diagnoses=[("R05.9", "Cough, unspecified")])
        make.summary(draft_visit)
        assert selectors.visit_summary(scene.patient, scene.patient, draft_visit.pk).diagnoses == []

    def test_another_patients_summary_is_not_there(self, scene):
        """Another patient cannot read this patient's summary."""
        other = PatientProfileFactory().user
        assert selectors.visit_summary(other, other, scene.visit.pk) is None


class TestQueryCount:
    @pytest.mark.parametrize("reports", [10, 500])
    def test_results_page_reads_a_fixed_number_of_queries(self, reports, django_assert_num_queries):
        """The whole page is nine queries, for 10 reports or 500 (5,000 observations)."""
        patient = PatientProfileFactory().user
        provider = ProviderProfileFactory(states=["TX"])
        make.large_record(patient, provider, reports=reports)
        with django_assert_num_queries(9):
            page = selectors.results_page(patient, patient, zone=CHICAGO, asked={})
        assert len(page.reports) == selectors.REPORTS_PAGE
        assert page.reports.more == (reports > selectors.REPORTS_PAGE)
        assert len(page.trends) == selectors.TRENDS_PAGE
        assert page.trends.more
        assert page.new_count == reports
        assert page.reports_total == reports
        # The page's trends are short: their last values, as rows of a table.
        assert {len(trend.rows) for trend in page.trends} == {trend_reads.TREND_SHORT}


class TestWords:
    def test_flags_in_words_and_symbols(self):
        """Each flag reads in words with its symbol."""
        assert flag_label(Flag.HIGH) == "High ↑"
        assert flag_label(Flag.CRITICAL_LOW) == "Critically low ↓↓"
        assert flag_label(Flag.CRITICAL_HIGH) == "Critically high ↑↑"
        assert flag_label(Flag.NORMAL) == "In range"
        assert flag_label(Flag.NONE) == "No range to compare with"

    def test_ranges_in_words(self):
        """A range reads with its unit; one-sided ranges read "or less"/"or more"."""
        assert range_words(Decimal("3.50"), Decimal("5.10"), unit="mmol/L") == "3.5 to 5.1 mmol/L"
        assert range_words(None, Decimal("99"), unit="mg/dL") == "99 mg/dL or less"
        assert range_words(Decimal("40"), None, unit="mg/dL") == "40 mg/dL or more"
        assert range_words(None, None, "Negative") == "Negative"

    def test_descriptions_cover_the_common_tests(self):
        """Every common test the clinic sees has a plain-language line."""
        common = {
            "2823-3", "2951-2", "2075-0", "2028-9", "3094-0", "2160-0", "2345-7", "17861-6",
            "33914-3", "718-7", "4544-3", "6690-2", "777-3", "789-8", "787-2", "2093-3",
            "13457-7", "2085-9", "2571-8", "4548-4", "3016-3", "1989-3", "2276-4", "1742-6",
            "1920-8",
        }  # fmt: skip
        assert common <= described_codes()
        assert description_of("2345-7").startswith("The amount of sugar")
        assert description_of("0000-0") == ""

    def test_plain_diagnosis_drops_coding_words(self):
        """ "unspecified" and "NOS" are coding words, not the patient's."""
        assert selectors.plain_diagnosis("Cough, unspecified") == "Cough"
        assert selectors.plain_diagnosis("Anxiety disorder NOS") == "Anxiety disorder"
        assert selectors.plain_diagnosis("Essential (primary) hypertension") == (
            "Essential (primary) hypertension"
        )


class TestOpening:
    def test_only_the_patient_opening_a_released_report_marks_it(self, scene):
        """Someone else, a held report, or a second opening change nothing."""
        other = PatientProfileFactory().user
        assert not report_open(report=scene.released, patient=other)
        assert not report_open(report=scene.held, patient=scene.patient)
        assert report_open(report=scene.released, patient=scene.patient)
        first = LabReport.objects.get(pk=scene.released.pk).first_opened_at
        assert first is not None
        assert not report_open(report=scene.released, patient=scene.patient)
        assert LabReport.objects.get(pk=scene.released.pk).first_opened_at == first

    def test_number_of_nothing_is_empty(self):
        """A missing decimal reads as nothing."""
        assert number(None) == ""
        assert number(Decimal("100.0000")) == "100"
