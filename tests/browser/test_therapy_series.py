"""A therapy client books a weekly series of sessions, with and without a clash on one date."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from accounts.models import ProviderProfile
from tests.accounts.factories import PatientProfileFactory
from tests.browser.booking_steps import (
    at,
    calendar_files,
    choose_day_and_time,
    emails_to,
    local_day,
    patient,
    provider,
    seed_clinic,
    sign_in_patient,
)
from tests.browser.conftest import LAPTOP, AxeCheck
from tests.browser.steps import path_is
from visits.scheduling.models import Visit, VisitSeries, VisitType
from visits.scheduling.services import visit_book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")
THERAPIST = "Noor Haddad"
WEEK = datetime.timedelta(weeks=1)


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


@pytest.fixture
def therapist() -> ProviderProfile:
    return provider(name=THERAPIST, kind=ProviderProfile.Kind.THERAPIST, slugs=("therapy",))


def ask_for_weekly_series(page: Page, *, first_day: datetime.date, sessions: int) -> None:
    """From the dashboard: Therapy, the therapist, a day and 10:00 AM, then every week."""
    page.get_by_role("button", name="Book a visit").click()
    page.get_by_role("link", name=re.compile(r"^Therapy")).click()
    expect(page).to_have_url(path_is("/book/therapy/"))
    page.get_by_role("button", name="See times with Noor").click()
    choose_day_and_time(page, day=first_day, time_label="10:00 AM")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your visit")
    page.get_by_role("group", name="How often").get_by_label("Every week").check()
    page.get_by_label("Number of sessions").fill(str(sessions))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your sessions")
    expect(page.get_by_text(f"Therapy with {THERAPIST}, LCSW, every week.")).to_be_visible()


def expect_series_booked(page: Page, user, *, starts: list[datetime.datetime]) -> None:
    """The first session's page says so and lists every session; one email holds them all."""
    expect(page).to_have_url(re.compile(r"/visits/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("status")).to_contain_text(f"Your {len(starts)} sessions are booked.")
    sessions = page.get_by_role("table").get_by_role("row")
    expect(sessions).to_have_count(len(starts) + 1)  # and the header row
    for index, start in enumerate(starts, start=1):
        local = start.astimezone(CHICAGO)
        expect(sessions.nth(index)).to_contain_text(f"{local:%a} {local.day} {local:%b %Y}")
        expect(sessions.nth(index)).to_contain_text(f"{local:%-I:%M %p}")
        expect(sessions.nth(index)).to_contain_text("Booked")

    series = VisitSeries.objects.get(patient=user)
    assert [visit.start for visit in series.visits.order_by("start")] == starts
    sent = emails_to(user.email)
    assert [message.subject for message in sent] == [
        f"Housecall: your {len(starts)} visits are booked"
    ]
    (calendar,) = calendar_files(sent[0])
    assert calendar.count("BEGIN:VEVENT") == len(starts)


def test_client_books_four_weekly_sessions(page: Page, therapist, axe_check: AxeCheck):
    """On a phone, a client books 4 weekly sessions; all dates are free and all are booked."""
    user = patient(time_zone="America/Chicago")
    first_day = local_day(CHICAGO, days_from_today=3)
    starts = [at(first_day + n * WEEK, 10, CHICAGO) for n in range(4)]
    sign_in_patient(page, user)

    ask_for_weekly_series(page, first_day=first_day, sessions=4)
    expect(page.get_by_role("status").filter(has_text="dates are free")).to_have_text(
        "All 4 dates are free."
    )
    chosen = page.get_by_role("checkbox", checked=True)
    expect(chosen).to_have_count(4)
    axe_check(page)
    page.get_by_role("button", name="Book the sessions I've chosen").click()

    expect_series_booked(page, user, starts=starts)


def test_client_picks_another_time_for_a_date_that_is_taken(new_page, therapist):
    """With JavaScript off, a date already taken is marked and the offered time replaces it."""
    page = new_page(javascript=False, viewport=LAPTOP, time_zone="America/Chicago")
    user = patient(time_zone="America/Chicago")
    first_day = local_day(CHICAGO, days_from_today=3)
    taken = at(first_day + 2 * WEEK, 10, CHICAGO)
    someone_else = PatientProfileFactory().user
    visit_book(
        patient=someone_else,
        actor=someone_else,
        provider=therapist,
        visit_type=VisitType.objects.get(slug="therapy"),
        start=taken,
    )
    sign_in_patient(page, user)

    ask_for_weekly_series(page, first_day=first_day, sessions=4)
    expect(page.get_by_role("alert")).to_contain_text("1 of 4 dates is not free.")
    expect(page.get_by_role("checkbox", checked=True)).to_have_count(3)
    local = taken.astimezone(CHICAGO)
    clash = page.get_by_role("group", name=re.compile(f"{local.day} {local:%b %Y}.*Not free"))
    expect(clash.get_by_role("radio", name="Skip this date")).to_be_checked()
    instead = clash.get_by_role("radio", name=re.compile("^Instead:"))
    expect(instead.first).to_be_visible()
    alternative = datetime.datetime.fromisoformat(instead.first.get_attribute("value"))
    assert alternative.astimezone(CHICAGO).date() == local.date()
    assert alternative != taken
    instead.first.check()
    page.get_by_role("button", name="Book the sessions I've chosen").click()

    starts = [at(first_day + n * WEEK, 10, CHICAGO) for n in (0, 1, 3)]
    expect_series_booked(page, user, starts=sorted([*starts, alternative]))
    assert Visit.objects.filter(start=taken, status=Visit.Status.BOOKED).count() == 1
