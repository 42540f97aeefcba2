"""A new patient's first visit to Housecall, in a real browser, with and without JavaScript."""

import datetime

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import LAPTOP, PHONE
from tests.browser.steps import (
    confirm_email,
    expect_patient_dashboard,
    field,
    log_in,
    open_confirmation_link,
    path_is,
    sign_up,
)

PASSWORD = "Tall-lantern-river-42"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_year() -> str:
    return (datetime.date.today() + datetime.timedelta(days=366)).isoformat()


def is_details_post(request: Request) -> bool:
    return request.method == "POST" and request.url.endswith("/me/details/")


def fill_details(page: Page, *, phone: str, date_of_birth: str) -> None:
    page.get_by_label("Legal first name").fill("Ada")
    page.get_by_label("Legal last name").fill("Okafor")
    page.get_by_label("Name you go by (optional)").fill("Dee")
    page.get_by_label("Date of birth").fill(date_of_birth)
    page.get_by_label("Mobile phone").fill(phone)
    page.get_by_label("State you are in now").select_option("TX")
    page.get_by_label("Time zone").select_option("America/Chicago")


def expect_details_kept_with_errors(page: Page, *, date_of_birth: str) -> None:
    """The two mistakes are explained beside their fields, and nothing typed is lost."""
    expect(page.get_by_role("alert")).to_contain_text("Please check 2 things below.")
    phone = field(page, "Mobile phone")
    expect(phone.locator(".errorlist")).to_contain_text("Enter a 10-digit US phone number")
    expect(page.get_by_label("Mobile phone")).to_have_value("12")
    birth = field(page, "Date of birth")
    expect(birth.locator(".errorlist")).to_contain_text("can't be in the future")
    expect(page.get_by_label("Date of birth")).to_have_value(date_of_birth)
    expect(page.get_by_label("Legal first name")).to_have_value("Ada")
    expect(page.get_by_label("Legal last name")).to_have_value("Okafor")
    expect(page.get_by_label("Name you go by (optional)")).to_have_value("Dee")
    expect(page.get_by_label("State you are in now")).to_have_value("TX")
    expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")
    # Only the fields that were wrong are marked as wrong.
    expect(field(page, "Legal first name").locator(".errorlist")).to_have_count(0)


def test_new_patient_signs_up_verifies_email_gives_details_and_signs_out(new_page):
    """On a phone, a new patient signs up, confirms their email, saves their details and signs out."""
    page = new_page(viewport=PHONE, time_zone="America/Denver")
    email = "ada.okafor@example.com"
    sign_up(page, email=email, password=PASSWORD)
    open_confirmation_link(page, email=email)
    confirm_email(page)
    log_in(page, email=email, password=PASSWORD)
    expect_patient_dashboard(page)

    page.get_by_role("link", name="My details").click()
    expect(page).to_have_url(path_is("/me/details/"))
    # The time-zone menu starts on the browser's own zone.
    expect(page.get_by_label("Time zone")).to_have_value("America/Denver")
    future = next_year()
    fill_details(page, phone="12", date_of_birth=future)
    with page.expect_request(is_details_post) as posted:
        page.get_by_role("button", name="Save my details").click()
    expect_details_kept_with_errors(page, date_of_birth=future)
    # With JavaScript on, htmx sends the form and swaps in the answer without leaving the page,
    # then moves focus to the summary of what to fix.
    assert posted.value.headers.get("hx-request") == "true"
    expect(page).to_have_url(path_is("/me/details/"))
    expect(page.get_by_role("alert")).to_be_focused()

    page.get_by_label("Mobile phone").fill("(512) 555-0199")
    page.get_by_label("Date of birth").fill("1988-02-29")
    page.get_by_role("button", name="Save my details").click()
    expect_patient_dashboard(page)
    expect(page.get_by_role("status")).to_contain_text("Your details are saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dee")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(path_is("/"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    # Back to the dashboard: the browser asks again (no-store) and is sent to sign in.
    page.go_back()
    expect(page).to_have_url(path_is("/accounts/login/"))
    expect(page.get_by_role("heading", name="Before your first visit")).to_have_count(0)
    page.goto("/patient/")
    expect(page).to_have_url(path_is("/accounts/login/"))
    expect(page.get_by_role("heading", name="Before your first visit")).to_have_count(0)


def test_whole_journey_works_with_javascript_off(new_page):
    """With JavaScript off, every step of signing up and giving details works as a plain form."""
    page = new_page(javascript=False, viewport=LAPTOP, time_zone="America/Denver")
    email = "no.script@example.com"
    sign_up(page, email=email, password=PASSWORD)
    open_confirmation_link(page, email=email)
    confirm_email(page)
    log_in(page, email=email, password=PASSWORD)
    expect_patient_dashboard(page)

    page.get_by_role("link", name="My details").click()
    expect(page).to_have_url(path_is("/me/details/"))
    # No script ran to guess the time zone: the patient chooses it.
    expect(page.get_by_label("Time zone")).to_have_value("")
    future = next_year()
    fill_details(page, phone="12", date_of_birth=future)
    with page.expect_request(is_details_post) as posted:
        page.get_by_role("button", name="Save my details").click()
    expect_details_kept_with_errors(page, date_of_birth=future)
    # The browser posted the form itself: a full page load, not an htmx request.
    assert posted.value.is_navigation_request()
    assert "hx-request" not in posted.value.headers

    page.get_by_label("Mobile phone").fill("512-555-0199")
    page.get_by_label("Date of birth").fill("1988-02-29")
    with page.expect_request(is_details_post) as posted:
        page.get_by_role("button", name="Save my details").click()
    assert posted.value.is_navigation_request()
    expect_patient_dashboard(page)
    expect(page.get_by_role("status")).to_contain_text("Your details are saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dee")
