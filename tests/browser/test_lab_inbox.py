"""Staff reconcile a lab message: upload an HL7 file for a patient the lab got wrong, find it
on the reconciliation list with the reason, and attach it to the right patient and order."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, PatientProfileFactory, UserFactory
from tests.accounts.fixtures import enrol_totp
from tests.browser.booking_steps import seed_clinic
from tests.browser.conftest import LAPTOP, AxeCheck
from tests.browser.steps import current_totp_code, log_in, path_is
from tests.visits.results.inbound import lab_order
from visits.results.models import CriticalResultAlert, InboundResult, LabReport
from visits.results.samples import render_sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


def test_staff_attach_an_unknown_patients_message(new_page, axe_check: AxeCheck):
    """A message whose record number nobody has waits with the reason; staff attach it."""
    patient = PatientProfileFactory(
        intake=False,
        legal_first_name="Lena",
        legal_last_name="Haddad",
        date_of_birth=datetime.date(1975, 4, 12),
    ).user
    order = lab_order(patient, test_name="Potassium", loinc_code="2823-3")
    staff = UserFactory(role="staff")
    secret = enrol_totp(staff)
    # The lab typed the record number wrong; name, birth date and order are right.
    raw = render_sample(
        "potassium_critical.hl7",
        record_number="HC99999999",
        family_name="Haddad",
        given_name="Lena",
        birth_date=datetime.date(1975, 4, 12),
        order_number="HCUNKNOWN1",
    )

    page = new_page(viewport=LAPTOP, time_zone="America/Chicago")
    page.goto("/accounts/login/")
    log_in(page, email=staff.email, password=PASSWORD)
    page.locator("input[name=code]").fill(current_totp_code(secret))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Lab messages").click()
    expect(page).to_have_url(path_is("/results/inbox/"))
    expect(page.get_by_text("Nothing to reconcile.")).to_be_visible()

    page.get_by_role("button", name="Upload a lab message").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a lab message")
    axe_check(page)
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_text("Choose the file the lab sent.")).to_be_visible()
    page.get_by_label("Message file").set_input_files(
        {"name": "acme-0201.hl7", "mimeType": "text/plain", "buffer": raw.encode()}
    )
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("status").first).to_contain_text("The message needs reconciling.")

    page.get_by_role("link", name="Back to lab messages").click()
    row = page.get_by_role("row").filter(has_text="Lena Haddad")
    expect(row).to_contain_text("Needs reconciling")
    expect(row).to_contain_text("No patient has the record number the message gives.")
    expect(row).to_contain_text("MRN HC99999999, born 1975-04-12")
    expect(page.locator("main")).not_to_contain_text("6.8")
    axe_check(page)

    row.get_by_role("link").click()
    profile = patient.patient_profile
    page.get_by_label("Medical record number").fill(profile.record_number)
    page.get_by_label("Date of birth").fill("1975-04-12")
    page.get_by_role("button", name="Find the patient").click()
    expect(page.get_by_text("Patient found: Lena Haddad")).to_be_visible()
    axe_check(page)
    page.get_by_label(re.compile(rf"Potassium, ordered .*\({order.number}")).check()
    page.get_by_role("button", name="Attach to this order").click()

    expect(page.get_by_role("status").first).to_contain_text("The results are attached")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lab message: resolved by staff")
    expect(page.locator("main")).to_contain_text("1 report recorded")
    axe_check(page)
    inbound = InboundResult.objects.get()
    assert (inbound.state, inbound.resolved_by) == (InboundResult.State.RESOLVED, staff)
    assert LabReport.objects.get().order == order
    assert CriticalResultAlert.objects.get().clinician == order.ordering_clinician
