"""Seen now: a Texan joins the queue, a physician licensed in Texas takes them and both reach
the visit room; a physician licensed only in California never sees them."""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.fixtures import enrol_totp
from tests.browser.booking_steps import (
    patient,
    provider,
    seed_clinic,
    sign_in_clinician,
    sign_in_patient,
)
from tests.browser.conftest import LAPTOP, PHONE, AxeCheck
from tests.browser.steps import path_is
from tests.visits.factories import symptoms_checked
from visits.ondemand.models import QueueEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOM = re.compile(r"^https?://[^/]+/visits/[0-9a-f-]{36}/room/$")
POLL_WAIT_MS = 8_000


@pytest.fixture(autouse=True)
def _clinic(transactional_db, settings) -> None:
    seed_clinic()
    settings.ON_DEMAND_HOURS = ("00:00", "23:59")  # whatever the time the test runs
    settings.ON_DEMAND_POLL_SECONDS = 1


def test_a_patient_is_seen_now_by_a_physician_licensed_in_their_state(
    new_page, axe_check: AxeCheck
):
    """Nobody on duty at first (the patient is told, with booking offered); then the Texan
    joins, the Texas physician's queue shows them by itself, they take them, and both arrive at
    the room; the California physician's queue stays empty throughout."""
    texas = provider(name="Dr. Ines Park", states=("TX",))
    texas_secret = enrol_totp(texas.user)
    california = provider(name="Dr. Omar Reyes", states=("CA",))
    california_secret = enrol_totp(california.user)
    texan = patient(time_zone="America/Chicago", legal_first_name="Maya", legal_last_name="Patel")
    symptoms_checked(texan)

    phone = new_page(viewport=PHONE, time_zone="America/Chicago")
    sign_in_patient(phone, texan)
    phone.goto("/patient/")
    phone.get_by_role("button", name="See a doctor now").click()
    expect(phone).to_have_url(path_is("/on-demand/"))
    expect(phone.get_by_text("No physician licensed in Texas, where you are now")).to_be_visible()
    expect(phone.get_by_role("button", name="Book the next free time")).to_be_visible()
    axe_check(phone)

    # The Texas physician goes on duty from their dashboard and opens the queue.
    doctor = new_page(viewport=LAPTOP, time_zone="America/Chicago")
    sign_in_clinician(doctor, texas.user, secret=texas_secret)
    doctor.get_by_role("button", name="Go on duty").click()
    expect(doctor).to_have_url(path_is("/clinician/"))
    expect(doctor.get_by_role("button", name="Go off duty")).to_be_visible()
    doctor.get_by_role("link", name="Open the seen-now queue").click()
    expect(doctor.get_by_role("heading", name="Waiting for you: 0 patients")).to_be_visible()

    other = new_page(viewport=LAPTOP, time_zone="America/Chicago")
    sign_in_clinician(other, california.user, secret=california_secret)
    other.goto("/clinician/on-demand/")
    other.get_by_role("button", name="Go on duty").click()
    expect(other.get_by_role("heading", name="Waiting for you: 0 patients")).to_be_visible()

    # The patient joins and sees their place.
    phone.reload()
    phone.get_by_role("button", name="Join the queue").click()
    expect(phone).to_have_url(path_is("/on-demand/waiting/"))
    expect(phone.get_by_role("heading", name="You are number 1 in the queue")).to_be_visible()
    expect(phone.get_by_text("Estimated wait: about 10 minutes")).to_be_visible()
    axe_check(phone)

    # The Texas physician's queue shows the patient without a reload; no name is shown.
    queue = doctor.locator("#physician-queue")
    expect(doctor.get_by_role("heading", name="Waiting for you: 1 patient")).to_be_visible(
        timeout=POLL_WAIT_MS
    )
    expect(queue).to_contain_text("Texas")
    expect(queue).to_contain_text("Cough, cold or flu")
    expect(queue).not_to_contain_text("Patel")
    axe_check(doctor)
    doctor.set_viewport_size(PHONE)
    axe_check(doctor)
    doctor.set_viewport_size(LAPTOP)

    # The California physician's queue, polled meanwhile, never shows the Texan.
    other.wait_for_timeout(1500)
    expect(other.get_by_role("heading", name="Waiting for you: 0 patients")).to_be_visible()
    expect(other.locator("#physician-queue")).not_to_contain_text("Texas")
    expect(other.get_by_role("button", name="Take the next patient")).to_have_count(0)

    # The Texas physician takes them and goes to the room. (Until they open it, the patient's
    # page names who is coming; they open it at once here, so the patient goes straight in.)
    doctor.get_by_role("button", name="Take the next patient").click()
    expect(doctor).to_have_url(ROOM)
    room_path = doctor.url.split("://", 1)[1].split("/", 1)[1]

    # Opening the room recorded the physician's arrival; the patient's next poll takes them
    # into the same room.
    entry = QueueEntry.objects.select_related("visit").get(patient=texan)
    assert entry.physician_joined_at is not None
    expect(phone).to_have_url(ROOM, timeout=POLL_WAIT_MS)
    assert phone.url.endswith("/" + room_path)
    assert room_path == f"visits/{entry.visit.pk}/room/"

    other.reload()
    expect(other.get_by_role("heading", name="Waiting for you: 0 patients")).to_be_visible()
    axe_check(other)
