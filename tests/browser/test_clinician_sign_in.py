"""Clinicians sign in with two-factor authentication, and must turn it on first."""

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.factories import PASSWORD, ProviderProfileFactory
from tests.accounts.fixtures import enrol_totp
from tests.browser.conftest import LAPTOP, AxeCheck
from tests.browser.steps import current_totp_code, log_in, path_is

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(new_page) -> Page:
    """Clinicians work at a desk: a laptop-sized page."""
    return new_page(viewport=LAPTOP)


MFA_EXPLANATION = "must turn on two-factor authentication"
TOTP_ACTIVATE = "/accounts/2fa/totp/activate/"


def test_clinician_without_mfa_is_sent_to_turn_it_on(page: Page, axe_check: AxeCheck):
    """A clinician without an authenticator app is sent to set one up before any patient data."""
    clinician = ProviderProfileFactory().user
    page.goto("/accounts/login/")
    with page.expect_response(lambda response: response.url.endswith(TOTP_ACTIVATE)):
        log_in(page, email=clinician.email, password=PASSWORD)
    expect(page.get_by_role("status").first).to_contain_text(MFA_EXPLANATION)
    axe_check(page)
    expect(page).to_have_url(path_is(TOTP_ACTIVATE))
    expect(page.locator("input[name=code]")).to_be_visible()
    axe_check(page)

    # Their dashboard stays closed until they have done it.
    page.goto("/clinician/")
    expect(page).to_have_url(path_is(TOTP_ACTIVATE))
    expect(page.get_by_role("status").first).to_contain_text(MFA_EXPLANATION)
    expect(page.get_by_role("heading", name="My day")).to_have_count(0)


def test_clinician_lands_on_mfa_set_up_straight_after_signing_in(page: Page):
    """Straight after signing in, a clinician without MFA sees the set-up page and why."""
    clinician = ProviderProfileFactory().user
    page.goto("/accounts/login/")
    log_in(page, email=clinician.email, password=PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    expect(page).to_have_url(path_is(TOTP_ACTIVATE), timeout=1000)
    expect(page.get_by_role("status").first).to_contain_text(MFA_EXPLANATION)


def test_clinician_with_mfa_signs_in_with_a_code(page: Page, axe_check: AxeCheck):
    """A clinician with an authenticator app enters its code after the password and sees My day."""
    clinician = ProviderProfileFactory().user
    secret = enrol_totp(clinician)
    page.goto("/accounts/login/")
    log_in(page, email=clinician.email, password=PASSWORD)
    expect(page).to_have_url(path_is("/accounts/2fa/authenticate/"))
    axe_check(page)
    page.locator("input[name=code]").fill(current_totp_code(secret))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(path_is("/clinician/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My day")
