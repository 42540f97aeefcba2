"""axe-core on every page a new patient passes through, including forms showing errors."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.conftest import AxeCheck
from tests.browser.steps import (
    confirm_email,
    expect_patient_dashboard,
    fill_sign_up_form,
    log_in,
    open_confirmation_link,
    path_is,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Audit:
    """Runs axe on each page in turn and reports every page's problems together at the end."""

    def __init__(self, page: Page, axe_check: AxeCheck) -> None:
        self.page = page
        self.axe_check = axe_check
        self.found: dict[str, str] = {}

    def __call__(self, name: str) -> None:
        problems = self.axe_check.problems(self.page)
        if problems:
            self.found[name] = problems

    def report(self) -> str:
        return "\n".join(f"== {name} ==\n{problems}" for name, problems in self.found.items())


def test_every_page_of_the_new_patient_journey_passes_axe(page: Page, axe_check: AxeCheck):
    """No page from the home page to the details form has a serious or critical axe violation."""
    audit = Audit(page, axe_check)
    email = "axe.patient@example.com"

    page.goto("/")
    audit("home")
    page.get_by_role("button", name="Create account", exact=True).click()
    expect(page).to_have_url(path_is("/accounts/signup/"))
    audit("sign-up form")
    fill_sign_up_form(page, email=email, password="Tall-lantern-river-42")
    expect(page).to_have_url(path_is("/accounts/confirm-email/"))
    audit("verification email sent")
    open_confirmation_link(page, email=email)
    audit("confirm email address")
    confirm_email(page)
    audit("sign-in form")
    log_in(page, email=email, password="Tall-lantern-river-42")
    expect_patient_dashboard(page)
    audit("patient dashboard")

    page.goto("/me/details/")
    audit("details form")
    page.get_by_label("Mobile phone").fill("12")
    page.get_by_label("Date of birth").fill(
        (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    )
    page.get_by_role("button", name="Save my details").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("details form with errors")

    page.goto("/me/security/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in and security")
    audit("security page")

    assert not audit.found, "axe-core found accessibility problems:\n" + audit.report()


def test_public_pages_pass_axe(page: Page, axe_check: AxeCheck):
    """The privacy notice and the password-reset form have no serious or critical axe violation."""
    audit = Audit(page, axe_check)
    page.goto("/privacy/")
    audit("privacy notice")
    page.goto("/accounts/password/reset/")
    expect(page.locator("input[name=email]")).to_be_visible()
    audit("password reset")
    assert not audit.found, "axe-core found accessibility problems:\n" + audit.report()


def test_sign_in_form_with_an_error_passes_axe(page: Page, axe_check: AxeCheck):
    """A wrong password is explained on a sign-in page that still passes axe."""
    user = UserFactory()
    page.goto("/accounts/login/")
    log_in(page, email=user.email, password=PASSWORD + "-wrong")
    expect(page).to_have_url(path_is("/accounts/login/"))
    expect(page.get_by_text("not correct")).to_be_visible()
    axe_check(page)
