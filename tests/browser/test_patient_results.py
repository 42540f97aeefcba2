"""A patient reads their results on a phone: flags in words, a trend's table, a visit summary that
prints cleanly, and the download of their record."""

import json
import re
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from playwright.sync_api import expect

from tests.browser.booking_steps import seed_clinic, sign_in_patient
from tests.browser.conftest import PHONE, AxeCheck
from tests.browser.steps import path_is
from tests.visits.results import patient_factories as make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


def test_patient_reads_results_opens_a_trend_prints_a_summary_and_downloads_the_record(
    new_page, axe_check: AxeCheck
):
    """The results list says what is outside the range; the high potassium reads "High ↑" on
    its report; its trend is a table with every result, drawn, a page away; the summary prints
    without the navigation; the record downloads as a valid FHIR bundle; axe passes on each
    page."""
    scene = make.scene()
    page = new_page(viewport=PHONE, time_zone="America/Chicago")
    sign_in_patient(page, scene.patient)
    expect(page.get_by_role("link", name="1 new result")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Results").click()
    expect(page).to_have_url(path_is("/me/results/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My results and records")
    listed = page.locator("#results .lab-report.is-new")
    expect(listed).to_contain_text("2 results, 1 outside the normal range")
    expect(page.get_by_text("Pending review — released by")).to_be_visible()
    axe_check(page)

    # The trend: the last results as a table, and every result on the test's own page, as a
    # described image and the same numbers as a table.
    trend = page.locator("#trend-2823-3mmol-L")
    table = trend.get_by_role("table")
    expect(table.get_by_role("row").nth(1)).to_contain_text("5.6 mmol/L")
    expect(table.get_by_role("row").nth(1)).to_contain_text("High ↑")
    expect(table.get_by_role("row").nth(2)).to_contain_text("4.4 mmol/L")
    trend.get_by_role("link", name="Every Potassium result, as a chart and a table").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Potassium (mmol/L) over time")
    chart = page.locator("#trend-2823-3mmol-L")
    expect(chart.get_by_role("img")).to_have_accessible_name(re.compile(r"^Potassium from "))
    expect(chart.get_by_role("img")).to_have_accessible_description(re.compile("normal range"))
    expect(chart.get_by_role("table").get_by_role("row").nth(1)).to_contain_text("5.6 mmol/L")
    axe_check(page)
    page.get_by_role("link", name="Back to my results").click()

    # The record, as a file.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my record").click()
    download = download_info.value
    assert download.suggested_filename.startswith("housecall-record-")
    bundle = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    kinds = {entry.resource.get_resource_type() for entry in Bundle.model_validate(bundle).entry}
    assert {"Patient", "Observation", "MedicationRequest", "Encounter"} <= kinds

    # Opening the report marks it read.
    page.get_by_role("link", name="Basic metabolic panel").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lab report: Basic metabolic panel")
    potassium = page.get_by_role("row").filter(has_text="5.6 mmol/L").first
    expect(potassium).to_contain_text("Potassium")
    expect(potassium).to_contain_text("High ↑")
    expect(page.get_by_role("button", name="Print this report")).to_be_visible()
    page.get_by_role("link", name="Back to my results").click()
    expect(page.locator(".badge-new")).to_have_count(0)

    # The visit summary, on screen and on paper.
    page.locator("#visits").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your visit summary")
    expect(page.get_by_text("Acute upper respiratory infection")).to_be_visible()
    expect(page.get_by_role("button", name="Print this summary")).to_be_visible()
    axe_check(page)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.get_by_role("button", name="Print this summary")).to_be_hidden()
    expect(page.get_by_text("What we found")).to_be_visible()
    color = page.locator("h1").evaluate("element => getComputedStyle(element).color")
    assert color == "rgb(0, 0, 0)"
