"""A physician prescribes amoxicillin, is refused oxycodone with the reason next to the field,
orders a lipid panel and opens the printable prescription record."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts.fixtures import enrol_totp
from tests.browser.booking_steps import patient, provider, seed_clinic, sign_in_clinician
from tests.browser.conftest import LAPTOP, AxeCheck
from tests.browser.steps import path_is
from visits.records.models import LabOrder, Prescription
from visits.scheduling.models import Visit, VisitType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")
REFUSAL = (
    "Oxycodone is a Schedule II controlled substance; "
    "Housecall cannot prescribe controlled substances."
)


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-javascript"])
def test_a_physician_prescribes_is_refused_a_controlled_substance_and_orders_a_lipid_panel(
    new_page, axe_check: AxeCheck, javascript: bool
):
    """Amoxicillin is prescribed with the pharmacy from the intake; oxycodone is refused next
    to the medication with everything typed kept; a lipid panel is ordered; both pages pass axe."""
    physician = provider(name="Dr. Ines Park")
    secret = enrol_totp(physician.user)
    client = patient(time_zone="America/Chicago", legal_first_name="Sam", legal_last_name="Lee")
    urgent_care = VisitType.objects.get(slug="urgent-care")
    start = timezone.now() - urgent_care.duration / 2
    visit = Visit.objects.create(
        patient=client,
        provider=physician,
        visit_type=urgent_care,
        start=start,
        end=start + urgent_care.duration,
        blocked_until=start + urgent_care.duration,
        status=Visit.Status.IN_PROGRESS,
        started_at=start,
    )

    page = new_page(viewport=LAPTOP, time_zone="America/Chicago", javascript=javascript)
    sign_in_clinician(page, physician.user, secret=secret)
    page.goto(f"/visits/{visit.pk}/orders/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Prescriptions and lab orders")
    expect(page.get_by_role("note")).to_contain_text("not sent to pharmacies electronically")
    # The pharmacy comes from the patient's health history, ready to change.
    expect(page.get_by_label("Pharmacy:", exact=True)).to_have_value(
        re.compile(r"^CVS South Congress")
    )

    prescribe = page.locator("#prescription-form")
    prescribe.get_by_label("Medication").fill("Amoxicillin")
    prescribe.get_by_label("Strength").fill("500 mg")
    prescribe.get_by_label("Form").select_option(label="Capsule")
    prescribe.get_by_label("Directions").fill("Take 1 capsule by mouth 3 times daily for 10 days")
    prescribe.get_by_label("Quantity").fill("30")
    prescribe.get_by_label("Unit").fill("capsules")
    prescribe.get_by_label("Refills").fill("0")
    prescribe.get_by_role("button", name="Prescribe").click()
    expect(page.locator("#messages")).to_contain_text("Prescribed Amoxicillin 500 mg.")
    prescriptions = page.get_by_role("table").first
    expect(prescriptions).to_contain_text("Take 1 capsule by mouth 3 times daily for 10 days")

    # Oxycodone: refused, with the reason tied to the medication field, and nothing lost.
    prescribe = page.locator("#prescription-form")
    prescribe.get_by_label("Medication").fill("Oxycodone")
    prescribe.get_by_label("Strength").fill("5 mg")
    prescribe.get_by_label("Form").select_option(label="Tablet")
    prescribe.get_by_label("Directions").fill("Take 1 tablet every 6 hours as needed for pain")
    prescribe.get_by_label("Quantity").fill("12")
    prescribe.get_by_role("button", name="Prescribe").click()
    medication = page.locator("#prescription-form").get_by_label("Medication")
    expect(medication).to_have_accessible_description(re.compile(re.escape(REFUSAL)))
    expect(page.locator("#id_medication_error")).to_have_text(REFUSAL)
    expect(medication).to_have_value("Oxycodone")
    expect(page.get_by_label("Directions")).to_have_value(
        "Take 1 tablet every 6 hours as needed for pain"
    )
    if javascript:  # axe runs as a script in the page
        axe_check(page)
    assert list(Prescription.objects.values_list("medication", flat=True)) == ["Amoxicillin"]

    # A lipid panel from the list of tests.
    if not javascript:
        page.goto(f"/visits/{visit.pk}/orders/")
    labs = page.locator("#lab-order-form")
    labs.get_by_label("Test:", exact=True).select_option(label="Lipid panel (LOINC 24331-1)")
    labs.get_by_label("Reason for the test").fill("Cholesterol screening")
    labs.get_by_label("Where to go").fill("Any Quest Diagnostics patient service center")
    labs.get_by_role("button", name="Order test").click()
    expect(page.locator("#messages")).to_contain_text("Ordered Lipid panel.")
    expect(page.get_by_role("table").nth(1)).to_contain_text("LOINC 24331-1")
    order = LabOrder.objects.get()
    assert (order.test_name, order.loinc_code, order.patient_id) == (
        "Lipid panel",
        "24331-1",
        client.pk,
    )
    if javascript:  # axe runs as a script in the page
        axe_check(page)

    # The printable prescription record.
    page.get_by_role("link", name="Printable record of Amoxicillin").click()
    expect(page).to_have_url(path_is(f"/prescriptions/{Prescription.objects.get().pk}/print/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Prescription record")
    record = page.locator("dl.rx-facts")
    for text in ["Dr. Ines Park, MD", "Sam Lee", "Amoxicillin 500 mg", "30 capsules", "Allowed"]:
        expect(record).to_contain_text(text)
    if javascript:
        expect(page.get_by_role("button", name="Print")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(record).to_be_visible()
    page.emulate_media(media="screen")
    if javascript:  # axe runs as a script in the page
        axe_check(page)
