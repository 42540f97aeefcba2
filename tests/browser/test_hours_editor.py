"""The hours editor with JavaScript on: a saved edit shows as saved, and typed times survive."""

import datetime
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
from visits.scheduling.models import Visit, VisitType, Weekday, WeeklyHours
from visits.scheduling.services import visit_book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


def test_saving_an_edit_that_strands_a_visit_shows_it_saved(new_page, axe_check: AxeCheck):
    """Removing a day's hours over a booked visit, keeping the visit: the editor shows the
    saved message and the day without hours, and no longer says nothing is saved."""
    doctor = provider(name="Dr. Ada Okafor", hours=(datetime.time(9), datetime.time(12)))
    secret = enrol_totp(doctor.user)
    day = local_day(CHICAGO, days_from_today=3)
    visit = visit_book(
        patient=patient(time_zone="America/Chicago", legal_first_name="Maya"),
        provider=doctor,
        visit_type=VisitType.objects.get(slug="follow-up"),
        start=at(day, 10, CHICAGO),
        actor=doctor.user,
    )
    weekday = Weekday(day.weekday()).label

    page = new_page(viewport=LAPTOP, time_zone="America/Chicago")
    sign_in_clinician(page, doctor.user, secret=secret)
    page.goto(f"/schedules/{doctor.pk}/")
    section = page.locator(f"#weekday-{day.weekday()}")
    section.get_by_role("button", name=re.compile(f"^Remove {weekday}")).click()
    expect(
        page.get_by_role("heading", name=re.compile("Before saving: 1 booked visit"))
    ).to_be_visible()
    page.get_by_label("Keep it at 10:00 AM, outside the new hours").check()
    page.get_by_role("button", name="Save the change and these choices").click()

    expect(page.get_by_role("status").filter(has_text="Saved: Remove")).to_contain_text(
        "1 visit kept."
    )
    expect(page.get_by_text("Nothing is saved yet")).to_have_count(0)
    expect(section).to_contain_text("Not working.")
    assert not WeeklyHours.objects.filter(provider=doctor, weekday=day.weekday()).exists()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.BOOKED
    axe_check(page)

    # Reloading shows the same saved hours: it was the database, not only the page.
    page.reload()
    expect(page.locator(f"#weekday-{day.weekday()}")).to_contain_text("Not working.")


def test_typed_times_survive_removing_another_block_of_the_day(new_page):
    """Times typed into one block's change form are still there after another block of the
    same day is removed, and the copy link keeps them too."""
    doctor = provider(name="Dr. Ada Okafor", hours=(datetime.time(9), datetime.time(12)))
    secret = enrol_totp(doctor.user)
    afternoon = WeeklyHours.objects.create(
        provider=doctor, weekday=0, start_time=datetime.time(13), end_time=datetime.time(17)
    )
    page = new_page(viewport=LAPTOP, time_zone="America/Chicago")
    sign_in_clinician(page, doctor.user, secret=secret)
    page.goto(f"/schedules/{doctor.pk}/")
    monday = page.locator("#weekday-0")

    monday.get_by_role("link", name="Change Monday 1:00 PM to 5:00 PM").click()
    start = page.locator(f"input[name='block{afternoon.pk}-start_time']")
    end = page.locator(f"input[name='block{afternoon.pk}-end_time']")
    start.fill("13:30")
    end.fill("16:45")
    monday.locator("input[name='add0-start_time']").fill("18:00")

    monday.get_by_role("button", name="Remove Monday 9:00 AM to 12:00 PM").click()
    expect(monday.get_by_role("status")).to_contain_text("Saved: Remove Monday")
    expect(start).to_have_value("13:30")
    expect(end).to_have_value("16:45")
    expect(monday.locator("input[name='add0-start_time']")).to_have_value("18:00")

    page.get_by_role("link", name="Copy Monday to other days").click()
    expect(page.locator("select[name='copy-source']")).to_have_value("0")
    expect(start).to_have_value("13:30")

    monday.get_by_role("button", name="Save").click()
    expect(monday.get_by_role("status")).to_contain_text("to 1:30 PM to 4:45 PM")
    afternoon.refresh_from_db()
    assert (afternoon.start_time, afternoon.end_time) == (
        datetime.time(13, 30),
        datetime.time(16, 45),
    )
    expect(monday.locator("input[name='add0-start_time']")).to_have_value("18:00")
