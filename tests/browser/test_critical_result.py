"""A critical potassium entered by hand reaches the ordering physician's day, who opens it and
records what was done; the value never reaches an email."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
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
from visits.records.models import LabOrder
from visits.results.flags import Flag
from visits.results.models import CriticalResultAlert, LabReport
from visits.scheduling.models import Visit, VisitType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


def test_the_physician_acknowledges_a_critical_potassium(new_page, axe_check: AxeCheck):
    """Entered from the lab order, flagged critically high in words, on My day, answered from
    its page with an outcome, and gone from My day after."""
    physician = provider(name="Dr. Ines Park")
    secret = enrol_totp(physician.user)
    sam = patient(
        time_zone="America/Chicago",
        legal_first_name="Sam",
        legal_last_name="Lee",
        phone="+15125550123",
    )
    urgent_care = VisitType.objects.get(slug="urgent-care")
    start = at(local_day(CHICAGO, days_from_today=2), 10, CHICAGO)
    visit = Visit.objects.create(
        patient=sam,
        provider=physician,
        visit_type=urgent_care,
        start=start,
        end=start + urgent_care.duration,
        blocked_until=start + urgent_care.duration,
    )
    order = LabOrder.objects.create(
        visit=visit,
        patient=sam,
        ordering_clinician=physician.user,
        test_name="Potassium",
        loinc_code="2823-3",
    )

    desk = new_page(viewport=LAPTOP, time_zone="America/Chicago")
    sign_in_clinician(desk, physician.user, secret=secret)
    expect(desk.get_by_role("heading", name=re.compile("^Critical results"))).to_have_count(0)

    # The lab phoned the result through: the physician types it in from the order.
    desk.goto(f"/results/orders/{order.pk}/enter/")
    expect(desk.get_by_role("heading", level=1)).to_have_text("Enter a result: Sam Lee")
    expect(desk.get_by_label("Test:", exact=True)).to_have_value("Potassium")
    axe_check(desk)
    desk.get_by_label("Result:", exact=True).fill("7.1")
    desk.get_by_label("Unit:", exact=True).fill("mmol/L")
    desk.get_by_label("Reference range: low").fill("3.5")
    desk.get_by_label("Reference range: high").fill("three")
    desk.get_by_role("button", name="Record the result").click()
    expect(desk.get_by_text("Enter a number, such as 3.5.")).to_be_visible()
    expect(desk.get_by_label("Result:", exact=True)).to_have_value("7.1")
    desk.get_by_label("Reference range: high").fill("5.1")
    desk.get_by_label("Critical at or below").fill("2.5")
    desk.get_by_label("Critical at or above").fill("6.5")
    desk.get_by_role("button", name="Record the result").click()
    expect(desk).to_have_url(re.compile(r"/results/reports/\d+/$"))
    report = LabReport.objects.get()
    expect(desk).to_have_url(path_is(f"/results/reports/{report.pk}/"))
    expect(desk.get_by_role("status")).to_contain_text("Potassium recorded.")
    row = desk.get_by_role("row").filter(has_text="Potassium")
    expect(row).to_contain_text("7.1 mmol/L")
    expect(row).to_contain_text("↑↑ Critically high")
    expect(row).to_contain_text("3.5 to 5.1")
    expect(desk.get_by_text("Released to the patient on")).to_be_visible()
    axe_check(desk)

    # My day shows it, beside where the safety alerts go.
    desk.get_by_role("navigation", name="Main").get_by_role("link", name="My day").click()
    expect(desk).to_have_url(path_is("/clinician/"))
    block = desk.get_by_role("region", name="Critical results (1)")
    expect(block).to_contain_text("Sam Lee")
    expect(block).to_contain_text("Potassium 7.1 mmol/L")
    expect(block).to_contain_text("critically high")
    axe_check(desk)
    alert = CriticalResultAlert.objects.get()
    block.get_by_role("link", name="Respond to the critical result for Sam Lee").click()
    expect(desk).to_have_url(path_is(f"/results/critical/{alert.pk}/"))
    expect(desk.get_by_role("heading", level=1)).to_have_text("Critical result: Sam Lee")
    expect(desk.get_by_text("Central time").first).to_be_visible()
    expect(desk.get_by_role("link", name="Sam Lee: (512) 555-0123")).to_have_attribute(
        "href", "tel:+15125550123"
    )
    axe_check(desk)

    # Other without a note is refused in place, then the call is recorded.
    desk.get_by_label("Other").check()
    desk.get_by_role("button", name="Acknowledge").click()
    expect(desk.get_by_text("Say what you did, since you chose Other.")).to_be_visible()
    expect(desk.get_by_label("Other")).to_be_checked()
    desk.get_by_label("Sent to emergency care").check()
    desk.get_by_label("Note").fill("Spoke to Sam, on the way to the ER")
    desk.get_by_role("button", name="Acknowledge").click()
    expect(desk).to_have_url(path_is("/clinician/"))
    expect(desk.get_by_role("status")).to_contain_text(
        "Critical result acknowledged: Sent to emergency care."
    )
    expect(desk.get_by_role("heading", name=re.compile("^Critical results"))).to_have_count(0)

    alert.refresh_from_db()
    assert alert.acknowledged_by == physician.user
    assert alert.outcome == CriticalResultAlert.Outcome.EMERGENCY_CARE
    assert alert.observation.flag == Flag.CRITICAL_HIGH
    for message in mail.outbox:
        assert "7.1" not in message.body
        assert "potassium" not in message.body.lower()
