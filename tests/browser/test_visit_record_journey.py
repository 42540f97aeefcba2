"""A visit's record from end to end: a physician completes today's visit with a note, an
addendum, a prescription and a lab order; the lab's HL7 file for that order arrives with one high
and one critical value; the physician acknowledges the critical alert; the patient reads the
summary and the results with their flags in words, downloads the record and finds the physician
in the access report. axe checks every page on the way."""

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from playwright.sync_api import Page, Response, expect

from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.fixtures import enrol_totp
from tests.browser.booking_steps import (
    Audit,
    emails_to,
    patient,
    provider,
    seed_clinic,
    sign_in_clinician,
    sign_in_patient,
)
from tests.browser.conftest import LAPTOP, PHONE, AxeCheck
from tests.browser.steps import current_totp_code, log_in, path_is
from visits.records.models import LabOrder, NoteAddendum, Prescription, VisitNote
from visits.results.models import CriticalResultAlert, InboundResult
from visits.results.notifications import CLINICIAN_SUBJECT, PATIENT_SUBJECT
from visits.results.samples import sample_for_order
from visits.scheduling.models import Visit, VisitType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")
SAVED = re.compile(r"^Saved at \d{1,2}:\d{2} [AP]M Central time$")


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


def main_nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def draft_saved_with(page: Page, field: str, text: str):
    """Wait for the autosave whose form holds `text` in `field` (earlier saves may still be
    going when the last field is typed; the status line reads "Saved at" after each)."""

    def holds_text(response: Response) -> bool:
        request = response.request
        if request.method != "POST" or not urlsplit(response.url).path.endswith("/note/draft/"):
            return False
        return text in parse_qs(request.post_data or "").get(field, [])

    return page.expect_response(holds_text)


def result_row(page: Page, test: str):
    """The row of one test in a lab report's values, found by the test's name."""
    header = page.locator("th", has_text=re.compile(rf"^\s*{test}\b"))
    return page.locator(".lab-report").get_by_role("row").filter(has=header)


def test_a_visit_documented_resulted_acknowledged_and_read_by_the_patient(
    new_page, axe_check: AxeCheck
):
    """From the day view to the patient's downloaded record, through the real pages."""
    physician = provider(name="Dr. Ines Park")
    secret = enrol_totp(physician.user)
    sam = patient(
        time_zone="America/Chicago",
        legal_first_name="Sam",
        legal_last_name="Lee",
        phone="+15125550123",
    )
    urgent_care = VisitType.objects.get(slug="urgent-care")
    start = timezone.now() - datetime.timedelta(minutes=5)
    visit = Visit.objects.create(
        patient=sam,
        provider=physician,
        visit_type=urgent_care,
        start=start,
        end=start + urgent_care.duration,
        blocked_until=start + urgent_care.duration + urgent_care.buffer_after,
    )

    desk = new_page(viewport=LAPTOP, time_zone="America/Chicago")
    desk_axe = Audit(desk, axe_check)
    document_the_visit(desk, desk_axe, physician=physician, secret=secret, visit=visit)

    order = LabOrder.objects.get(visit=visit)
    lab_file_arrives(new_page, axe_check, order=order)

    acknowledge_the_critical_result(desk, desk_axe, physician=physician)
    desk_axe.assert_clean()

    the_patient_reads_the_record(new_page, axe_check, patient=sam, visit=visit)


def document_the_visit(desk: Page, audit: Audit, *, physician, secret: str, visit: Visit) -> None:
    """Day view → start → note, diagnosis, sign, addendum → prescription and lab order →
    complete."""
    sign_in_clinician(desk, physician.user, secret=secret)
    audit("My day")
    main_nav(desk, "Visits by day")
    expect(desk).to_have_url(path_is("/clinician/day/"))
    day = visit.start.astimezone(CHICAGO).date()
    if day != timezone.now().astimezone(CHICAGO).date():  # just after midnight
        desk.goto(f"/clinician/day/?date={day.isoformat()}")
    row = desk.locator(f"#visit-{visit.pk}")
    expect(row).to_contain_text("Sam Lee")
    expect(row).to_contain_text("Booked")
    audit("day view")

    row.get_by_role("button", name="Start visit for Sam Lee").click()
    expect(desk.get_by_role("status").first).to_contain_text("The visit has started.")
    row = desk.locator(f"#visit-{visit.pk}")
    expect(row).to_contain_text("In progress")

    # The note, typed and saved as a draft as the physician goes.
    row.get_by_role("link", name=re.compile(r"^Note for the ")).click()
    expect(desk).to_have_url(path_is(f"/visits/{visit.pk}/note/"))
    expect(desk.get_by_role("heading", level=1)).to_have_text("Visit note: Sam Lee")
    audit("note")
    desk.get_by_label("Subjective").fill("Burning on urination for two days; tired and thirsty.")
    desk.get_by_label("Objective").fill("Well on video; no fever reported.")
    desk.get_by_label("Assessment").fill("Uncomplicated cystitis. Thirst and tiredness to check.")
    desk.get_by_label("Plan").fill("Nitrofurantoin for five days; basic metabolic panel.")
    desk.get_by_label("What we found").fill("A bladder infection.")
    desk.get_by_label("What to do").fill("Take the antibiotic for all five days; drink water.")
    desk.get_by_label("When to seek care").fill("Fever, back pain or vomiting: call us.")
    follow_up = "Have the blood test this week; we will call with it."
    with draft_saved_with(desk, "follow_up", follow_up):
        desk.get_by_label("Follow-up").fill(follow_up)
    status = desk.locator("#note-draft-status")
    expect(status).to_have_text(SAVED)
    expect(desk.locator("#note-revision")).not_to_have_value("0")

    desk.get_by_label("Find a diagnosis").fill("urinary tract infection")
    matches = desk.get_by_role("list", name="Matching diagnoses")
    add = matches.get_by_role(
        "button", name="Add N39.0 Urinary tract infection, site not specified"
    )
    add.click()
    expect(desk.get_by_role("status").filter(has_text="Added N39.0")).to_be_visible()
    expect(desk.get_by_role("list", name="Diagnoses on this note")).to_contain_text("N39.0")
    audit("note with a diagnosis")
    # Typing after the diagnosis still saves: the form carries the new revision.
    revision = desk.locator("#note-revision").input_value()
    objective = "Well on video; no fever reported; no flank pain."
    with draft_saved_with(desk, "objective", objective):
        desk.get_by_label("Objective").fill(objective)
    expect(desk.locator("#note-revision")).not_to_have_value(revision)
    expect(status).to_have_text(SAVED)

    desk.get_by_role("button", name="Review and sign").click()
    expect(desk).to_have_url(path_is(f"/visits/{visit.pk}/note/sign/"))
    expect(desk.get_by_text("no flank pain")).to_be_visible()
    audit("review and sign")
    desk.get_by_role("button", name="Sign note").click()
    expect(desk).to_have_url(path_is(f"/visits/{visit.pk}/note/"))
    expect(
        desk.get_by_text(re.compile(r"Signed by Dr\. Ines Park at .* Central time"))
    ).to_be_visible()
    desk.get_by_label("Addendum").fill("Allergies confirmed with the patient: none.")
    desk.get_by_role("button", name="Add addendum").click()
    addenda = desk.get_by_role("region", name="Addenda")
    expect(addenda).to_contain_text(re.compile(r"Addendum by Dr\. Ines Park at .* Central time"))
    expect(addenda).to_contain_text("Allergies confirmed with the patient: none.")
    audit("signed note with an addendum")
    note = VisitNote.objects.get(visit=visit)
    assert note.signed_at is not None
    assert NoteAddendum.objects.get(note=note).author == physician.user

    # A prescription and a lab order, from the note's own links.
    desk.get_by_role("link", name="Prescriptions and lab orders").click()
    expect(desk).to_have_url(path_is(f"/visits/{visit.pk}/orders/"))
    expect(desk.get_by_role("heading", level=1)).to_have_text("Prescriptions and lab orders")
    audit("orders")
    prescribe = desk.locator("#prescription-form")
    prescribe.get_by_label("Medication").fill("Nitrofurantoin")
    prescribe.get_by_label("Strength").fill("100 mg")
    prescribe.get_by_label("Form").select_option(label="Capsule")
    prescribe.get_by_label("Directions").fill("Take 1 capsule by mouth twice daily for 5 days")
    prescribe.get_by_label("Quantity").fill("10")
    prescribe.get_by_label("Unit").fill("capsules")
    prescribe.get_by_label("Refills").fill("0")
    prescribe.get_by_role("button", name="Prescribe").click()
    expect(desk.locator("#messages")).to_contain_text("Prescribed Nitrofurantoin 100 mg.")

    labs = desk.locator("#lab-order-form")
    labs.get_by_label("Test:", exact=True).select_option(
        label="Basic metabolic panel (BMP) (LOINC 51990-0)"
    )
    labs.get_by_label("Reason for the test").fill("Thirst and tiredness")
    labs.get_by_label("Where to go").fill("Any Quest Diagnostics patient service center")
    labs.get_by_role("button", name="Order test").click()
    expect(desk.locator("#messages")).to_contain_text("Ordered Basic metabolic panel")
    expect(desk.get_by_role("table").nth(1)).to_contain_text("LOINC 51990-0")
    audit("orders with a prescription and a lab order")
    assert Prescription.objects.get(visit=visit).medication == "Nitrofurantoin"

    # Back to the visit, and done.
    desk.get_by_role("link", name="← The visit").click()
    expect(desk).to_have_url(path_is(f"/visits/{visit.pk}/"))
    audit("the visit")
    desk.get_by_role("button", name="Complete").click()
    expect(desk.get_by_role("status").first).to_contain_text("The visit is completed.")
    expect(desk.locator("main")).to_contain_text("Completed")
    visit.refresh_from_db()
    assert visit.status == Visit.Status.COMPLETED


def lab_file_arrives(new_page, axe_check: AxeCheck, *, order: LabOrder) -> None:
    """Staff upload the lab's HL7 v2 file for the order; it matches and is recorded."""
    staff = UserFactory(role="staff")
    secret = enrol_totp(staff)
    collected = timezone.now() - datetime.timedelta(hours=2)
    raw = sample_for_order("bmp_high_critical.hl7", order, collected_at=collected)

    lab = new_page(viewport=LAPTOP, time_zone="America/Chicago")
    audit = Audit(lab, axe_check)
    lab.goto("/accounts/login/")
    log_in(lab, email=staff.email, password=PASSWORD)
    lab.locator("input[name=code]").fill(current_totp_code(secret))
    lab.get_by_role("button", name="Sign in").click()
    main_nav(lab, "Lab messages")
    expect(lab).to_have_url(path_is("/results/inbox/"))
    lab.get_by_role("button", name="Upload a lab message").click()
    expect(lab.get_by_role("heading", level=1)).to_have_text("Upload a lab message")
    audit("upload")
    lab.get_by_label("Message file").set_input_files(
        {"name": "acme-bmp.hl7", "mimeType": "text/plain", "buffer": raw.encode()}
    )
    lab.get_by_role("button", name="Upload and import").click()
    expect(lab.get_by_role("status").first).to_contain_text(
        "The message matched its patient and order; its results are recorded."
    )
    audit("lab message")
    audit.assert_clean()
    inbound = InboundResult.objects.get()
    assert inbound.state == InboundResult.State.MATCHED
    assert inbound.reports.get().order == order


def acknowledge_the_critical_result(desk: Page, audit: Audit, *, physician) -> None:
    """The critical potassium waits on My day (and in an email with no value in it); the
    physician answers it from its page with what was done."""
    [email] = [m for m in emails_to(physician.user.email) if m.subject == CLINICIAN_SUBJECT]
    assert "6.8" not in email.body
    assert "potassium" not in email.body.lower()

    main_nav(desk, "My day")
    expect(desk).to_have_url(path_is("/clinician/"))
    block = desk.get_by_role("region", name="Critical results (1)")
    expect(block).to_contain_text("Sam Lee")
    expect(block).to_contain_text("Potassium")
    expect(block).to_contain_text("6.8 mmol/L")
    expect(block).to_contain_text("critically high")
    expect(block).not_to_contain_text("Glucose")  # high, not critical
    audit("My day with a critical result")

    alert = CriticalResultAlert.objects.get()
    block.get_by_role("link", name="Respond to the critical result for Sam Lee").click()
    expect(desk).to_have_url(path_is(f"/results/critical/{alert.pk}/"))
    expect(desk.get_by_role("heading", level=1)).to_have_text("Critical result: Sam Lee")
    expect(desk.locator("main")).to_contain_text("Critically high")
    expect(desk.get_by_role("link", name="Sam Lee: (512) 555-0123")).to_have_attribute(
        "href", "tel:+15125550123"
    )
    audit("critical result")
    desk.get_by_label("Called the patient").check()
    desk.get_by_label("Note").fill("Sam is going to the emergency room for a repeat potassium.")
    desk.get_by_role("button", name="Acknowledge").click()
    expect(desk).to_have_url(path_is("/clinician/"))
    expect(desk.get_by_role("status").first).to_contain_text(
        "Critical result acknowledged: Called the patient."
    )
    expect(desk.get_by_role("heading", name=re.compile("^Critical results"))).to_have_count(0)

    # The email's link leads to the list, where it is now among the acknowledged.
    desk.goto(urlsplit(re.search(r"https?://\S+", email.body).group(0)).path)
    expect(desk).to_have_url(path_is("/results/critical/"))
    expect(desk.get_by_text("No critical result is waiting for you.")).to_be_visible()
    history = desk.get_by_role("row").filter(has_text="Sam Lee")
    expect(history).to_contain_text("Called the patient")
    audit("critical results")
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.outcome) == (
        physician.user,
        CriticalResultAlert.Outcome.CALLED_PATIENT,
    )


def the_patient_reads_the_record(new_page, axe_check: AxeCheck, *, patient, visit: Visit) -> None:
    """The summary, the results with flags in words, the record as FHIR, the access report."""
    [email] = [m for m in emails_to(patient.email) if m.subject == PATIENT_SUBJECT]
    for clinical in ("6.8", "182", "potassium", "glucose", "metabolic"):
        assert clinical not in email.body.lower()

    phone = new_page(viewport=PHONE, time_zone="America/Chicago")
    audit = Audit(phone, axe_check)
    sign_in_patient(phone, patient)
    expect(phone.get_by_role("link", name="1 new result")).to_be_visible()
    audit("home")
    main_nav(phone, "Results")
    expect(phone).to_have_url(path_is("/me/results/"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("My results and records")
    audit("my results")

    # The visit's summary, released when the note was signed.
    phone.locator("#visits").get_by_role("link", name=re.compile("Urgent care with")).click()
    expect(phone).to_have_url(path_is(f"/me/visits/{visit.pk}/summary/"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your visit summary")
    for text in [
        "A bladder infection.",
        "Take the antibiotic for all five days; drink water.",
        "Fever, back pain or vomiting: call us.",
        "Have the blood test this week; we will call with it.",
        "Urinary tract infection",
        "Nitrofurantoin",
        "Basic metabolic panel",
    ]:
        expect(phone.locator("main").get_by_text(text).first).to_be_visible()
    expect(phone.locator("main")).not_to_contain_text("Uncomplicated cystitis")  # the note's
    audit("visit summary")
    phone.get_by_role("link", name="Back to my results").click()

    # The results list says what is outside the range; the report has the values, flagged
    # in words (and an arrow), not by colour alone.
    listed = phone.locator("#results .lab-report")
    expect(listed).to_contain_text("outside the normal range")
    listed.get_by_role("link", name=re.compile("^See the values")).click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Lab report: Basic metabolic")
    for test, value, flag in [
        ("Potassium", "6.8 mmol/L", "Critically high ↑↑"),
        ("Glucose", "182 mg/dL", "High ↑"),
        ("Sodium", "140 mmol/L", "In range"),
    ]:
        row = result_row(phone, test)
        expect(row.get_by_role("cell").first).to_have_text(value)
        expect(row.get_by_role("cell").last).to_have_text(flag)
    expect(
        phone.get_by_role("table", name=re.compile(r"2 outside the normal range$"))
    ).to_be_visible()
    audit("lab report")
    phone.get_by_role("link", name="Back to my results").click()

    # The record, as a FHIR R4 Bundle holding the values.
    with phone.expect_download() as download_info:
        phone.get_by_role("button", name="Download my record").click()
    download = download_info.value
    assert download.suggested_filename.startswith("housecall-record-")
    bundle = Bundle.model_validate(json.loads(Path(download.path()).read_text(encoding="utf-8")))
    observations = {
        observation.code.coding[0].code: observation
        for observation in (entry.resource for entry in bundle.entry)
        if observation.get_resource_type() == "Observation"
    }
    for code, value, interpretation in [("2823-3", "6.8", "HH"), ("2345-7", "182", "H")]:
        assert observations[code].valueQuantity.value == Decimal(value)
        assert observations[code].interpretation[0].coding[0].code == interpretation
    kinds = {entry.resource.get_resource_type() for entry in bundle.entry}
    assert {"Patient", "Encounter", "Condition", "MedicationRequest"} <= kinds

    # Who opened the record: the physician, by name.
    main_nav(phone, "Security")
    phone.get_by_role("link", name="See who opened my record").click()
    expect(phone).to_have_url(path_is("/me/access-log/"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Who opened my record")
    expect(phone.locator("main")).to_contain_text("visit notes, results, prescriptions")
    by_physician = phone.get_by_role("row").filter(has_text="Dr. Ines Park (clinician)")
    for what in [
        "Viewed your visit note on your visit's note",
        "Viewed your critical result alert on the critical result alert's page",
    ]:
        expect(by_physician.filter(has_text=what).first).to_be_visible()
    audit("access report")
    audit.assert_clean()
