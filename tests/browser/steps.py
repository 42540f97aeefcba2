"""Steps a person takes in the browser, shared by the browser tests.

Each step starts from where the previous one left the page and checks that it arrived.
"""

import re
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from playwright.sync_api import Page, expect

CONFIRM_LINK = re.compile(r"https?://[^/\s]+/accounts/confirm-email/[^/\s]+/")


def path_is(path: str) -> re.Pattern:
    """Match a page URL whose path is exactly ``path``, with or without a query string."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def sign_up(page: Page, *, email: str, password: str) -> None:
    """From the home page, create an account; ends on the "verify your email" page."""
    page.goto("/")
    # The header's link is styled as a button (Pico's role="button"), and is named as one.
    page.get_by_role("button", name="Create account", exact=True).click()
    expect(page).to_have_url(path_is("/accounts/signup/"))
    fill_sign_up_form(page, email=email, password=password)
    expect(page).to_have_url(path_is("/accounts/confirm-email/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your email")


def fill_sign_up_form(page: Page, *, email: str, password: str) -> None:
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password1]").fill(password)
    page.locator("input[name=password2]").fill(password)
    page.locator("form").filter(has=page.locator("input[name=password2]")).locator(
        "button[type=submit]"
    ).click()


def confirmation_link(email: str, *, wait_seconds: float = 5) -> str:
    """The confirmation link in the last email sent to ``email`` (sent by a background task)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        sent = [message for message in mail.outbox if email in message.to]
        if sent:
            match = CONFIRM_LINK.search(sent[-1].body)
            assert match, f"No confirmation link in the email:\n{sent[-1].body}"
            return match.group(0)
        assert time.monotonic() < deadline, f"No email was sent to {email}"
        time.sleep(0.05)


def open_confirmation_link(page: Page, *, email: str) -> None:
    """Follow the link in the verification email; ends on the page with the Confirm button."""
    page.goto(confirmation_link(email))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirm your email address")
    expect(page.get_by_text(email).first).to_be_visible()


def confirm_email(page: Page) -> None:
    """Press Confirm on the confirmation page; allauth then asks the person to sign in."""
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(path_is("/accounts/login/"))


def log_in(page: Page, *, email: str, password: str) -> None:
    """Fill in the sign-in form on the current page and submit it."""
    expect(page).to_have_url(path_is("/accounts/login/"))
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()


def current_totp_code(secret: str) -> str:
    """The authenticator app's code now, waiting out the last seconds of a period."""
    period = mfa_settings.TOTP_PERIOD
    remaining = period - time.time() % period
    if remaining < 2:
        time.sleep(remaining + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def expect_patient_dashboard(page: Page) -> None:
    expect(page).to_have_url(path_is("/patient/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    expect(page.get_by_role("heading", name="Before your first visit")).to_be_visible()


def field(page: Page, label: str):
    """The block holding one form field: its label, input, help text and errors."""
    return page.locator(".field").filter(has=page.get_by_label(label))
