"""Patients' pages read at a glance on a phone and a desktop: help buttons, intake, score chart."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.accounts.factories import PatientProfileFactory
from tests.browser.booking_steps import patient, seed_clinic, sign_in_patient
from tests.browser.conftest import LAPTOP, PHONE, AxeCheck
from tests.visits.questionnaires.factories import CRISIS_PHQ9, QUIET_GAD7, submit
from visits.intake.models import IntakeStep
from visits.questionnaires.models import QuestionnaireResponse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESPIRATORY_RED_FLAG = {
    "symptoms": ["cough"],
    "days": "1",
    "chest_pain": "yes",
    "short_of_breath": "yes",
    "blue_lips": "no",
}
MIN_TARGET_PX = 44


@pytest.fixture(autouse=True)
def _clinic(transactional_db) -> None:
    seed_clinic()


def background(page: Page, selector: str) -> str:
    return page.locator(selector).first.evaluate("el => getComputedStyle(el).backgroundColor")


def primary_colour(page: Page) -> str:
    """The theme's primary background, resolved by the browser to rgb()."""
    return page.evaluate(
        """() => {
            const probe = document.createElement('span');
            probe.style.backgroundColor = 'var(--pico-primary-background)';
            document.body.append(probe);
            const colour = getComputedStyle(probe).backgroundColor;
            probe.remove();
            return colour;
        }"""
    )


def expect_big_button(page: Page, name: str, href: str) -> None:
    link = page.get_by_role("alert").get_by_role("link", name=name, exact=True)
    expect(link).to_have_attribute("href", href)
    box = link.bounding_box()
    assert box is not None
    assert box["height"] >= MIN_TARGET_PX, f"{name} is {box['height']} px tall"
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]


def test_crisis_help_is_three_big_buttons_with_911_in_red(new_page, axe_check: AxeCheck):
    """Call 988, Text 988 and Call 911 are tall buttons on a phone; 911 is not the primary green."""
    client = patient(time_zone="America/Chicago")
    response = submit(client, "phq-9", CRISIS_PHQ9)
    page = new_page(viewport=PHONE, time_zone="America/Chicago")
    sign_in_patient(page, client)
    page.goto(f"/responses/{response.pk}/")
    expect_big_button(page, "Call 988", "tel:988")
    expect_big_button(page, "Text 988", "sms:988")
    expect_big_button(page, "Call 911", "tel:911")
    crisis = page.get_by_role("alert")
    expect(crisis).not_to_contain_text("·")
    danger = background(page, "[role=alert] a[href='tel:911']")
    assert danger != primary_colour(page)
    assert danger != background(page, "[role=alert] a[href='tel:988']")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    axe_check(page)


def test_emergency_help_is_a_big_red_911_button(new_page, axe_check: AxeCheck):
    """A red-flag symptom answer shows Call 911 as a tall button in the danger colour."""
    client = patient(time_zone="America/Chicago")
    response = submit(client, "symptoms-respiratory", RESPIRATORY_RED_FLAG)
    page = new_page(viewport=PHONE, time_zone="America/Chicago")
    sign_in_patient(page, client)
    page.goto(f"/responses/{response.pk}/")
    expect_big_button(page, "Call 911", "tel:911")
    assert background(page, "[role=alert] a[href='tel:911']") != primary_colour(page)
    axe_check(page)


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_no_intake_step_scrolls_sideways(new_page, viewport):
    """Every intake step fits the window's width, on a 390 px phone and a 1280 px desktop."""
    user = PatientProfileFactory(intake=False, time_zone="America/Chicago").user
    page = new_page(viewport=viewport, time_zone="America/Chicago")
    sign_in_patient(page, user)
    for step in IntakeStep:
        page.goto(f"/intake/{step.value}/")
        expect(page.get_by_role("heading", level=2)).to_have_text(step.label)
        width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], f"{step.label}: {width[0]} px wide in a {width[1]} px window"


def test_the_score_chart_reads_on_a_phone(new_page, axe_check: AxeCheck):
    """At 390 px the chart's labels are legible, dates are on the axis and every column is on screen."""
    client = patient(time_zone="America/Chicago")
    first = submit(client, "gad-7", QUIET_GAD7)
    second = submit(client, "gad-7", {**QUIET_GAD7, "gad7_1": "3", "gad7_2": "3"})
    # Two answers a minute apart, a few weeks ago.
    when = timezone.now() - datetime.timedelta(days=20)
    QuestionnaireResponse.objects.filter(pk=first.pk).update(submitted_at=when)
    QuestionnaireResponse.objects.filter(pk=second.pk).update(
        submitted_at=when + datetime.timedelta(minutes=1)
    )
    page = new_page(viewport=PHONE, time_zone="America/Chicago")
    sign_in_patient(page, client)
    page.goto("/me/scores/")
    chart = page.locator(".score-chart svg")
    box = chart.bounding_box()
    assert box is not None
    assert box["height"] >= 180, f"the chart is only {box['height']} px tall"
    sizes = page.locator(".score-chart .tick-label").evaluate_all(
        "labels => labels.map(label => label.getBoundingClientRect().height)"
    )
    assert min(sizes) >= 11, f"labels are {min(sizes)} px tall"
    dates = page.locator(".score-chart .date-tick").all_inner_texts()
    assert len(dates) >= 2
    markers = page.locator(".score-chart circle").evaluate_all(
        "circles => circles.map(circle => circle.getBoundingClientRect().x)"
    )
    assert max(markers) - min(markers) < 10, "a minute apart is drawn as far apart"
    severity = page.get_by_role("region", name="Every PHQ-9 and GAD-7 you submitted")
    expect(severity).to_contain_text("Severity")
    for cell in page.locator("td[data-label=Severity]").all():
        expect(cell).to_be_visible()
        cell_box = cell.bounding_box()
        assert cell_box is not None
        assert cell_box["x"] + cell_box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    axe_check(page)
