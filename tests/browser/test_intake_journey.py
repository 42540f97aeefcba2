"""A new patient fills in their health history step by step: on a phone with drafts saved as they
go, with JavaScript off, and what booking says before it is complete."""

import datetime
import re
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, Request, expect

from accounts.models import ProviderProfile
from tests.accounts.factories import PASSWORD, PatientProfileFactory
from tests.browser.booking_steps import (
    Audit,
    at,
    choose_day_and_time,
    local_day,
    provider,
    seed_clinic,
    sign_in_patient,
)
from tests.browser.conftest import LAPTOP, PHONE, AxeCheck
from tests.browser.steps import field, log_in, path_is
from tests.visits.intake.factories import COMPLETE_ANSWERS
from visits.intake.forms import ZIP_MESSAGE
from visits.intake.models import Intake, IntakeStep
from visits.intake.services import intake_for, intake_save_step
from visits.scheduling.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")
THERAPIST = "Noor Haddad"
LEGAL_NAME = "Ada Okafor"
DRAFT_SAVED = re.compile(r"^Draft saved \d{1,2}:\d{2} [AP]M$")
SEVERITY_MESSAGE = "Choose how severe the reaction is."


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


@pytest.fixture
def therapist() -> ProviderProfile:
    return provider(name=THERAPIST, kind=ProviderProfile.Kind.THERAPIST, slugs=("therapy",))


def new_patient():
    """A patient with their details saved and no health history yet."""
    return PatientProfileFactory(
        intake=False,
        legal_first_name="Ada",
        legal_last_name="Okafor",
        current_state="TX",
        time_zone="America/Chicago",
    ).user


# The intake's pages


def progress(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Health history steps")


def expect_step(page: Page, step: IntakeStep, *, saved: tuple[IntakeStep, ...] = ()) -> None:
    """The page shows this step, marked as the current one, with the steps saved so far ticked."""
    expect(page).to_have_url(path_is(f"/intake/{step.value}/"))
    expect(page.get_by_role("heading", level=2)).to_have_text(step.label)
    expect(page.get_by_text(f"Step {step.number} of {len(IntakeStep)}", exact=True)).to_be_visible()
    items = progress(page).get_by_role("listitem")
    expect(items).to_have_count(len(IntakeStep))
    expect(progress(page).locator("[aria-current=step]")).to_have_text(step.label)
    for other in IntakeStep:
        item = items.nth(other.number - 1)
        if other in saved:
            expect(item).to_contain_text(f"{other.label} Saved")
            expect(item.get_by_text("Saved", exact=True)).to_be_visible()
        else:
            expect(item).not_to_contain_text("Saved")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def save_and_continue(page: Page, step: IntakeStep, *, to: IntakeStep) -> None:
    """Save a valid step; the next one opens and says the last one was saved."""
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(path_is(f"/intake/{to.value}/"))
    expect(page.locator("#messages")).to_contain_text(f"Saved: {step.label.lower()}.")


def fill_demographics(page: Page, *, zip_code: str) -> None:
    page.get_by_label("Female", exact=True).check()
    page.get_by_label("Address line 1").fill("100 Congress Ave")
    page.get_by_label("Address line 2 (optional)").fill("Apt 4")
    page.get_by_label("City").fill("Austin")
    page.get_by_label("State:", exact=True).select_option("TX")
    page.get_by_label("ZIP code").fill(zip_code)


def fill_emergency_contact(page: Page) -> None:
    page.get_by_label("Full name").fill("Chidi Okafor")
    page.get_by_label("Relationship to you").fill("Brother")
    page.get_by_label("Phone:", exact=True).fill("(512) 555-0199")


def fill_insurance(page: Page) -> None:
    page.get_by_label("With my health insurance").check()
    page.get_by_label("Insurance company").fill("Blue Cross Blue Shield of Texas")
    page.get_by_label("Member ID").fill("XYZ123456789")
    page.get_by_label("Group number (if your card shows one)").fill("G-4410")
    page.get_by_label("Policy holder's full name").fill(LEGAL_NAME)
    page.get_by_label("Your relationship to the policy holder").select_option("self")


def row(page: Page, noun: str, number: int) -> Locator:
    """One row of a list step, the fieldset named e.g. "Medication 2"."""
    return page.get_by_role("group", name=f"{noun} {number}", exact=True)


def row_field(page: Page, within: Locator, label: str) -> Locator:
    """The block holding one field of a row: its label, input, help text and errors."""
    return within.locator(".field").filter(has=page.get_by_label(label))


def is_rows_post(request: Request, action: str) -> bool:
    return request.method == "POST" and action in (request.post_data or "")


# Booking


def open_therapy_times(page: Page) -> None:
    """From the dashboard: Book a visit, Therapy, then the therapist's times."""
    page.get_by_role("button", name="Book a visit").click()
    expect(page).to_have_url(path_is("/book/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("What is the visit for?")
    page.get_by_role("link", name=re.compile(r"^Therapy")).click()
    expect(page).to_have_url(path_is("/book/therapy/"))
    page.get_by_role("button", name="See times with Noor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Therapy with {THERAPIST}, LCSW")


def test_new_patient_completes_intake_on_a_phone_and_resumes_a_draft_after_closing_the_page(
    new_page, axe_check: AxeCheck, therapist: ProviderProfile
):
    """On a phone: every step, rows added and removed, an error fixed, a draft outlives the page."""
    user = new_patient()
    page = new_page(viewport=PHONE, time_zone="America/Chicago")
    audit = Audit(page, axe_check)
    sign_in_patient(page, user)
    todo = page.locator(".checklist li").filter(has_text="health history")
    expect(todo).to_contain_text("To do")
    expect(todo).to_contain_text("Still to do: demographics and home address, emergency contact")
    todo.get_by_role("link", name="Complete your health history").click()

    # /intake/ opens the first step.
    expect_step(page, IntakeStep.DEMOGRAPHICS)
    audit("demographics")
    fill_demographics(page, zip_code="78701")
    save_and_continue(page, IntakeStep.DEMOGRAPHICS, to=IntakeStep.EMERGENCY_CONTACT)

    done = (IntakeStep.DEMOGRAPHICS,)
    expect_step(page, IntakeStep.EMERGENCY_CONTACT, saved=done)
    audit("emergency contact")
    fill_emergency_contact(page)
    save_and_continue(page, IntakeStep.EMERGENCY_CONTACT, to=IntakeStep.INSURANCE)

    done += (IntakeStep.EMERGENCY_CONTACT,)
    expect_step(page, IntakeStep.INSURANCE, saved=done)
    audit("insurance")
    fill_insurance(page)
    save_and_continue(page, IntakeStep.INSURANCE, to=IntakeStep.HISTORY)

    done += (IntakeStep.INSURANCE,)
    expect_step(page, IntakeStep.HISTORY, saved=done)
    audit("history")
    page.get_by_label("Health conditions").fill("Asthma\nHigh blood pressure")
    page.get_by_label("Surgeries and hospital stays").fill("Appendectomy 2012")
    save_and_continue(page, IntakeStep.HISTORY, to=IntakeStep.MEDICATIONS)

    # Medications: a second row added inline, then the first (a mistake) removed.
    done += (IntakeStep.HISTORY,)
    expect_step(page, IntakeStep.MEDICATIONS, saved=done)
    expect(page.get_by_role("group", name=re.compile(r"^Medication \d"))).to_have_count(1)
    audit("medications")
    row(page, "Medication", 1).get_by_label("Medicine").fill("Aspirin")
    with page.expect_request(lambda request: is_rows_post(request, "add_row")) as posted:
        page.get_by_role("button", name="Add a medication").click()
    expect(page.get_by_role("status").filter(has_text="Added medication 2.")).to_be_visible()
    assert posted.value.headers.get("hx-request") == "true"
    expect(page).to_have_url(path_is("/intake/medications/"))
    second = row(page, "Medication", 2)
    expect(second.get_by_label("Medicine")).to_be_focused()
    expect(row(page, "Medication", 1).get_by_label("Medicine")).to_have_value("Aspirin")
    second.get_by_label("Medicine").fill("Lisinopril")
    second.get_by_label("Dose").fill("10 mg")
    second.get_by_label("How often").fill("once a day")
    page.get_by_role("button", name="Remove medication 1").click()
    expect(page.get_by_role("status").filter(has_text="Removed medication 1.")).to_be_focused()
    expect(page.get_by_role("group", name=re.compile(r"^Medication \d"))).to_have_count(1)
    only = row(page, "Medication", 1)
    expect(only.get_by_label("Medicine")).to_have_value("Lisinopril")
    expect(only.get_by_label("Dose")).to_have_value("10 mg")
    expect(only.get_by_label("How often")).to_have_value("once a day")
    audit("medications after adding and removing a row")
    save_and_continue(page, IntakeStep.MEDICATIONS, to=IntakeStep.ALLERGIES)

    # Allergies: a row without its severity is explained beside the field, nothing typed lost.
    done += (IntakeStep.MEDICATIONS,)
    expect_step(page, IntakeStep.ALLERGIES, saved=done)
    audit("allergies")
    allergy = row(page, "Allergy", 1)
    allergy.get_by_label("Allergic to").fill("Penicillin")
    allergy.get_by_label("Reaction (optional)").fill("Hives")
    page.get_by_role("button", name="Save and continue").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(
        "Please check 1 thing below. What you typed is kept as a draft."
    )
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(f"Allergy 1, severity: {SEVERITY_MESSAGE}")
    expect(page).to_have_url(path_is("/intake/allergies/"))
    allergy = row(page, "Allergy", 1)
    expect(row_field(page, allergy, "Severity").locator(".errorlist")).to_have_text(
        SEVERITY_MESSAGE
    )
    expect(allergy.get_by_label("Severity")).to_have_attribute("aria-invalid", "true")
    expect(row_field(page, allergy, "Allergic to").locator(".errorlist")).to_have_count(0)
    expect(allergy.get_by_label("Allergic to")).to_have_value("Penicillin")
    expect(allergy.get_by_label("Reaction (optional)")).to_have_value("Hives")
    audit("allergies with an error")
    allergy.get_by_label("Severity").select_option("severe")
    save_and_continue(page, IntakeStep.ALLERGIES, to=IntakeStep.PHARMACY)

    # Pharmacy: type, let htmx save the draft, then close the page midway.
    done += (IntakeStep.ALLERGIES,)
    expect_step(page, IntakeStep.PHARMACY, saved=done)
    audit("pharmacy")
    page.get_by_label("Pharmacy name").fill("CVS South Congress")
    page.get_by_label("Pharmacy name").press("Tab")  # the change event fires when the field is left
    expect(page.locator("#intake-draft-status")).to_have_text(DRAFT_SAVED)
    # The time shown is the patient's own (Chicago), that of the draft as stored.
    draft = Intake.objects.get(patient=user).drafts[IntakeStep.PHARMACY]
    assert draft["raw"]["name"] == "CVS South Congress"
    saved_at = datetime.datetime.fromisoformat(draft["saved_at"]).astimezone(CHICAGO)
    draft_saved = f"Draft saved {saved_at:%-I:%M %p}"
    expect(page.locator("#intake-draft-status")).to_have_text(draft_saved)
    page.context.close()

    page = new_page(viewport=PHONE, time_zone="America/Chicago")
    audit.page = page
    page.goto("/intake/")
    log_in(page, email=user.email, password=PASSWORD)
    expect_step(page, IntakeStep.PHARMACY, saved=done)
    expect(page.get_by_text("You left this step with answers not yet saved.")).to_be_visible()
    expect(page.get_by_label("Pharmacy name")).to_have_value("CVS South Congress")
    expect(page.locator("#intake-draft-status")).to_have_text(draft_saved)
    audit("pharmacy with a draft")
    page.get_by_label("Pharmacy phone").fill("512-555-0142")
    page.get_by_label("Pharmacy address").fill("2 S Congress Ave, Austin, TX")
    save_and_continue(page, IntakeStep.PHARMACY, to=IntakeStep.CONSENTS)

    # Consents: each one in full, signed by typing the legal name.
    done += (IntakeStep.PHARMACY,)
    expect_step(page, IntakeStep.CONSENTS, saved=done)
    for title in ("Consent to telehealth care", "Notice of privacy practices"):
        expect(page.get_by_role("region", name=f"Full text of the {title.lower()}")).to_be_visible()
    audit("consents")
    page.get_by_label("Your full legal name, to sign the consent to telehealth care").fill(
        LEGAL_NAME
    )
    page.get_by_label("Your full legal name, to sign the notice of privacy practices").fill(
        LEGAL_NAME
    )
    page.get_by_role("button", name="Sign and finish").click()

    # The answers, as saved.
    expect(page).to_have_url(path_is(f"/patients/{user.pk}/intake/"))
    expect(page.locator("#messages")).to_contain_text("Your health history is complete.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your health history")
    address = page.get_by_role("region", name="Demographics and home address")
    expect(address).to_contain_text("100 Congress Ave")
    expect(address).to_contain_text("Austin, TX 78701")
    expect(page.get_by_role("region", name="Emergency contact")).to_contain_text("(512) 555-0199")
    expect(page.get_by_role("region", name="Insurance")).to_contain_text("XYZ123456789")
    medicines = page.get_by_role("region", name="Current medications").get_by_role("row")
    expect(medicines).to_have_count(2)  # and the header row
    expect(medicines.nth(1)).to_have_text(re.compile(r"Lisinopril\s*10 mg\s*once a day"))
    allergies = page.get_by_role("region", name="Allergies").get_by_role("row")
    expect(allergies.nth(1)).to_have_text(re.compile(r"Penicillin\s*Hives\s*Severe"))
    pharmacy = page.get_by_role("region", name="Preferred pharmacy")
    expect(pharmacy).to_contain_text("CVS South Congress")
    expect(pharmacy).to_contain_text("(512) 555-0142")
    signatures = page.get_by_role("region", name="Consents").get_by_role("listitem")
    expect(signatures).to_have_count(2)
    for signature in signatures.all():
        expect(signature).to_contain_text(f"by typing “{LEGAL_NAME}”")
    audit("answers")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page).to_have_url(path_is("/patient/"))
    expect(page.locator(".checklist li").filter(has_text="health history")).to_contain_text(
        "Done Your health history is complete."
    )

    # Booking is open now: a therapist's times, and the visit is booked.
    open_therapy_times(page)
    choose_day_and_time(page, day=local_day(CHICAGO, days_from_today=2), time_label="10:00 AM")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your visit")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/visits/[0-9a-f-]{36}/$"))
    expect(page.locator("#messages")).to_contain_text("Your visit is booked.")
    assert Visit.objects.filter(patient=user, provider=therapist).count() == 1

    intake = Intake.objects.get(patient=user)
    assert intake.is_complete
    assert intake.drafts == {}
    assert intake.answers[IntakeStep.MEDICATIONS]["medications"] == [
        {"name": "Lisinopril", "dose": "10 mg", "frequency": "once a day"}
    ]
    audit.assert_clean()


def test_intake_steps_save_and_resume_with_javascript_off(new_page):
    """With JavaScript off: a bad ZIP fixed, a row added, each saved step kept across sign-out."""
    user = new_patient()
    page = new_page(javascript=False, viewport=LAPTOP, time_zone="America/Chicago")
    sign_in_patient(page, user)
    page.get_by_role("link", name="Complete your health history").click()
    expect_step(page, IntakeStep.DEMOGRAPHICS)

    fill_demographics(page, zip_code="787")
    with page.expect_request(lambda request: request.method == "POST") as posted:
        page.get_by_role("button", name="Save and continue").click()
    assert posted.value.is_navigation_request()
    assert "hx-request" not in posted.value.headers
    expect(page.get_by_role("alert")).to_contain_text("Please check 1 thing below.")
    expect(page.get_by_role("alert").get_by_role("link")).to_have_attribute("href", "#id_zip_code")
    expect(field(page, "ZIP code").locator(".errorlist")).to_have_text(ZIP_MESSAGE)
    expect(page.get_by_label("ZIP code")).to_have_value("787")
    expect(page.get_by_label("Female", exact=True)).to_be_checked()
    expect(page.get_by_label("Address line 1")).to_have_value("100 Congress Ave")
    expect(page.get_by_label("Address line 2 (optional)")).to_have_value("Apt 4")
    expect(page.get_by_label("City")).to_have_value("Austin")
    expect(page.get_by_label("State:", exact=True)).to_have_value("TX")
    expect(field(page, "City").locator(".errorlist")).to_have_count(0)
    page.get_by_label("ZIP code").fill("78701-1234")
    save_and_continue(page, IntakeStep.DEMOGRAPHICS, to=IntakeStep.EMERGENCY_CONTACT)

    fill_emergency_contact(page)
    save_and_continue(page, IntakeStep.EMERGENCY_CONTACT, to=IntakeStep.INSURANCE)
    page.get_by_label("I'll pay myself (self-pay)").check()
    save_and_continue(page, IntakeStep.INSURANCE, to=IntakeStep.HISTORY)
    page.get_by_label("Health conditions").fill("Asthma")
    save_and_continue(page, IntakeStep.HISTORY, to=IntakeStep.MEDICATIONS)

    # Adding a row is a plain submit: the page comes back with the new row and what was typed.
    row(page, "Medication", 1).get_by_label("Medicine").fill("Metformin")
    row(page, "Medication", 1).get_by_label("Dose").fill("500 mg")
    page.get_by_role("button", name="Add a medication").click()
    expect(page).to_have_url(path_is("/intake/medications/"))
    expect(page.get_by_role("status").filter(has_text="Added medication 2.")).to_be_visible()
    expect(row(page, "Medication", 1).get_by_label("Medicine")).to_have_value("Metformin")
    expect(row(page, "Medication", 1).get_by_label("Dose")).to_have_value("500 mg")
    row(page, "Medication", 2).get_by_label("Medicine").fill("Vitamin D")
    save_and_continue(page, IntakeStep.MEDICATIONS, to=IntakeStep.ALLERGIES)

    # Sign out and back in: /intake/ resumes at the first step not yet saved.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(path_is("/"))
    sign_in_patient(page, user)
    expect(page.locator(".checklist li").filter(has_text="health history")).to_contain_text(
        "Still to do: allergies, preferred pharmacy, consents."
    )
    page.goto("/intake/")
    saved = tuple(list(IntakeStep)[:5])
    expect_step(page, IntakeStep.ALLERGIES, saved=saved)
    expect(page.get_by_text("You left this step with answers not yet saved.")).to_have_count(0)

    page.get_by_role("link", name="Back to the previous step").click()
    expect_step(page, IntakeStep.MEDICATIONS, saved=saved)
    expect(row(page, "Medication", 1).get_by_label("Medicine")).to_have_value("Metformin")
    expect(row(page, "Medication", 2).get_by_label("Medicine")).to_have_value("Vitamin D")
    answers = Intake.objects.get(patient=user).answers
    assert set(answers) == {step.value for step in saved}  # jsonb keeps no key order
    assert answers[IntakeStep.DEMOGRAPHICS]["zip_code"] == "78701-1234"
    assert answers[IntakeStep.INSURANCE]["payment"] == "self-pay"
    assert [row["name"] for row in answers[IntakeStep.MEDICATIONS]["medications"]] == [
        "Metformin",
        "Vitamin D",
    ]


def patient_part_way_through_intake():
    """A new patient who has saved the first three steps of their health history."""
    user = new_patient()
    intake = intake_for(user)
    for step in (IntakeStep.DEMOGRAPHICS, IntakeStep.EMERGENCY_CONTACT, IntakeStep.INSURANCE):
        intake = intake_save_step(intake=intake, step=step, answers=COMPLETE_ANSWERS[step])
    return user


STILL_TO_DO = (
    "Still to do: medical history, current medications, allergies, preferred pharmacy, consents."
)


def test_booking_before_the_intake_is_complete_is_refused_with_what_is_missing(
    page: Page, axe_check: AxeCheck, therapist: ProviderProfile
):
    """Booking before the health history is complete says what is still to do; nothing is booked."""
    user = patient_part_way_through_intake()
    sign_in_patient(page, user)
    expect(page.locator(".checklist li").filter(has_text="health history")).to_contain_text(
        STILL_TO_DO
    )
    open_therapy_times(page)
    choose_day_and_time(page, day=local_day(CHICAGO, days_from_today=2), time_label="10:00 AM")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your visit")
    page.get_by_role("button", name="Continue").click()

    refusal = page.get_by_role("alert").filter(has_text="Complete your health history")
    expect(refusal).to_contain_text(f"Complete your health history before booking. {STILL_TO_DO}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your visit")
    axe_check(page)
    assert not Visit.objects.filter(patient=user).exists()


def test_booking_refusal_links_to_the_health_history(page: Page, therapist: ProviderProfile):
    """Refusing to book before the intake is complete links to the health history to finish it."""
    user = patient_part_way_through_intake()
    sign_in_patient(page, user)
    start = at(local_day(CHICAGO, days_from_today=2), 10, CHICAGO)
    page.goto(f"/book/therapy/{therapist.pk}/confirm/?start={quote(start.isoformat())}")
    page.get_by_role("button", name="Continue").click()

    refusal = page.get_by_role("alert").filter(has_text="Complete your health history")
    expect(refusal).to_contain_text(STILL_TO_DO)
    link = refusal.get_by_role("link", name=re.compile("health history", re.IGNORECASE))
    expect(link).to_have_attribute("href", "/intake/", timeout=2_000)
    link.click()
    expect(page).to_have_url(path_is("/intake/history/"))
