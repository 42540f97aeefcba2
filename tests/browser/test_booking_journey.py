"""A patient books a visit step by step in a real browser: symptoms first, then type, provider,
day, time and confirmation; a time taken meanwhile, a red flag, moving and cancelling."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, Request, expect

from tests.accounts.factories import PatientProfileFactory
from tests.browser.booking_steps import (
    Audit,
    answer_cough_cold_flu,
    at,
    calendar_files,
    choose_day_and_time,
    emails_to,
    local_day,
    patient,
    provider,
    seed_clinic,
    shown_date,
    shown_time,
    sign_in_patient,
    start_in_url,
)
from tests.browser.conftest import LAPTOP, PHONE, AxeCheck
from tests.browser.steps import path_is
from visits.questionnaires.models import QuestionnaireResponse
from visits.scheduling.models import Visit, VisitType
from visits.scheduling.services import visit_book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
DENVER = ZoneInfo("America/Denver")
PHYSICIAN = "Amara Osei"


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


def book_urgent_care_after_symptom_check(
    page: Page, user, *, javascript: bool, audit: Audit | None = None
) -> Visit:
    """From the dashboard, answer the cough/cold/flu questions and book urgent care with
    Amara Osei tomorrow at her first hour (8:00 AM in Chicago, 9:00 AM for the patient)."""
    check = audit or (lambda name: None)
    other_state = provider(name="Bruno Diaz", states=("CA",))

    page.get_by_role("button", name="Book a visit").click()
    expect(page).to_have_url(path_is("/book/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("What is the visit for?")
    check("visit types")
    page.get_by_role("link", name=re.compile(r"^Urgent care")).click()

    # Urgent care starts with a symptom check.
    expect(page).to_have_url(path_is("/symptoms/"))
    expect(page.get_by_role("status")).to_contain_text(
        "First, a few questions about your symptoms."
    )
    check("symptom start")
    page.get_by_role("link", name="Cough, cold or flu").click()
    expect(page).to_have_url(path_is("/questionnaires/symptoms-respiratory/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cough, cold or flu")
    check("symptom questionnaire")
    answer_cough_cold_flu(page, javascript=javascript)
    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_role("button", name="Submit answers").click()
    expect(page).to_have_url(re.compile(r"/responses/\d+/$"))
    expect(page.get_by_text("A physician can see you by video for this.")).to_be_visible()
    page.get_by_role("button", name="Book an urgent care visit").click()

    # Providers licensed in Texas, with times in the patient's zone.
    expect(page).to_have_url(path_is("/book/urgent-care/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Urgent care: choose a provider")
    expect(page.get_by_text("Times are in Eastern time.")).to_be_visible()
    cards = page.get_by_role("article")
    expect(cards).to_have_count(1)
    expect(cards.get_by_role("heading")).to_have_text(f"{PHYSICIAN}, MD")
    expect(page.get_by_text(str(other_state))).to_have_count(0)
    check("providers")
    cards.get_by_role("button", name="See times with Amara").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Urgent care with {PHYSICIAN}, MD")
    expect(page.get_by_text("In Eastern time.")).to_be_visible()
    check("times")
    tomorrow = local_day(NEW_YORK, days_from_today=1)
    choose_day_and_time(page, day=tomorrow, time_label="9:00 AM")

    # The confirmation names the patient's zone and shows the time in it, not the doctor's.
    expect(page).to_have_url(re.compile(r"/book/urgent-care/\d+/confirm/\?start="))
    start = start_in_url(page)
    assert start == at(tomorrow, 8, CHICAGO)
    when = page.locator("dt:has-text('When') + dd")
    expect(when).to_contain_text(
        f"{shown_date(start, NEW_YORK)}, {tomorrow.year} at {shown_time(start, NEW_YORK)}"
    )
    expect(when).to_contain_text("Your time zone: Eastern time")
    expect(when).not_to_contain_text(shown_time(start, CHICAGO))
    expect(page.locator("dt:has-text('Cancelling') + dd")).to_contain_text(
        "Free up to 2 hours before the start."
    )
    expect(page.get_by_label("What would you like help with? (optional)")).to_have_value(
        "Cough, cold or flu"
    )
    check("confirm")
    page.get_by_role("button", name="Book this visit").click()

    expect(page).to_have_url(re.compile(r"/visits/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("status")).to_contain_text("Your visit is booked.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Urgent care with {PHYSICIAN}, MD")
    expect(page.locator("dt:has-text('When') + dd")).to_contain_text(
        f"at {shown_time(start, NEW_YORK)}"
    )
    # The symptom answers go with the visit for the physician to read.
    expect(page.get_by_role("link", name="Cough, cold or flu")).to_be_visible()
    check("visit detail")

    page.get_by_role("link", name="← Home").click()
    expect(page).to_have_url(path_is("/patient/"))
    visit_card = page.get_by_role("article").filter(
        has=page.get_by_role("link", name=f"Urgent care with {PHYSICIAN}, MD")
    )
    expect(visit_card).to_contain_text(
        f"{shown_date(start, NEW_YORK)} at {shown_time(start, NEW_YORK)}"
    )
    check("dashboard")

    visit = Visit.objects.get(patient=user)
    assert (visit.start, visit.status, visit.visit_type.slug) == (start, "booked", "urgent-care")
    assert QuestionnaireResponse.objects.get(visit=visit).questionnaire.slug == (
        "symptoms-respiratory"
    )
    return visit


def expect_booking_email(visit: Visit) -> None:
    """One confirmation with the visit as a calendar file."""
    sent = emails_to(visit.patient.email)
    assert [message.subject for message in sent] == ["Housecall: your visit is booked"]
    (calendar,) = calendar_files(sent[0])
    assert calendar.count("BEGIN:VEVENT") == 1
    assert f"DTSTART:{visit.start:%Y%m%dT%H%M%SZ}" in calendar


def test_patient_books_urgent_care_on_a_phone_after_a_symptom_check(new_page, axe_check: AxeCheck):
    """On a phone, a patient in New York time answers symptoms and books urgent care in Texas."""
    page = new_page(viewport=PHONE, time_zone="America/New_York")
    provider(name=PHYSICIAN, time_zone="America/Chicago")
    user = patient(time_zone="America/New_York")
    sign_in_patient(page, user)
    audit = Audit(page, axe_check)

    visit = book_urgent_care_after_symptom_check(page, user, javascript=True, audit=audit)
    expect_booking_email(visit)
    assert audit.pages == [
        "visit types",
        "symptom start",
        "symptom questionnaire",
        "providers",
        "times",
        "confirm",
        "visit detail",
        "dashboard",
    ]
    audit.assert_clean()


def test_patient_books_urgent_care_with_javascript_off(new_page):
    """With JavaScript off, every booking step is a plain link or form and the visit is booked."""
    page = new_page(javascript=False, viewport=LAPTOP, time_zone="America/New_York")
    provider(name=PHYSICIAN, time_zone="America/Chicago")
    user = patient(time_zone="America/New_York")
    htmx_requests: list[Request] = []
    page.on(
        "request", lambda request: "hx-request" in request.headers and htmx_requests.append(request)
    )
    sign_in_patient(page, user)

    visit = book_urgent_care_after_symptom_check(page, user, javascript=False)
    assert htmx_requests == []
    expect_booking_email(visit)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no javascript"])
def test_focus_reaches_the_time_taken_message(new_page, javascript: bool):
    """After Book on a time taken meanwhile, the message saying so has focus, scripts or not."""
    physician = provider(name=PHYSICIAN)
    user = patient(time_zone="America/Chicago")
    page = new_page(javascript=javascript, time_zone="America/Chicago")
    sign_in_patient(page, user)
    page.goto(f"/book/follow-up/{physician.pk}/")
    choose_day_and_time(page, day=local_day(CHICAGO, days_from_today=2), time_label="10:00 AM")
    someone_else = PatientProfileFactory().user
    visit_book(
        patient=someone_else,
        actor=someone_else,
        provider=physician,
        visit_type=VisitType.objects.get(slug="follow-up"),
        start=start_in_url(page),
    )
    page.get_by_role("button", name="Book this visit").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Sorry, that time was just taken.")
    expect(alert).to_be_focused()
    assert "Sorry, that time was just taken." in page.evaluate("document.activeElement.textContent")


def test_time_taken_meanwhile_offers_the_nearest_free_times(page: Page):
    """When someone else takes the time before Book is pressed, nearby times are offered instead."""
    physician = provider(name=PHYSICIAN)
    user = patient(time_zone="America/Chicago")
    sign_in_patient(page, user)
    page.goto(f"/book/follow-up/{physician.pk}/")
    day = local_day(CHICAGO, days_from_today=2)
    choose_day_and_time(page, day=day, time_label="10:00 AM")
    start = start_in_url(page)
    page.get_by_label("What would you like help with? (optional)").fill("My blood pressure")

    # Meanwhile another patient books the same time.
    someone_else = PatientProfileFactory().user
    visit_book(
        patient=someone_else,
        actor=someone_else,
        provider=physician,
        visit_type=VisitType.objects.get(slug="follow-up"),
        start=start,
    )
    page.get_by_role("button", name="Book this visit").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Sorry, that time was just taken.")
    expect(alert).to_contain_text("Choose one of the nearest free times below.")
    reason = page.get_by_label("What would you like help with? (optional)")
    expect(reason).to_have_value("My blood pressure")
    offered = page.get_by_role("group", name="Nearest free times").get_by_role("radio")
    assert offered.count() >= 2
    expect(offered.first).to_be_checked()
    alternative = datetime.datetime.fromisoformat(offered.first.get_attribute("value"))
    assert alternative != start
    assert abs(alternative - start) <= datetime.timedelta(hours=1)

    page.get_by_role("button", name="Book the time I chose").click()
    expect(page.get_by_role("status")).to_contain_text("Your visit is booked.")
    visit = Visit.objects.get(patient=user)
    assert (visit.start, visit.provider, visit.reason) == (
        alternative,
        physician,
        "My blood pressure",
    )


def test_red_flag_symptoms_stop_urgent_care_booking(page: Page, axe_check: AxeCheck):
    """Chest pain with shortness of breath shows emergency advice, and no provider can be booked."""
    physician = provider(name=PHYSICIAN)
    user = patient(time_zone="America/Chicago")
    sign_in_patient(page, user)
    page.goto("/symptoms/")
    page.get_by_role("link", name="Cough, cold or flu").click()
    answer_cough_cold_flu(page, javascript=True, chest_pain=True, short_of_breath=True)
    # The warning shows as soon as the answers are chosen, before they are sent.
    expect(page.get_by_role("alert")).to_contain_text("This may be an emergency. Call 911 now.")
    page.get_by_role("button", name="Submit answers").click()
    expect(page).to_have_url(re.compile(r"/responses/\d+/$"))
    expect(page.get_by_role("alert")).to_contain_text("This may be an emergency. Call 911 now.")
    expect(page.get_by_role("button", name="Book an urgent care visit")).to_have_count(0)

    page.goto("/book/")
    page.get_by_role("link", name=re.compile(r"^Urgent care")).click()
    expect(page).to_have_url(path_is("/book/urgent-care/"))
    expect(page.get_by_role("alert")).to_contain_text("This may be an emergency. Call 911 now.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "A video visit is not safe for these symptoms"
    )
    expect(page.get_by_role("article")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^See times with"))).to_have_count(0)
    axe_check(page)

    # Going straight to the provider's times is stopped too.
    page.goto(f"/book/urgent-care/{physician.pk}/")
    expect(page.get_by_role("alert")).to_contain_text("This may be an emergency. Call 911 now.")
    expect(page.get_by_role("heading", name=re.compile("^Times on"))).to_have_count(0)
    assert not Visit.objects.filter(patient=user).exists()


def test_after_a_red_flag_a_follow_up_needs_the_patient_to_confirm(page: Page, axe_check: AxeCheck):
    """Another visit type shows the emergency guidance first and goes on once confirmed.

    The confirmation is a plain form (tested without JavaScript in the view tests).
    """
    provider(name=PHYSICIAN)
    user = patient(time_zone="America/Chicago")
    sign_in_patient(page, user)
    page.goto("/symptoms/")
    page.get_by_role("link", name="Cough, cold or flu").click()
    answer_cough_cold_flu(page, javascript=True, chest_pain=True, short_of_breath=True)
    page.get_by_role("button", name="Submit answers").click()
    expect(page).to_have_url(re.compile(r"/responses/\d+/$"))

    page.goto("/book/")
    expect(page.get_by_role("alert")).to_contain_text("This may be an emergency. Call 911 now.")
    page.get_by_role("link", name=re.compile(r"^Follow-up")).click()
    expect(page).to_have_url(path_is("/book/follow-up/"))
    expect(page.get_by_role("alert").first).to_contain_text(
        "This may be an emergency. Call 911 now."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Is this visit for something else?")
    axe_check(page)
    page.get_by_role("button", name="Continue booking").click()
    expect(page.get_by_text("Tick the box to confirm")).to_be_visible()
    page.get_by_label("This visit is for something else, not the symptoms I described").check()
    page.get_by_role("button", name="Continue booking").click()
    expect(page).to_have_url(path_is("/book/follow-up/"))
    expect(page.get_by_text(PHYSICIAN).first).to_be_visible()
    assert not Visit.objects.filter(patient=user).exists()


def test_patient_moves_then_cancels_a_visit_from_its_page(page: Page, axe_check: AxeCheck):
    """From the visit page a patient moves the visit (same provider), then cancels it for free."""
    physician = provider(name=PHYSICIAN)
    user = patient(time_zone="America/Denver")
    first_day = local_day(CHICAGO, days_from_today=2)
    visit = visit_book(
        patient=user,
        actor=user,
        provider=physician,
        visit_type=VisitType.objects.get(slug="follow-up"),
        start=at(first_day, 10, CHICAGO),
    )
    sign_in_patient(page, user)
    page.get_by_role("link", name=f"Follow-up with {PHYSICIAN}, MD").click()
    expect(page).to_have_url(path_is(f"/visits/{visit.pk}/"))

    page.get_by_role("button", name="Change time").click()
    expect(page).to_have_url(path_is(f"/visits/{visit.pk}/reschedule/"))
    expect(page.get_by_text("You keep the same provider.")).to_be_visible()
    axe_check(page)
    new_day = local_day(DENVER, days_from_today=3)
    choose_day_and_time(page, day=new_day, time_label="11:00 AM")
    new_start = start_in_url(page)
    assert new_start == at(new_day, 11, DENVER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Move your visit?")
    expect(page.locator("dt:has-text('To') + dd")).to_contain_text(
        f"{shown_date(new_start, DENVER)}, {shown_time(new_start, DENVER)}"
    )
    page.get_by_role("button", name="Move visit").click()

    expect(page).to_have_url(path_is(f"/visits/{visit.pk}/"))
    expect(page.get_by_role("status")).to_contain_text("Your visit has a new time.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Follow-up with {PHYSICIAN}, MD")
    expect(page.locator("dt:has-text('When') + dd")).to_contain_text(
        f"{shown_date(new_start, DENVER)}, {new_day.year} at {shown_time(new_start, DENVER)}"
    )
    visit.refresh_from_db()
    assert (visit.start, visit.provider) == (new_start, physician)

    page.get_by_role("button", name="Cancel visit").click()
    expect(page).to_have_url(path_is(f"/visits/{visit.pk}/cancel/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this visit?")
    expect(page.get_by_text("Cancelling now is free: it is more than 12 hours")).to_be_visible()
    axe_check(page)
    page.get_by_role("radio", name="Something else came up at that time").check()
    page.get_by_label("Anything you'd like the clinic to know (optional)").fill("Travelling")
    page.get_by_role("button", name="Cancel visit").click()

    expect(page).to_have_url(path_is("/patient/"))
    expect(page.get_by_role("status")).to_contain_text("Your visit is cancelled.")
    expect(page.get_by_text("You have no upcoming visits.")).to_be_visible()
    past = page.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=re.compile(f"Follow-up with {PHYSICIAN}"))
    )
    expect(past).to_contain_text("(cancelled)")
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CANCELLED
    assert (visit.cancel_reason, visit.cancel_reason_text) == ("schedule_conflict", "Travelling")
    subjects = [message.subject for message in emails_to(user.email, at_least=3)]
    assert subjects == [
        "Housecall: your visit is booked",
        "Housecall: your visit has a new time",
        "Housecall: your visit is cancelled",
    ]
