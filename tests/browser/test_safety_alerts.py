"""A client's crisis answer reaches their therapist, who calls them and records it; others never see it."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

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
from visits.scheduling.models import Visit, VisitType
from visits.scheduling.services import visit_book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


def test_the_therapist_calls_the_client_and_the_physician_never_sees_it(
    new_page, axe_check: AxeCheck
):
    """PHQ-9 item 9 before therapy: the therapist sees it with the phone, answers it from the
    response page, and it moves to the history; the urgent-care physician is never shown it."""
    therapist = provider(
        name="Noor Haddad", kind=ProviderProfile.Kind.THERAPIST, slugs=("therapy",)
    )
    therapist_secret = enrol_totp(therapist.user)
    physician = provider(name="Dr. Ines Park")
    physician_secret = enrol_totp(physician.user)
    client = patient(
        time_zone="America/Chicago",
        legal_first_name="Sam",
        legal_last_name="Lee",
        phone="+15125550123",
    )
    urgent_care = VisitType.objects.get(slug="urgent-care")
    seen = at(local_day(CHICAGO, days_from_today=-20), 10, CHICAGO)
    Visit.objects.create(
        patient=client,
        provider=physician,
        visit_type=urgent_care,
        start=seen,
        end=seen + urgent_care.duration,
        blocked_until=seen + urgent_care.duration,
        status=Visit.Status.COMPLETED,
    )
    therapy = visit_book(
        patient=client,
        provider=therapist,
        visit_type=VisitType.objects.get(slug="therapy"),
        start=at(local_day(CHICAGO, days_from_today=3), 10, CHICAGO),
        actor=client,
    )

    # The client answers the PHQ-9 their therapy visit asks for, item 9 above "Not at all".
    phone = new_page(viewport=PHONE, time_zone="America/Chicago")
    sign_in_patient(phone, client)
    phone.goto(f"/visits/{therapy.pk}/questionnaires/phq-9/")
    for item in latest_items("phq-9"):
        if item["id"].startswith("phq9_") and item["id"][5:].isdigit():
            label = "Several days" if item["id"] == "phq9_9" else "Not at all"
            choice = question(phone, item["text"]).get_by_label(label, exact=True)
            answer(phone, choice.check, javascript=True)
    phone.get_by_role("button", name="Submit answers").click()
    expect(phone).to_have_url(re.compile(r"/responses/\d+/$"))
    alert = SafetyAlert.objects.get(patient=client)

    # The therapist sees it on My day, with the client's phone, and opens the response page.
    desk = new_page(viewport=LAPTOP, time_zone="America/Chicago")
    sign_in_clinician(desk, therapist.user, secret=therapist_secret)
    alerts = desk.get_by_role("region", name="Safety alerts (1)")
    expect(alerts).to_contain_text("Sam Lee")
    expect(alerts.get_by_role("link", name=re.compile(r"\(512\) 555-0123"))).to_have_attribute(
        "href", "tel:+15125550123"
    )
    axe_check(desk)
    alerts.get_by_role("link", name="Respond to the alert for Sam Lee").click()
    expect(desk).to_have_url(path_is(f"/alerts/{alert.pk}/"))
    expect(desk.get_by_role("heading", level=1)).to_have_text("Safety alert: Sam Lee")
    expect(desk.get_by_text("Central time").first).to_be_visible()
    expect(desk.get_by_role("link", name="Sam Lee: (512) 555-0123")).to_have_attribute(
        "href", "tel:+15125550123"
    )
    expect(desk.get_by_role("link", name="(512) 555-0199")).to_have_attribute(
        "href", "tel:+15125550199"
    )
    expect(desk.get_by_role("link", name="The visit these answers were for")).to_be_visible()
    axe_check(desk)

    # Other without a note is refused in place (htmx), then "called the patient" is recorded.
    desk.get_by_label("Other").check()
    desk.get_by_role("button", name="Acknowledge").click()
    expect(desk.get_by_text("Say what you did, since you chose Other.")).to_be_visible()
    expect(desk.get_by_label("Other")).to_be_checked()
    desk.get_by_label("Called the patient").check()
    desk.get_by_label("Note").fill("Safe at home, went over the safety plan")
    desk.get_by_role("button", name="Acknowledge").click()
    expect(desk).to_have_url(path_is("/clinician/"))
    expect(desk.get_by_role("status")).to_contain_text(
        "Safety alert acknowledged: Called the patient."
    )
    expect(desk.get_by_role("heading", name=re.compile("^Safety alerts"))).to_have_count(0)

    # It stays in the client's alert history, linked from the score history.
    desk.goto(f"/patients/{client.pk}/scores/")
    desk.get_by_role("link", name="Safety alert history").click()
    expect(desk).to_have_url(path_is(f"/patients/{client.pk}/alerts/"))
    row = desk.get_by_role("row").filter(has_text="PHQ-9")
    expect(row).to_contain_text("Called the patient")
    expect(row).to_contain_text("Noor Haddad")
    expect(row).to_contain_text("Safe at home, went over the safety plan")
    axe_check(desk)
    alert.refresh_from_db()
    assert alert.outcome == SafetyAlert.Outcome.CALLED_PATIENT
    assert alert.acknowledged_at > alert.created_at - datetime.timedelta(seconds=1)

    # The physician who saw the client for urgent care was never shown it.
    other = new_page(viewport=LAPTOP, time_zone="America/Chicago")
    sign_in_clinician(other, physician.user, secret=physician_secret)
    expect(other.get_by_role("heading", level=1)).to_have_text("My day")
    expect(other.get_by_role("heading", name=re.compile("^Safety alerts"))).to_have_count(0)
    response = other.goto(f"/alerts/{alert.pk}/")
    assert response is not None
    assert response.status == 404
