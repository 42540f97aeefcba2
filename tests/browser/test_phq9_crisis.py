"""A PHQ-9 with thoughts of self-harm shows crisis help at once and alerts the client's therapist."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from accounts.models import ProviderProfile
from tests.accounts.fixtures import enrol_totp
from tests.browser.booking_steps import (
    answer,
    at,
    latest_items,
    local_day,
    patient,
    provider,
    question,
    seed_clinic,
    sign_in_clinician,
    sign_in_patient,
)
from tests.browser.conftest import LAPTOP, PHONE, AxeCheck
from tests.browser.steps import path_is
from visits.questionnaires.models import SafetyAlert
from visits.scheduling.models import VisitType
from visits.scheduling.services import visit_book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")
CRISIS_LINES = ("Call or text 988", "call 911")


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


def expect_crisis_help(page: Page) -> None:
    crisis = page.get_by_role("alert").filter(has_text="Help is available now.")
    for line in CRISIS_LINES:
        expect(crisis).to_contain_text(line)
    expect(crisis.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(crisis.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")


def test_phq9_self_harm_answer_shows_crisis_help_and_alerts_the_therapist(
    new_page, axe_check: AxeCheck
):
    """Item 9 above "Not at all" shows 988 and 911 at once; the therapist sees and acknowledges it."""
    therapist = provider(
        name="Noor Haddad", kind=ProviderProfile.Kind.THERAPIST, slugs=("therapy",)
    )
    secret = enrol_totp(therapist.user)
    client = patient(time_zone="America/Chicago", legal_first_name="Sam", legal_last_name="Lee")
    visit_book(
        patient=client,
        actor=client,
        provider=therapist,
        visit_type=VisitType.objects.get(slug="therapy"),
        start=at(local_day(CHICAGO, days_from_today=3), 10, CHICAGO),
    )
    page = new_page(viewport=PHONE, time_zone="America/Chicago")
    sign_in_patient(page, client)
    page.goto("/questionnaires/phq-9/")
    expect(page.get_by_role("heading", level=1)).to_have_text("PHQ-9 depression questionnaire")

    texts = {item["id"]: item["text"] for item in latest_items("phq-9")}
    first_eight = [texts[f"phq9_{number}"] for number in range(1, 9)]
    ninth = texts["phq9_9"]
    for text in first_eight:
        choice = question(page, text).get_by_label("More than half the days", exact=True)
        answer(page, choice.check, javascript=True)
    expect(page.get_by_role("alert")).to_have_count(0)
    choice = question(page, ninth).get_by_label("Several days", exact=True)
    answer(page, choice.check, javascript=True)

    # Before anything is submitted, help is on the screen and has the focus.
    expect_crisis_help(page)
    expect(page.get_by_role("alert")).to_be_focused()
    expect(question(page, ninth).get_by_label("Several days", exact=True)).to_be_checked()
    assert not SafetyAlert.objects.exists()
    axe_check(page)

    page.get_by_role("button", name="Submit answers").click()
    expect(page).to_have_url(re.compile(r"/responses/\d+/$"))
    # The result leads with the crisis help, before the heading and the score.
    expect(page.locator("main :is(h1, [role=alert])").first).to_contain_text("Call or text 988")
    expect_crisis_help(page)
    expect(page.get_by_role("heading", name="Score: 17")).to_be_visible()
    expect(page.get_by_text("Moderately severe", exact=True)).to_be_visible()
    axe_check(page)
    alert = SafetyAlert.objects.get(patient=client)
    assert alert.acknowledged_at is None

    desk = new_page(viewport=LAPTOP, time_zone="America/Chicago")
    sign_in_clinician(desk, therapist.user, secret=secret)
    alerts = desk.get_by_role("region", name="Safety alerts (1)")
    expect(alerts).to_contain_text("Sam Lee")
    alerts.get_by_role("link", name="Respond to the alert for Sam Lee").click()
    desk.get_by_label("Called the patient").check()
    desk.get_by_role("button", name="Acknowledge").click()

    expect(desk).to_have_url(path_is("/clinician/"))
    expect(desk.get_by_role("status")).to_contain_text(
        "Safety alert acknowledged: Called the patient."
    )
    expect(desk.get_by_role("heading", name=re.compile("^Safety alerts"))).to_have_count(0)
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None
    assert alert.acknowledged_at > alert.created_at - datetime.timedelta(seconds=1)
