"""A clinician documents a visit: types the note (saved as they go), adds a diagnosis found by
searching, signs it after reviewing it, and adds an addendum; the page passes axe throughout."""

import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.accounts.fixtures import enrol_totp
from tests.browser.booking_steps import (
    at,
    local_day,
    patient,
    provider,
    seed_clinic,
    sign_in_clinician,
)
from tests.browser.conftest import LAPTOP, AxeCheck
from tests.browser.steps import path_is
from visits.records.models import AfterVisitSummary, NoteAddendum, VisitNote
from visits.scheduling.models import Visit, VisitType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


def test_a_clinician_writes_codes_signs_and_amends_a_note(new_page, axe_check: AxeCheck):
    """Autosave says "Saved at", the diagnosis is added from the search, signing shows who and
    when, and the addendum is listed with its author."""
    physician = provider(name="Dr. Ines Park")
    secret = enrol_totp(physician.user)
    client = patient(time_zone="America/Chicago", legal_first_name="Sam", legal_last_name="Lee")
    urgent_care = VisitType.objects.get(slug="urgent-care")
    start = at(local_day(CHICAGO, days_from_today=0), 9, CHICAGO)
    visit = Visit.objects.create(
        patient=client,
        provider=physician,
        visit_type=urgent_care,
        start=start,
        end=start + urgent_care.duration,
        blocked_until=start + urgent_care.duration,
        status=Visit.Status.IN_PROGRESS,
    )

    desk = new_page(viewport=LAPTOP, time_zone="America/Chicago")
    sign_in_clinician(desk, physician.user, secret=secret)
    desk.goto(f"/visits/{visit.pk}/note/")
    expect(desk.get_by_role("heading", level=1)).to_have_text("Visit note: Sam Lee")
    axe_check(desk)

    # Typing is saved as a draft a second after it stops.
    desk.get_by_label("Subjective").fill("Sore throat for three days, no cough.")
    desk.get_by_label("Assessment").fill("Likely streptococcal pharyngitis.")
    desk.get_by_label("Plan").fill("Rapid strep test; fluids and rest.")
    desk.get_by_label("What to do").fill("Drink plenty of fluids and rest.")
    status = desk.locator("#note-draft-status")
    expect(status).to_have_text(re.compile(r"^Saved at \d{1,2}:\d{2} [AP]M Central time$"))
    expect(desk.locator("#note-revision")).not_to_have_value("0")
    note = VisitNote.objects.get(visit=visit)
    assert note.plan == "Rapid strep test; fluids and rest."

    # A diagnosis, found by words and added from the list of matches.
    desk.get_by_label("Find a diagnosis").fill("strep throat")
    matches = desk.get_by_role("list", name="Matching diagnoses")
    expect(matches).to_contain_text("J02.0")
    matches.get_by_role("button", name="Add J02.0 Streptococcal pharyngitis").click()
    expect(desk.get_by_role("status").filter(has_text="Added J02.0")).to_be_visible()
    on_note = desk.get_by_role("list", name="Diagnoses on this note")
    expect(on_note).to_contain_text("J02.0 Streptococcal pharyngitis")
    axe_check(desk)

    # More typing after the diagnosis still saves: the form carries the new revision.
    revision = desk.locator("#note-revision").input_value()
    desk.get_by_label("Objective").fill("Red, swollen tonsils on video.")
    expect(desk.locator("#note-revision")).not_to_have_value(revision)
    expect(status).to_have_text(re.compile(r"^Saved at "))

    # Review, then sign.
    desk.get_by_role("button", name="Review and sign").click()
    expect(desk).to_have_url(path_is(f"/visits/{visit.pk}/note/sign/"))
    expect(desk.get_by_text("Red, swollen tonsils on video.")).to_be_visible()
    axe_check(desk)
    desk.get_by_role("button", name="Sign note").click()
    expect(desk).to_have_url(path_is(f"/visits/{visit.pk}/note/"))
    expect(
        desk.get_by_text(re.compile(r"Signed by Dr\. Ines Park at .* Central time"))
    ).to_be_visible()
    expect(desk.get_by_label("Plan")).to_have_count(0)
    assert AfterVisitSummary.objects.get(visit=visit).released_at is not None
    axe_check(desk)

    # An addendum, listed with who and when.
    desk.get_by_label("Addendum").fill("Rapid strep positive; amoxicillin prescribed.")
    desk.get_by_role("button", name="Add addendum").click()
    addenda = desk.get_by_role("region", name="Addenda")
    expect(addenda).to_contain_text(re.compile(r"Addendum by Dr\. Ines Park at .* Central time"))
    expect(addenda).to_contain_text("Rapid strep positive; amoxicillin prescribed.")
    assert NoteAddendum.objects.get().author == physician.user
    axe_check(desk)
