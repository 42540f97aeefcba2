"""The clinic behind the booking tests, and the steps a patient takes to book and answer.

Browser tests run in transactions that are flushed afterwards, which also removes the rows
the migrations added (languages, visit types); ``seed_clinic`` puts them back for each test.
"""

import datetime
import importlib
import importlib.util
import re
import time
from collections.abc import Callable
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core import mail
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from accounts.models import ProviderProfile
from accounts.zones import zone_name
from tests.accounts.factories import PASSWORD, PatientProfileFactory, ProviderProfileFactory
from tests.browser.conftest import AxeCheck
from tests.browser.steps import current_totp_code, log_in, path_is
from visits.questionnaires.models import Questionnaire
from visits.scheduling.models import VisitType, WeeklyHours

EVERY_DAY = range(7)
# Migrations that add rows the booking pages need: (module, function).
SEED_DATA = [
    ("accounts.migrations.0002_languages_and_cache_table", "add_languages"),
    ("visits.migrations.0003_visit_types", "add_visit_types"),
    ("visits.migrations.0005_visit_type_questionnaires", "configure"),
]


def seed_clinic() -> None:
    """Put back the languages and visit types the migrations add (a flush removes them)."""
    editor = SimpleNamespace(connection=connections[DEFAULT_DB_ALIAS])
    for module, function in SEED_DATA:
        getattr(importlib.import_module(module), function)(apps, editor)


def patient(*, time_zone: str, state: str = "TX", **profile):
    """A patient (user) with their details saved, ready to book."""
    user = PatientProfileFactory(current_state=state, time_zone=time_zone, **profile).user
    complete_intake_if_required(user)
    return user


def complete_intake_if_required(user) -> None:
    """Booking will soon need a completed intake; its factory lands with that feature."""
    if importlib.util.find_spec("tests.visits.intake.factories") is None:
        return
    importlib.import_module("tests.visits.intake.factories").complete_intake(user)


def provider(
    *,
    name: str,
    kind: str = ProviderProfile.Kind.PHYSICIAN,
    slugs: tuple[str, ...] = ("urgent-care", "follow-up"),
    states: tuple[str, ...] = ("TX",),
    time_zone: str = "America/Chicago",
    hours: tuple[datetime.time, datetime.time] = (datetime.time(8), datetime.time(20)),
) -> ProviderProfile:
    """A provider offering these visit types, working the same hours every day of the week."""
    profile = ProviderProfileFactory(
        kind=kind,
        states=list(states),
        time_zone=time_zone,
        credentials="LCSW" if kind == ProviderProfile.Kind.THERAPIST else "MD",
        user__display_name=name,
    )
    for slug in slugs:
        VisitType.objects.get(slug=slug).providers.add(profile)
    WeeklyHours.objects.bulk_create(
        WeeklyHours(provider=profile, weekday=day, start_time=hours[0], end_time=hours[1])
        for day in EVERY_DAY
    )
    return profile


def local_day(zone: ZoneInfo, *, days_from_today: int) -> datetime.date:
    return timezone.now().astimezone(zone).date() + datetime.timedelta(days=days_from_today)


def at(day: datetime.date, hour: int, zone: ZoneInfo) -> datetime.datetime:
    """Wall-clock ``hour`` on ``day`` in ``zone``, as an aware UTC datetime."""
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone).astimezone(datetime.UTC)


def shown_time(start: datetime.datetime, zone: ZoneInfo) -> str:
    """A time as the pages show it, with its zone in words, e.g. "9:00 AM Eastern time"."""
    local = start.astimezone(zone)
    return f"{local:%-I:%M %p} {zone_name(zone)}"


def shown_date(start: datetime.datetime, zone: ZoneInfo) -> str:
    """A date as the pages show it (Django's "l, F j"), e.g. "Friday, November 27"."""
    local = start.astimezone(zone)
    return f"{local:%A, %B} {local.day}"


def start_in_url(page: Page) -> datetime.datetime:
    """The ``start`` a booking page's URL carries."""
    value = parse_qs(urlsplit(page.url).query)["start"][0]
    return datetime.datetime.fromisoformat(value).astimezone(datetime.UTC)


# People signing in


def sign_in_patient(page: Page, user) -> None:
    page.goto("/accounts/login/")
    log_in(page, email=user.email, password=PASSWORD)
    expect(page).to_have_url(path_is("/patient/"))


def sign_in_clinician(page: Page, user, *, secret: str) -> None:
    """Password, then the authenticator app's code; ends on My day."""
    page.goto("/accounts/login/")
    log_in(page, email=user.email, password=PASSWORD)
    expect(page).to_have_url(path_is("/accounts/2fa/authenticate/"))
    page.locator("input[name=code]").fill(current_totp_code(secret))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(path_is("/clinician/"))


# Questionnaires


def latest_items(slug: str) -> list[dict]:
    """The items of the newest version of a questionnaire."""
    return Questionnaire.objects.filter(slug=slug).order_by("-version").first().definition["items"]


def question(page: Page, text: str) -> Locator:
    """The group of answers to one question, found by its legend (a required one ends in "*")."""
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(text)}"))


def answer(page: Page, action: Callable[[], None], *, javascript: bool) -> None:
    """Answer one question; with JavaScript on, wait until htmx has saved it and re-drawn the form.

    Each change posts a draft and swaps in a new form: answering the next question before the
    swap would lose that answer, as it would for a person clicking faster than the network.
    """
    if not javascript:
        action()
        return
    page.locator("#questionnaire-form").evaluate("form => { form.dataset.stale = 'true'; }")
    action()
    expect(page.locator("#questionnaire-form[data-stale]")).to_have_count(0)
    expect(page.locator("#questionnaire-form")).to_have_count(1)


def answer_cough_cold_flu(
    page: Page, *, javascript: bool, chest_pain: bool = False, short_of_breath: bool = False
) -> None:
    """Fill in the "Cough, cold or flu" symptom questions, without submitting them."""
    answer(page, lambda: page.get_by_label("Cough", exact=True).check(), javascript=javascript)
    days = page.get_by_label("How many days have you had them?")

    def type_days() -> None:
        days.fill("3")
        days.press("Tab")  # the change event fires when the field is left

    answer(page, type_days, javascript=javascript)
    for text, yes in [
        ("Do you have chest pain or pressure?", chest_pain),
        ("Are you short of breath, or struggling to breathe, even at rest?", short_of_breath),
        ("Are your lips or face turning blue or grey?", False),
    ]:
        choice = question(page, text).get_by_label("Yes" if yes else "No", exact=True)
        answer(page, choice.check, javascript=javascript)


# Booking


def choose_day_and_time(page: Page, *, day: datetime.date, time_label: str) -> None:
    """On a time picker, choose a day (htmx swaps the times in) and then a time on it."""
    page.get_by_role("link", name=re.compile(rf"^{day:%a} {day.day} {day:%b}\b")).click()
    heading = f"Times on {day:%A, %B} {day.day}"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"[?&]day={day.isoformat()}"))
    times = page.get_by_role("list", name=heading)
    times.get_by_role("button", name=time_label, exact=True).click()


def emails_to(address: str, *, at_least: int = 1, wait_seconds: float = 5) -> list:
    """The emails sent to ``address``, waiting a little for background tasks to send them."""
    deadline = time.monotonic() + wait_seconds
    while True:
        sent = [message for message in mail.outbox if address in message.to]
        if len(sent) >= at_least or time.monotonic() > deadline:
            return sent
        time.sleep(0.05)


def calendar_files(message) -> list[str]:
    """The text/calendar attachments of an email."""
    return [
        attachment.content
        for attachment in message.attachments
        if attachment.mimetype.startswith("text/calendar")
    ]


class Audit:
    """Runs axe on each page in turn and reports every page's problems together at the end."""

    def __init__(self, page: Page, axe_check: AxeCheck) -> None:
        self.page = page
        self.axe_check = axe_check
        self.found: dict[str, str] = {}
        self.pages: list[str] = []

    def __call__(self, name: str) -> None:
        self.pages.append(name)
        problems = self.axe_check.problems(self.page)
        if problems:
            self.found[name] = problems

    def assert_clean(self) -> None:
        report = "\n".join(f"== {name} ==\n{problems}" for name, problems in self.found.items())
        assert not self.found, "axe-core found accessibility problems:\n" + report
