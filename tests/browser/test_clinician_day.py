"""A clinician's day: they open the day view, start a visit and complete it, then read the chart."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts.fixtures import enrol_totp
from tests.browser.booking_steps import patient, provider, seed_clinic, sign_in_clinician
from tests.browser.conftest import LAPTOP, AxeCheck
from tests.browser.steps import path_is
from tests.visits.questionnaires.factories import QUIET_PHQ9, submit
from tests.visits.records.record_rows import addendum, lab_report, note, prescription
from visits.records.models import VisitTransition
from visits.scheduling.models import Visit, VisitType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


def visit_at(client, clinician, start: datetime.datetime, **fields) -> Visit:
    kind = VisitType.objects.get(slug="urgent-care")
    return Visit.objects.create(
        patient=client,
        provider=clinician,
        visit_type=kind,
        start=start,
        end=start + kind.duration,
        blocked_until=start + kind.duration + kind.buffer_after,
        **fields,
    )


def test_the_clinician_starts_and_completes_a_visit_from_the_day_view(
    new_page, axe_check: AxeCheck
):
    """From the navigation to the day; Start visit, then Complete, each reloading the day with
    what happened; then the patient's chart with the earlier visit's signed note and results."""
    physician = provider(name="Dr. Ines Park")
    secret = enrol_totp(physician.user)
    client = patient(time_zone="America/Chicago", legal_first_name="Sam", legal_last_name="Lee")
    now = timezone.now()
    earlier = visit_at(client, physician, now - datetime.timedelta(days=20), status="completed")
    addendum(note(earlier, assessment="Viral bronchitis."), "Feeling better on the phone.")
    prescription(earlier)
    lab_report(earlier, value="5.6")
    submit(client, "phq-9", QUIET_PHQ9, visit=earlier)
    today = visit_at(client, physician, now - datetime.timedelta(minutes=5))

    page = new_page(viewport=LAPTOP, time_zone="America/Chicago")
    sign_in_clinician(page, physician.user, secret=secret)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Visits by day").click()
    expect(page).to_have_url(path_is("/clinician/day/"))
    day = today.start.astimezone(CHICAGO).date()
    if day != timezone.now().astimezone(CHICAGO).date():  # just after midnight
        page.goto(f"/clinician/day/?date={day.isoformat()}")
    row = page.locator(f"#visit-{today.pk}")
    expect(row).to_contain_text("Sam Lee")
    expect(row).to_contain_text("Booked")
    expect(row.get_by_role("button", name="Complete for Sam Lee")).to_have_count(0)
    axe_check(page)

    row.get_by_role("button", name="Start visit for Sam Lee").click()
    expect(page.get_by_role("status")).to_contain_text("The visit has started.")
    row = page.locator(f"#visit-{today.pk}")
    expect(row).to_contain_text("In progress")
    expect(row.get_by_role("button", name="Start visit for Sam Lee")).to_have_count(0)

    row.get_by_role("button", name="Complete for Sam Lee").click()
    expect(page.get_by_role("status")).to_contain_text("The visit is completed.")
    row = page.locator(f"#visit-{today.pk}")
    expect(row).to_contain_text("Completed")
    expect(row.get_by_role("button")).to_have_count(0)
    today.refresh_from_db()
    assert today.status == Visit.Status.COMPLETED
    assert [t.to_status for t in VisitTransition.objects.filter(visit=today)] == [
        "in_progress",
        "completed",
    ]

    row.get_by_role("link", name="Chart for Sam Lee").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chart: Sam Lee")
    expect(page.get_by_text("Viral bronchitis.")).to_be_visible()
    expect(page.get_by_text("Feeling better on the phone.")).to_be_visible()
    expect(page.get_by_role("cell", name="↑ High")).to_be_visible()
    axe_check(page)
