"""axe-core on every admin list, add and change page we configure, over the demo clinic."""

import pytest
from django.contrib import admin
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import Role, User
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.fixtures import enrol_totp
from tests.browser.booking_steps import seed_clinic
from tests.browser.conftest import AxeCheck
from tests.browser.steps import current_totp_code, log_in, path_is
from tests.walk import demo_clinic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def admin_pages(clinic) -> list[str]:
    """Each registered model's list, its add page and one object's change page."""
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages += [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
        obj = clinic.object_of(model)
        if obj is not None:
            pages.append(reverse(f"{prefix}_change", args=[obj.pk]))
    return pages


def test_every_admin_page_we_configure_passes_axe(page: Page, axe_check: AxeCheck, settings):
    """No admin list, add or change page has a serious or critical axe violation."""
    seed_clinic()  # an earlier browser test's flush took the migrations' rows
    clinic = demo_clinic(settings)
    administrator = UserFactory(role=Role.STAFF, is_staff=True, is_superuser=True)
    secret = enrol_totp(administrator)
    page.goto("/accounts/login/")
    log_in(page, email=administrator.email, password=PASSWORD)
    expect(page).to_have_url(path_is("/accounts/2fa/authenticate/"))
    page.locator("input[name=code]").fill(current_totp_code(secret))
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(path_is("/accounts/2fa/authenticate/"))
    found = {}
    for url in admin_pages(clinic):
        response = page.goto(url)
        assert response is not None
        if response.status == 403:  # an add page the admin refuses (visits, questionnaires)
            continue
        assert response.status == 200, url
        problems = axe_check.problems(page)
        if problems:
            found[url] = problems
    assert found == {}, "\n".join(f"== {url} ==\n{problems}" for url, problems in found.items())
    assert User.objects.filter(pk=administrator.pk).exists()
